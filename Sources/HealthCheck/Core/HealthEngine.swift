import ConfParser
import Dispatch
import IPVSSync

/// The shell around `HealthCore`: one serial queue owns the core, one Dispatch timer (no leeway)
/// fires at the grid instant (`WakeGrid`) of the core's next deadline, or repeats on the grid while
/// attempts are due at every instant; queue probes (TCP_CHECK) run on the queue itself, the others
/// in tasks that report back on it; the core's actions go to the callbacks (called on the engine's
/// queue, in the core's order).
///
/// Thread safety: every stored `var` below is read and written only on `queue` (each public
/// entry point hops onto it; the timer's handler and probe completions run on it), so the class
/// is safe to share across threads although the compiler cannot check that.
public final class HealthEngine: @unchecked Sendable {
    /// Makes the probe of one checker (called on the engine's queue, once per checker and
    /// configuration).
    public typealias ProbeFactory = @Sendable (CheckerID, Checker, RealServer, VirtualServer) -> any HealthProbe

    private let queue: DispatchQueue
    /// Where queue probes run: this engine's queue and its epoll set of connects in flight.
    private let probeQueue: ProbeQueue
    private let queueKey = DispatchSpecificKey<Bool>()
    private let makeProbe: ProbeFactory
    private let callbacks: Callbacks

    private var core: HealthCore
    /// When the checkers started, in `DispatchTime` nanoseconds (the clock the timers count in).
    private var origin: UInt64?
    private var timer: GridTimer?
    /// Each checker's probe, built when first needed.
    private var probes: CheckerTable<ProbeEntry>
    private var attempts = AttemptTable<Attempt>()
    private var lastReloadCounts = HealthReloadCounts(kept: 0, started: 0)
    /// How many health changes (`.healthChanged`, and each reload's switch) have happened; every
    /// snapshot carries the count it includes.
    private var healthRevision = 0
    /// What a reload asked to hold back (its log lines and scripts) until `releaseHeldActions()`,
    /// with the configuration it replaced.
    private var heldActions: (actions: [HealthAction], logsActivation: Bool, previous: [VirtualServer])?
    /// A snapshot delivery is queued: later changes ride on it (a snapshot of 10,000 servers per
    /// failure, in a burst of thousands, piled up faster than they were reconciled).
    private var snapshotQueued = false
    /// A turn of the queue that will set the timer is queued.
    private var armQueued = false
    /// A turn of the queue that starts more due attempts is queued.
    private var moreDueQueued = false

    /// - Parameters:
    ///   - warmupOffsets: each checker's delay within its warmup; nil draws them at random.
    ///   - localVirtualServers: `ha_suspend` virtual servers whose address is already local.
    ///   - trackFileValues: the track files' values at start (FILE_CHECK).
    public init(config: Config, warmupOffsets: WarmupOffsets? = nil, localVirtualServers: Set<Int> = [],
                trackFileValues: [String: Int] = [:], label: String = "keepalivedd.healthcheck", probeFactory: @escaping ProbeFactory, callbacks: Callbacks) {
        // The highest QoS: on Linux libdispatch runs it on threads with a lower nice value, so checks
        // and their timeouts keep their schedule when other processes load the CPU.
        queue = DispatchQueue(label: label, qos: .userInteractive)
        probeQueue = ProbeQueue(queue: queue)
        makeProbe = probeFactory
        self.callbacks = callbacks
        core = HealthCore(config: config, warmupOffsets: warmupOffsets ?? .random(),
                          localVirtualServers: localVirtualServers, trackFileValues: trackFileValues)
        core.scheduleQuantum = .nanoseconds(Int64(WakeGrid.intervalNanoseconds))
        probes = CheckerTable(layout: core.slots.layout)
        queue.setSpecific(key: queueKey, value: true)
    }

