import ConfParser
import IPVSSync

/// One checker's resolved settings, as the core schedules and words them. Never changed once
/// made, so a class: the core copies a checker's slot at every attempt, and a reference costs one
/// retain where this many fields cost a copy each. Checkers with equal settings share one instance
/// (`HealthCore` keeps a set of them), so 10,000 alike checkers hold one.
final class CheckerSettings: Sendable, Hashable {
    let kind: CheckerKind
    let delayLoop: Duration
    let retry: Int
    let delayBeforeRetry: Duration
    let warmup: Duration
    let alpha: Bool
    /// The checker's `log_all_failures`, else global_defs `checker_log_all_failures`.
    let logAllFailures: Bool
    /// MISC_CHECK with `misc_dynamic`.
    let miscDynamic: Bool
    /// MISC_CHECK: the program run (keepalived's `args[0]`).
    let scriptName: String

    init(_ checker: Checker, logAllFailures global: Bool) {
        kind = checker.kind
        delayLoop = .seconds(checker.delayLoop)
        retry = max(checker.retry, 0)
        delayBeforeRetry = .seconds(checker.delayBeforeRetry)
        warmup = .seconds(checker.warmup)
        alpha = checker.alpha
        logAllFailures = checker.logAllFailures ?? global
        miscDynamic = checker.misc?.dynamic ?? false
        let command = checker.misc?.script?.command ?? ""
        scriptName = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? command
    }

    /// Whether the checker runs attempts (FILE_CHECK and BFD_CHECK are event driven: they are not
    /// scheduled here and count as up).
    var polls: Bool { kind.polls }

    static func == (a: CheckerSettings, b: CheckerSettings) -> Bool {
        a === b || (a.kind == b.kind && a.delayLoop == b.delayLoop && a.retry == b.retry
            && a.delayBeforeRetry == b.delayBeforeRetry && a.warmup == b.warmup && a.alpha == b.alpha
            && a.logAllFailures == b.logAllFailures && a.miscDynamic == b.miscDynamic && a.scriptName == b.scriptName)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(delayLoop)
        hasher.combine(retry)
        hasher.combine(delayBeforeRetry)
        hasher.combine(scriptName)
    }
}

/// keepalived's names of a checker's real server (`[RIP]:tcp:80`) and of its virtual server, as
/// its log lines carry them.
struct CheckerNames: Sendable, Equatable {
    var service: String
    var virtualServer: String
}

/// Where a checker is in its cycle (keepalived's `is_up`, `has_run`, `retry_it` and its timer).
///
/// One per checker, so kept small: the three times are whole nanoseconds with a sentinel for
/// none, where `Duration?` took 32 bytes each with its padding (88 -> 40 bytes a checker).
struct CheckerProgress: Sendable, Equatable {
    /// Failed attempts retried so far in the current failure sequence.
    var retryCount = 0
    private var nextAttemptTicks = Self.never
    private var attemptDueTicks = Self.never
    private var attemptStartTicks = Self.never
    /// The checker's own verdict; the real server is alive only while all its checkers are up.
    var isUp: Bool
    /// At least one attempt has finished.
    var hasRun = false
    var inFlight = false
    /// False while suspended by `ha_suspend` (attempts are skipped, the timer keeps running).
    var enabled = true

    init(isUp: Bool) {
        self.isUp = isUp
    }

    /// When the next attempt starts; nil while one is in flight or before start.
    var nextAttempt: Duration? {
        get { Self.time(nextAttemptTicks) }
        set { nextAttemptTicks = Self.ticks(newValue) }
    }

    /// When the attempt in flight was due, and when it started (MISC_CHECK schedules from it).
    var attemptDue: Duration? {
        get { Self.time(attemptDueTicks) }
        set { attemptDueTicks = Self.ticks(newValue) }
    }

    var attemptStart: Duration? {
        get { Self.time(attemptStartTicks) }
        set { attemptStartTicks = Self.ticks(newValue) }
    }

    /// The next attempt's due time in whole nanoseconds, as the agenda keys it; nil for none.
    var nextAttemptAgendaTicks: Int64? { nextAttemptTicks == Self.never ? nil : nextAttemptTicks }

    private static let never = Int64.min

    private static func time(_ ticks: Int64) -> Duration? {
        ticks == never ? nil : .nanoseconds(ticks)
    }

    private static func ticks(_ time: Duration?) -> Int64 {
        time.map(\.agendaTicks) ?? never
    }
}

/// A checker of the core: its settings and its progress (its id is the key it is stored under).
struct CheckerSlot: Sendable {
    var settings: CheckerSettings
    var progress: CheckerProgress

    /// What an agenda entry due at `due` does to the checker (`startAttempt`).
    enum Start {
        /// The attempt starts now.
        case started
        /// Suspended (`ha_suspend`): no attempt; the next is due a `delay_loop` later.
        case suspended(delayLoop: Duration)
        /// The entry is stale: the checker's schedule changed since, or an attempt is in flight.
        case stale
    }

    /// Starts the attempt the agenda has due at `due` (whole nanoseconds), in place.
    mutating func startAttempt(dueAt due: Int64, now: Duration) -> Start {
        guard !progress.inFlight, progress.nextAttemptAgendaTicks == due else { return .stale }
        guard progress.enabled else { return .suspended(delayLoop: settings.delayLoop) }
        progress.inFlight = true
        progress.attemptDue = progress.nextAttempt
        progress.attemptStart = now
        progress.nextAttempt = nil
        return .started
    }
}
