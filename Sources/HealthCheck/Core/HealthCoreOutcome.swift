import ConfParser
import IPVSSync

/// Turning one probe result into a checker verdict (keepalived's per-checker epilogues).
extension HealthCore {
    mutating func finish(_ id: CheckerID, _ result: ProbeResult, at now: Duration, into actions: inout [HealthAction]) {
        // The slot is settled in place (reading it out would copy it at each field).
        guard phase == .running, let settled = slots[id]?.settle(result, at: now, quantum: scheduleQuantum)
        else { return }
        let settings = settled.settings
        switch settled.step {
        case .succeeded:
            if settings.miscDynamic { applyDynamicWeight(result.dynamicWeight, of: id.realServer, into: &actions) }
            if settled.verdict == true {
                actions += CheckerWording.upLines(settings, names(of: id.realServer), result, wasUp: settled.wasUp)
                    .map(HealthAction.log)
            }
        case .retrying:
            actions += CheckerWording.failureLines(settings, names(of: id.realServer), result, isFinal: false,
                                                   hasRun: !settled.firstAttempt)
                .map(HealthAction.log)
        case .failed:
            actions += CheckerWording.failureLines(settings, names(of: id.realServer), result, isFinal: true,
                                                   hasRun: !settled.firstAttempt)
                .map(HealthAction.log)
        case .failedQuietly:
            actions += CheckerWording.quietFailureLines(result).map(HealthAction.log)
        }
        agenda.schedule(id, at: settled.next)
        if let verdict = settled.verdict {
            let serverWasAlive = servers[id.realServer]?.alive
            setChecker(id, up: verdict, firstAttempt: settled.firstAttempt, into: &actions)
            // keepalived mails a checker that flipped; MISC_CHECK also its first verdict.
            if settled.wasUp != verdict || (settled.firstAttempt && settings.kind == .misc),
               let body = CheckerWording.alertBody(settings, up: verdict, result),
               let serverAlive = servers[id.realServer]?.alive {
                actions.append(.checkerAlert(CheckerAlert(checker: id, realServerUp: serverAlive,
                                                          realServerChanged: serverWasAlive != serverAlive, body: body)))
            }
        }
    }

    /// keepalived's `update_svr_checker_state`: a checker's verdict, and the real server's state
    /// when it is the first checker to fail or the last to recover.
    mutating func setChecker(_ id: CheckerID, up: Bool, firstAttempt: Bool, into actions: inout [HealthAction]) {
        guard var slot = slots[id] else { return }
        let ref = id.realServer
        if slot.progress.isUp == up {
            // A first verdict that changes nothing still notifies for alpha checkers and failures
            // (e.g. notify_down of an alpha server whose first check fails).
            if firstAttempt && (slot.settings.alpha || !up) { runServerNotify(ref, into: &actions) }
            return
        }
        slot.progress.isUp = up
        slots[id] = slot
        setAlive(ref, allCheckersUp(ref), into: &actions)
    }

    /// Whether every checker of the real server is up (keepalived's alive: no failed checker).
    func allCheckersUp(_ ref: RealServerRef) -> Bool {
        slots.allOf(ref) { $0.progress.isUp }
    }

    /// MISC_CHECK `misc_dynamic`: a success sets the real server's weight (exit status - 2, or
    /// the configured weight for status 0) and may change the quorum.
    mutating func applyDynamicWeight(_ dynamicWeight: Int?, of ref: RealServerRef, into actions: inout [HealthAction]) {
        guard var status = servers[ref] else { return }
        let configured = virtualServers[ref.virtualServer].realServers[ref.realServer].weight
        let weight = max(dynamicWeight ?? configured, 0)
        guard weight != status.weight else { return }
        status.weight = weight
        servers[ref] = status
        actions.append(.healthChanged)
        updateQuorum(of: ref.virtualServer, into: &actions)
    }
}

/// What one finished attempt did to its checker (`CheckerSlot.settle`).
struct SettledAttempt {
    enum Step {
        /// A success.
        case succeeded
        /// A failure retried after `delay_before_retry`.
        case retrying
        /// A failure that takes the checker down (or keeps it down at its first attempt).
        case failed
        /// A failure of a checker already down: it stays down.
        case failedQuietly
    }

    var step: Step
    /// The checker's new verdict, when this attempt gives one.
    var verdict: Bool?
    /// The checker's verdict before.
    var wasUp: Bool
    var firstAttempt: Bool
    /// When the next attempt is due.
    var next: Duration
    var settings: CheckerSettings
}

extension CheckerSlot {
    /// keepalived's per-checker epilogue on the checker's own state: retries, the next attempt's
    /// time (MISC_CHECK counts from the start of the attempt, the others from now, less up to
    /// `HealthCore.catchUpLimit` of lateness; never in the past) and the verdict, which the caller
    /// applies; rounded up to a multiple of `quantum` (`HealthCore.scheduleQuantum`). nil if no
    /// attempt was in flight.
    mutating func settle(_ result: ProbeResult, at now: Duration, quantum: Duration = .zero) -> SettledAttempt? {
        guard progress.inFlight else { return nil }
        let firstAttempt = !progress.hasRun
        let counts = progress.isUp || firstAttempt
        progress.inFlight = false
        let step: SettledAttempt.Step
        var verdict: Bool?
        let delay: Duration
        if result.succeeded {
            step = .succeeded
            progress.retryCount = 0
            if !progress.isUp || firstAttempt { verdict = true }
            delay = settings.delayLoop
        } else if counts && progress.retryCount < settings.retry {
            step = .retrying
            progress.retryCount += 1
            delay = settings.delayBeforeRetry
        } else {
            step = counts ? .failed : .failedQuietly
            if counts { verdict = false }
            progress.retryCount = 0
            delay = settings.delayLoop
        }
        // keepalived counts the delay from the end of the attempt (MISC_CHECK: from its start).
        // What that end came after the attempt's due time, up to `HealthCore.catchUpLimit`, is
        // taken off: a quick check keeps its phase instead of drifting by the engine's own delays
        // each cycle, which made checks finished together stay due together, in ever larger clumps.
        let end = settings.kind == .misc ? (progress.attemptStart ?? now) : now
        let base = progress.attemptDue.map { max($0, end - HealthCore.catchUpLimit) } ?? end
        progress.attemptDue = nil
        progress.attemptStart = nil
        let next = max(base + delay, now).roundedUp(toMultipleOf: quantum)
        progress.nextAttempt = next
        progress.hasRun = true
        return SettledAttempt(step: step, verdict: verdict, wasUp: progress.isUp, firstAttempt: firstAttempt,
                              next: next, settings: settings)
    }
}