    /// Starts the checkers (the first snapshot is delivered at once).
    public func start() {
        queue.async { [self] in
            guard origin == nil else { return }
            // On a wake-up instant, so that the core's due times (multiples of the grid's
            // interval, `scheduleQuantum`) are instants the engine wakes at.
            let uptime = DispatchTime.now().uptimeNanoseconds
            origin = uptime - uptime % WakeGrid.intervalNanoseconds
            timer = GridTimer(queue: queue) { [weak self] in self?.timerFired() }
            perform(core.handle(.start, at: now()))
        }
    }

    /// Stops: omega scripts run, probes in flight are cancelled and their results ignored.
    public func stop(completion: (@Sendable () -> Void)? = nil) {
        queue.async { [self] in
            perform(core.handle(.stop, at: now()))
            timer?.cancel()
            timer = nil
            for attempt in attempts.removeAll() { attempt.cancel() }
            completion?()
        }
    }

    /// Switches to a new configuration, keeping the state of unchanged checkers. `completion`
    /// runs once the new configuration is in place (its `snapshot` and `reloadCounts` readable),
    /// before the reload's log lines and scripts go out. With `holdingActions` those wait until
    /// `releaseHeldActions()` (the daemon first brings the kernel table up to date, as keepalived
    /// does before it logs its 40,000 activation lines) or the next reload.
    public func reload(_ config: Config, warmupOffsets: WarmupOffsets? = nil, holdingActions: Bool = false,
                       completion: (@Sendable () -> Void)? = nil) {
        queue.async { [self] in
            performHeldActions()
            let change = core.reloaded(with: config, at: now(), warmupOffsets: warmupOffsets ?? .random())
            let previous = core.virtualServers
            core = change.core
            // The switch is one health change, whatever it did: its snapshot follows.
            healthRevision += 1
            lastReloadCounts = HealthReloadCounts(kept: change.carriedOver.count,
                                                  started: core.checkerIDs.count - change.carriedOver.count,
                                                  changedVirtualServers: change.changedVirtualServers,
                                                  revision: healthRevision)
            for (token, attempt) in attempts.all {
                if let id = change.carriedOver.newID(of: attempt.id) {
                    attempts[token]?.id = id
                } else {
                    attempt.cancel()
                    attempts[token] = nil
                }
            }
            completion?()
            dropProbes(of: change.changedVirtualServers, in: previous)
            queueSnapshot()
            let actions = change.switchActions.filter { $0 != .healthChanged }
            if holdingActions {
                heldActions = (actions, change.logsActivation, previous)
                arm()
            } else {
                perform(actions + (change.logsActivation ? [.logActivationLines] : []), previous: previous)
            }
        }
    }

    /// Sends out what the last reload held back (see `reload(_:holdingActions:completion:)`).
    public func releaseHeldActions() {
        queue.async { [self] in performHeldActions() }
    }

    private func performHeldActions() {
        guard let held = heldActions else { return }
        heldActions = nil
        perform(held.actions + (held.logsActivation ? [.logActivationLines] : []), previous: held.previous)
    }

    /// Probes are built again from the new configuration when next needed: those of the virtual
    /// servers a reload changed (`changed`, nil for all), as the configuration they replaced
    /// (`previous`) numbered them. The others were built from the same settings.
    private func dropProbes(of changed: [Int]?, in previous: [VirtualServer]) {
        guard let changed, probes.layout == core.slots.layout else {
            probes = CheckerTable(layout: core.slots.layout)
            return
        }
        for vsIndex in changed where previous.indices.contains(vsIndex) {
            for (rsIndex, rs) in previous[vsIndex].realServers.enumerated() {
                for index in rs.checkers.indices {
                    probes[CheckerID(virtualServer: vsIndex, realServer: rsIndex, index: index)] = nil
                }
            }
        }
    }

    /// `ha_suspend`: the address of a virtual server (index in the current configuration) was
    /// added to or removed from this host.
    public func virtualAddress(of virtualServer: Int, isLocal: Bool) {
        queue.async { [self] in
            perform(core.handle(.virtualAddress(virtualServer: virtualServer, isLocal: isLocal), at: now()))
        }
    }

    /// FILE_CHECK: a track file now holds `value` (0 when it was removed).
    public func trackFile(_ name: String, value: Int) {
        queue.async { [self] in
            perform(core.handle(.trackFile(name: name, value: value), at: now()))
        }
    }

    /// How many checkers the last reload kept (state and schedule carried over) and started
    /// afresh.
    public var reloadCounts: HealthReloadCounts {
        onQueue { lastReloadCounts }
    }

    /// The current health state.
    public var snapshot: HealthSnapshot {
        onQueue { stamped(core.snapshot) }
    }

    /// The part of `snapshot` about some virtual servers (after a reload that changed only those).
    public func snapshot(ofVirtualServers indices: [Int]) -> HealthSnapshot {
        onQueue { stamped(core.snapshot(ofVirtualServers: indices)) }
    }

    /// `body` run on the engine's queue: at once when called there (a completion), else waited for.
    private func onQueue<T>(_ body: () -> T) -> T {
        if DispatchQueue.getSpecific(key: queueKey) == true { return body() }
        return queue.sync(execute: body)
    }

    /// A snapshot of the core with the revision it includes (on the queue).
    private func stamped(_ snapshot: HealthSnapshot) -> HealthSnapshot {
        var stamped = snapshot
        stamped.revision = healthRevision
        return stamped
    }

    // MARK: - On the queue

    private func now() -> Duration {
        guard let origin else { return .zero }
        return .nanoseconds(Int64(bitPattern: DispatchTime.now().uptimeNanoseconds &- origin))
    }

    /// The most log lines handed to `Callbacks.onLog` at once.
    static let linesPerBatch = 256

    private func timerFired() {
        timer?.fired()
        // The connects that finished since the reactor last looked share this wake-up.
        probeQueue.connects.look()
        // A batch of due attempts is already queued behind the results of the last one: it starts
        // the next ones, not this wake-up.
        guard !moreDueQueued else { return }
        startDueAttempts()
    }

    /// Starts the attempts due now, at most `HealthCore.startsPerEvent`; when more are due, the
    /// next ones start in a later turn of the queue, after the results that came in meanwhile.
    private func startDueAttempts() {
        let time = now()
        perform(core.handle(.timer, at: time))
        // Only a batch cut short: attempts that fell due while this one started wait for the grid
        // (continuing at once turned the engine into a chain of turns of one or two attempts each).
        if core.hasDueAttempts(at: time) {
            afterThisTurn(\.moreDueQueued) { $0.startDueAttempts() }
        }
    }

    /// Runs the core's actions; `previous` is the configuration a reload replaced (removals name
    /// its real servers).
    private func perform(_ actions: [HealthAction], previous: [VirtualServer] = []) {
        var lines: [HealthLogLine] = []
        // In batches: the 10,000 activation lines of a start are not all worded at once.
        func add(_ line: HealthLogLine) {
            lines.append(line)
            if lines.count == Self.linesPerBatch {
                callbacks.onLog(lines)
                lines.removeAll(keepingCapacity: true)
            }
        }
        for action in actions {
            switch action {
            case .log(let line):
                add(line)
                continue
            case .logActivationLines:
                core.forEachActivationLine(add)
                continue
            default:
                break
            }
            if !lines.isEmpty {
                callbacks.onLog(lines)
                lines.removeAll()
            }
            switch action {
            case .runProbe(let id): launch(id)
            case .log, .logActivationLines: break
            case .runScript(let script, let reason): callbacks.onScript(script, reason)
            case .healthChanged:
                healthRevision += 1
                queueSnapshot()
            case .quorumChanged(let notice):
                if core.virtualServers.indices.contains(notice.virtualServer) {
                    callbacks.onQuorum(notice, core.virtualServers[notice.virtualServer])
                }
            case .checkerAlert(let alert):
                let index = alert.checker.realServer.virtualServer
                if core.virtualServers.indices.contains(index) { callbacks.onCheckerAlert(alert, core.virtualServers[index]) }
            case .realServerRemoved(let ref):
                if previous.indices.contains(ref.virtualServer),
                   previous[ref.virtualServer].realServers.indices.contains(ref.realServer) {
                    callbacks.onRealServerRemoved(previous[ref.virtualServer].realServers[ref.realServer], previous[ref.virtualServer])
                }
            }
        }
        if !lines.isEmpty { callbacks.onLog(lines) }
        armAfterThisTurn()
    }

    /// Sets the timer once the current turn of the queue is done: a turn that handles a batch of
    /// finished connects (hundreds when the checker is busy) sets it once, not once per result.
    private func armAfterThisTurn() {
        afterThisTurn(\.armQueued) { $0.arm() }
    }

    /// Delivers the snapshot once the work queued now is done, so that the changes it brings share
    /// one snapshot.
    private func queueSnapshot() {
        afterThisTurn(\.snapshotQueued) { $0.callbacks.onSnapshot($0.stamped($0.core.snapshot)) }
    }

    /// Runs `body` once the current turn of the queue is done, unless the flag at `queued` says it
    /// is queued already (the flag is cleared when it runs).
    private func afterThisTurn(_ queued: any ReferenceWritableKeyPath<HealthEngine, Bool> & Sendable,
                               _ body: @escaping @Sendable (HealthEngine) -> Void) {
        guard !self[keyPath: queued] else { return }
        self[keyPath: queued] = true
        queue.async { [self] in
            self[keyPath: queued] = false
            body(self)
        }
    }

    private func launch(_ id: CheckerID) {
        guard let entry = probe(for: id) else {
            perform(core.handle(.probeFinished(id, .failure("no probe for checker \(id)")), at: now()))
            return
        }
        let token = attempts.reserveToken()
        let started = DispatchTime.now().uptimeNanoseconds
        let probe: any HealthProbe
        switch entry {
        case .tcp(let tcp):
            launch(tcp, id: id, token: token, started: started)
            return
        case .onQueue(let queueProbe):
            launch(queueProbe, id: id, token: token, started: started)
            return
        case .inTask(let taskProbe):
            probe = taskProbe
        }
        let task = Task { [self] in
            let result = await probe.run()
            queue.async { self.finished(token, result) }
        }
        attempts[token] = Attempt(id: id, started: started, running: .task(task))
    }

    /// The cheap path: the attempt runs on this queue and reports on it.
    private func launch(_ queueProbe: some QueueProbe, id: CheckerID, token: UInt64, started: UInt64) {
        // The completion holds the engine until the attempt ends (a stop or reload cancels it):
        // a weak reference cost an atomic side-table update per check.
        let attempt = queueProbe.start(on: probeQueue) { [self] result in finished(token, result) }
        attempts[token] = Attempt(id: id, started: started, running: .onQueue(attempt))
    }

    private func probe(for id: CheckerID) -> ProbeEntry? {
        if let known = probes[id] { return known }
        guard let parts = core.configuration(of: id) else { return nil }
        let entry = ProbeEntry(makeProbe(id, parts.checker, parts.realServer, parts.virtualServer))
        probes[id] = entry
        return entry
    }

    private func finished(_ token: UInt64, _ result: ProbeResult) {
        guard let attempt = attempts.remove(token) else { return }
        callbacks.onAttempt(attempt.id, result, .nanoseconds(Int64(bitPattern: DispatchTime.now().uptimeNanoseconds &- attempt.started)))
        perform(core.handle(.probeFinished(attempt.id, result), at: now()))
    }

    private func arm() {
        guard let timer else { return }
        guard let deadline = core.nextDeadline else { return timer.arm(after: nil) }
        let delay = max(deadline - now(), .zero)
        let (seconds, attoseconds) = delay.components
        let nanoseconds = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        // A grid instant up to `HealthCore.startTolerance` before the deadline starts the attempt
        // too: an attempt due just after an instant (its delay counted from a completion handled
        // a little after the instant) does not wait for the next one.
        let tolerance = UInt64(HealthCore.startTolerance.components.attoseconds / 1_000_000_000)
        timer.arm(after: nanoseconds - min(nanoseconds, tolerance))
    }
}
