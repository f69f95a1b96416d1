import ConfParser
import IPVSSync

/// The health checkers of keepalived's checker process as a pure state machine: when each checker
/// runs, how retries, alpha, several checkers per real server, `misc_dynamic` weights, quorum with
/// hysteresis, `ha_suspend` and `omega` turn probe results into real server and quorum states,
/// log lines and notify scripts. Time is passed in (a `Duration` since the checkers' clock
/// started); probes run outside (`HealthAction.runProbe`).
///
/// Schedule (keepalived 2.2): the first attempt of each checker comes `bootstrapDelay` plus a
/// random share of `warmup` after start (the share is injected: `warmupOffsets`), then one every
/// `delay_loop`; a failed attempt of a checker that is up is retried after `delay_before_retry`
/// up to `retry` times before the checker goes down. A checker that is down is tried every
/// `delay_loop` and one success brings it up. MISC_CHECK counts its delays from the start of the
/// attempt, the others from its end.
public struct HealthCore: Sendable {
    /// keepalived's `BOOTSTRAP_DELAY`: one second before the first attempts (plus warmup).
    public static let bootstrapDelay: Duration = .seconds(1)
    /// Attempts due within this much of a timer event start with it: thousands of checkers due a
    /// few microseconds apart then share one wake-up instead of one each.
    public static let startTolerance: Duration = .milliseconds(1)
    /// How much of an attempt's lateness the next delay makes up for: the next attempt is due a
    /// delay after the end of this one (keepalived's rule) less the time from this one's due time to
    /// its end, up to this much. So a quick check stays on its own schedule (its phase kept from
    /// the warmup), and one that takes longer is next due a delay after its end less 50 ms.
    public static let catchUpLimit: Duration = .milliseconds(50)
    /// The most agenda entries one timer event takes: when more are due (a checker that fell
    /// behind, thousands due at once), the shell handles `.timer` again (`hasDueAttempts`) after
    /// the results of these have come in, so the attempts in flight, their sockets and the memory
    /// they hold stay bounded.
    public static let startsPerEvent = 512

    /// Where the core is in its life.
    public enum Phase: Sendable, Equatable {
        case idle, running, stopped
    }

    /// The real-server side of the health state.
    struct ServerStatus: Sendable, Equatable {
        var alive: Bool
        /// The configured weight, unless a `misc_dynamic` checker set another.
        var weight: Int
        /// What the real server's FILE_CHECKs add (or, negative, take away).
        var fileWeight = 0

        /// The weight the server has in the table: keepalived keeps it within 0...INT_MAX.
        var effectiveWeight: Int { min(max(weight + fileWeight, 0), HealthCore.maximumWeight) }
    }

    public internal(set) var virtualServers: [VirtualServer]
    public internal(set) var phase: Phase = .idle
    let checkerLogAllFailures: Bool
    /// Every checker that polls or follows a track file, by its position in the configuration.
    var slots: CheckerTable<CheckerSlot>
    /// Checkers that poll, in configuration order.
    var order: [CheckerID] = []
    var servers: ServerTable<ServerStatus>
    var quorums: [Int: QuorumState] = [:]
    /// `ha_suspend`: virtual servers whose address is on this host.
    var localVirtualServers: Set<Int>
    var warmupOffsets: WarmupOffsets
    /// Due times of the checkers' next attempts (see `setNextAttempt`).
    var agenda = CheckerAgenda()
    /// Due times are rounded up to a multiple of this (zero: not rounded). The engine sets its
    /// wake-up interval (`WakeGrid`), so that attempts fall due on the instants it wakes at and
    /// checkers share wake-ups instead of each waiting for the next one.
    public var scheduleQuantum: Duration = .zero
    /// FILE_CHECKs (they have slots for their up state but are not scheduled), by checker and by
    /// the track file they follow, and the last value of each track file.
    var fileChecks: [CheckerID: FileTracking] = [:]
    var fileChecksByName: [String: [CheckerID]] = [:]
    var trackFileValues: [String: Int]

    /// The core for the virtual servers of `config`.
    /// - Parameters:
    ///   - warmupOffsets: each checker's share of its `warmup` before its first attempt (none by
    ///     default); `WarmupOffsets.random()` draws them like keepalived.
    ///   - localVirtualServers: `ha_suspend` virtual servers whose address is already local.
    ///   - trackFileValues: the values of the track files at start (FILE_CHECK; missing: 0).
    public init(config: Config, warmupOffsets: WarmupOffsets = .none, localVirtualServers: Set<Int> = [],
                trackFileValues: [String: Int] = [:]) {
        self.init(virtualServers: config.virtualServers, checkerLogAllFailures: config.globalDefs.checkerLogAllFailures,
                  warmupOffsets: warmupOffsets, localVirtualServers: localVirtualServers, trackFileValues: trackFileValues)
    }

    public init(virtualServers: [VirtualServer], checkerLogAllFailures: Bool = false,
                warmupOffsets: WarmupOffsets = .none, localVirtualServers: Set<Int> = [],
                trackFileValues: [String: Int] = [:]) {
        self.virtualServers = virtualServers
        self.checkerLogAllFailures = checkerLogAllFailures
        self.warmupOffsets = warmupOffsets
        self.localVirtualServers = localVirtualServers
        self.trackFileValues = trackFileValues
        let layout = CheckerLayout(virtualServers)
        slots = CheckerTable(layout: layout)
        servers = ServerTable(layout: layout)
        order.reserveCapacity(layout.checkerCount)
        // Checkers with the same settings share one instance (most of 10,000 do).
        var distinctSettings = Set<CheckerSettings>()
        for (vsIndex, vs) in virtualServers.enumerated() {
            for (rsIndex, rs) in vs.realServers.enumerated() {
                let ref = RealServerRef(virtualServer: vsIndex, realServer: rsIndex)
                var allUp = true
                for (index, checker) in rs.checkers.enumerated() where checker.kind.polls || checker.kind == .file {
                    let id = CheckerID(realServer: ref, index: index)
                    let settings = distinctSettings.insert(CheckerSettings(checker, logAllFailures: checkerLogAllFailures))
                        .memberAfterInsert
                    var progress = CheckerProgress(isUp: !settings.alpha)
                    progress.enabled = !Self.suspends(vs) || localVirtualServers.contains(vsIndex)
                    if let file = checker.file {
                        // A file is read at once: no alpha, and it has run (keepalived's has_run).
                        progress = CheckerProgress(isUp: true)
                        progress.hasRun = true
                        fileChecks[id] = FileTracking(file)
                    } else {
                        order.append(id)
                    }
                    slots[id] = CheckerSlot(settings: settings, progress: progress)
                    allUp = allUp && progress.isUp
                }
                servers[ref] = ServerStatus(alive: allUp, weight: rs.weight)
            }
        }
        setUpFileChecks()
    }

    /// Whether `ha_suspend` applies (keepalived clears it on fwmark services).
    static func suspends(_ vs: VirtualServer) -> Bool {
        if case .fwmark = vs.address { return false }
        return vs.haSuspend
    }

    // MARK: - Reading the state

    /// Every checker that runs attempts, in configuration order.
    public var checkerIDs: [CheckerID] { order }

    /// The configuration of a checker (for building its probe).
    public func configuration(of id: CheckerID) -> (checker: Checker, realServer: RealServer, virtualServer: VirtualServer)? {
        let ref = id.realServer
        guard virtualServers.indices.contains(ref.virtualServer) else { return nil }
        let vs = virtualServers[ref.virtualServer]
        guard vs.realServers.indices.contains(ref.realServer) else { return nil }
        let rs = vs.realServers[ref.realServer]
        guard rs.checkers.indices.contains(id.index) else { return nil }
        return (rs.checkers[id.index], rs, vs)
    }

    /// The configuration of a checker alone, read in place (without copying its virtual and
    /// real server, as `configuration(of:)` does).
    func checkerConfiguration(of id: CheckerID) -> Checker? {
        let ref = id.realServer
        guard virtualServers.indices.contains(ref.virtualServer),
              virtualServers[ref.virtualServer].realServers.indices.contains(ref.realServer),
              virtualServers[ref.virtualServer].realServers[ref.realServer].checkers.indices.contains(id.index)
        else { return nil }
        return virtualServers[ref.virtualServer].realServers[ref.realServer].checkers[id.index]
    }

    /// The checker's own verdict (a FILE_CHECK's: not in FAULT); nil for an unknown checker.
    public func isUp(_ id: CheckerID) -> Bool? { slots[id]?.progress.isUp }

    /// When the checker's next attempt starts; nil while one is in flight or when not running.
    public func nextAttempt(of id: CheckerID) -> Duration? { slots[id]?.progress.nextAttempt }

    /// The retries used in the checker's current failure sequence.
    public func retryCount(of id: CheckerID) -> Int? { slots[id]?.progress.retryCount }

    /// Whether the real server is alive (all its checkers up).
    public func isAlive(_ ref: RealServerRef) -> Bool? { servers[ref]?.alive }

    /// Whether the virtual server holds its quorum (nil before start).
    public func quorumHeld(_ virtualServer: Int) -> Bool? { quorums[virtualServer]?.isUp }

    /// Whether attempts are due at `now` that a timer event has not started yet: after
    /// `handle(.timer, at: now)`, true only when more than `startsPerEvent` were due at once.
    public func hasDueAttempts(at now: Duration) -> Bool {
        guard let deadline = nextDeadline else { return false }
        return deadline <= now + Self.startTolerance
    }

    /// When `handle(.timer, at:)` is next needed; nil when nothing is scheduled.
    public var nextDeadline: Duration? {
        guard phase == .running else { return nil }
        return agenda.earliest
    }

    /// The health state for the desired IPVS table: every real server's alive and effective
    /// weight, and, once started, every virtual server's quorum as decided with hysteresis.
    public var snapshot: HealthSnapshot {
        var realServers = RealServerHealthTable()
        for (vsIndex, vs) in virtualServers.enumerated() { realServers.reserve(vs.realServers.count, inVirtualServer: vsIndex) }
        servers.forEach { ref, status in realServers[ref] = RealServerHealth(alive: status.alive, weight: status.effectiveWeight) }
        return HealthSnapshot(realServers: realServers, quorum: quorums.mapValues(\.isUp))
    }

    /// The part of `snapshot` about some virtual servers (a reload that changed only those).
    public func snapshot(ofVirtualServers indices: [Int]) -> HealthSnapshot {
        var part = HealthSnapshot()
        for vsIndex in indices where virtualServers.indices.contains(vsIndex) {
            for rsIndex in virtualServers[vsIndex].realServers.indices {
                let ref = RealServerRef(virtualServer: vsIndex, realServer: rsIndex)
                if let status = servers[ref] { part.realServers[ref] = RealServerHealth(alive: status.alive, weight: status.effectiveWeight) }
            }
            if let quorum = quorums[vsIndex] { part.quorum[vsIndex] = quorum.isUp }
        }
        return part
    }

    // MARK: - Events

    /// Handles one event at time `now` and returns what to do, in order (a single
    /// `.healthChanged`, if any, comes last).
    public mutating func handle(_ event: HealthEvent, at now: Duration) -> [HealthAction] {
        var actions: [HealthAction] = []
        switch event {
        case .start: start(at: now, into: &actions)
        case .timer: startDueAttempts(at: now, into: &actions)
        case .probeFinished(let id, let result): finish(id, result, at: now, into: &actions)
        case .virtualAddress(let index, let isLocal): setAddress(of: index, isLocal: isLocal, into: &actions)
        case .trackFile(let name, let value): setTrackFile(name, value: value, into: &actions)
        case .stop: stop(into: &actions)
        }
        return Self.coalesced(actions)
    }

    static func coalesced(_ actions: consuming [HealthAction]) -> [HealthAction] {
        // Matched by case, not by `==` (a reload has one action per checker to look through).
        func isChange(_ action: HealthAction) -> Bool {
            if case .healthChanged = action { return true }
            return false
        }
        // Owned, and changed in place: a start's 10,000 actions are not copied.
        var out = actions
        var changes = 0
        for action in out where isChange(action) { changes += 1 }
        if changes == 0 || (changes == 1 && out.last.map(isChange) == true) { return out }
        out.removeAll(where: isChange)
        out.append(.healthChanged)
        return out
    }

    private mutating func start(at now: Duration, into actions: inout [HealthAction]) {
        guard phase == .idle else { return }
        phase = .running
        for index in virtualServers.indices {
            let (state, lines) = QuorumState.start(virtualServers[index], index: index,
                                                   aliveWeight: aliveWeight(of: index), previous: nil)
            quorums[index] = state
            actions += lines
        }
        agenda.reserveCapacity(order.count)
        for id in order { schedule(first: id, at: now) }
        if !order.isEmpty { actions.append(.logActivationLines) }
        actions.append(.healthChanged)
    }

    /// Schedules a checker's first attempt: bootstrap delay plus its warmup share.
    mutating func schedule(first id: CheckerID, at now: Duration) {
        guard let settings = slots[id]?.settings, settings.polls else { return }
        setNextAttempt(id, now + Self.bootstrapDelay + warmupOffsets.offset(of: id, warmup: settings.warmup))
    }

    /// Sets when a checker's next attempt is due and puts it on the agenda. Every non-nil
    /// `nextAttempt` is set through here, or by `CheckerSlot.settle` in place, whose caller (`finish`)
    /// puts it on the agenda; clearing it needs nothing (stale entries are skipped).
    mutating func setNextAttempt(_ id: CheckerID, _ time: Duration) {
        let due = time.roundedUp(toMultipleOf: scheduleQuantum)
        slots[id]?.progress.nextAttempt = due
        agenda.schedule(id, at: due)
    }

    /// Rebuilds the agenda from every checker's `nextAttempt` (after a reload).
    mutating func rebuildAgenda() {
        agenda.removeAll()
        for id in order {
            if let time = slots[id]?.progress.nextAttempt { agenda.schedule(id, at: time) }
        }
    }

    /// keepalived's activation line for every checker that polls, in configuration order (what a
    /// start and a reload log once the checkers run).
    var activationLines: [HealthLogLine] { order.map(activationLine) }

    /// The same lines one at a time (the engine writes them in batches, not all at once).
    func forEachActivationLine(_ body: (HealthLogLine) -> Void) {
        for id in order { body(activationLine(id)) }
    }

    func activationLine(_ id: CheckerID) -> HealthLogLine {
        let names = names(of: id.realServer)
        return HealthLogLine("\(slots[id]?.progress.enabled == false ? "Dea" : "A")ctivating healthchecker for service \(names.service) for VS \(names.virtualServer)")
    }

    private mutating func startDueAttempts(at now: Duration, into actions: inout [HealthAction]) {
        guard phase == .running else { return }
        for (at, id) in agenda.popDue(at: now + Self.startTolerance, limit: Self.startsPerEvent) {
            // Stale entries (the schedule changed since) are dropped here.
            switch slots[id]?.startAttempt(dueAt: at, now: now) {
            case .started: actions.append(.runProbe(id))
            case .suspended(let delayLoop): setNextAttempt(id, now + delayLoop)
            case .stale, nil: continue
            }
        }
    }

    private mutating func setAddress(of index: Int, isLocal: Bool, into actions: inout [HealthAction]) {
        if isLocal { localVirtualServers.insert(index) } else { localVirtualServers.remove(index) }
        guard virtualServers.indices.contains(index), Self.suspends(virtualServers[index]), phase != .stopped else { return }
        for id in order where id.realServer.virtualServer == index {
            guard var slot = slots[id], slot.progress.enabled != isLocal else { continue }
            slot.progress.enabled = isLocal
            slots[id] = slot
            if phase == .running {
                let names = names(of: id.realServer)
                actions.append(.log(HealthLogLine("\(isLocal ? "Activat" : "Suspend")ing healthchecker for service \(names.service) for VS \(names.virtualServer)")))
            }
        }
    }

    private mutating func stop(into actions: inout [HealthAction]) {
        guard phase == .running else {
            phase = .stopped
            return
        }
        phase = .stopped
        for (vsIndex, vs) in virtualServers.enumerated() where vs.omega {
            for (rsIndex, rs) in vs.realServers.enumerated() {
                let ref = RealServerRef(virtualServer: vsIndex, realServer: rsIndex)
                guard servers[ref]?.alive == true, let script = rs.notifyDown else { continue }
                actions.append(.runScript(script, .realServerDown(ref)))
            }
            if let script = vs.quorumDown { actions.append(.runScript(script, .quorumDown(virtualServer: vsIndex))) }
        }
        for id in order {
            slots[id]?.progress.nextAttempt = nil
            slots[id]?.progress.inFlight = false
        }
        agenda.removeAll()
    }

    // MARK: - Real servers and quorum

    /// The weight of the live real servers of a virtual server.
    func aliveWeight(of vsIndex: Int) -> Int {
        var total = 0
        for rsIndex in virtualServers[vsIndex].realServers.indices {
            if let status = servers[RealServerRef(virtualServer: vsIndex, realServer: rsIndex)], status.alive {
                total += status.effectiveWeight
            }
        }
        return total
    }

    /// Sets a real server alive or dead: its notify script, then the quorum of its virtual server.
    mutating func setAlive(_ ref: RealServerRef, _ alive: Bool, into actions: inout [HealthAction]) {
        guard var status = servers[ref], status.alive != alive else { return }
        status.alive = alive
        servers[ref] = status
        runServerNotify(ref, into: &actions)
        actions.append(.healthChanged)
        updateQuorum(of: ref.virtualServer, into: &actions)
    }

    /// notify_up or notify_down of the real server for its current state.
    func runServerNotify(_ ref: RealServerRef, into actions: inout [HealthAction]) {
        guard let status = servers[ref] else { return }
        let rs = virtualServers[ref.virtualServer].realServers[ref.realServer]
        if status.alive, let script = rs.notifyUp {
            actions.append(.runScript(script, .realServerUp(ref)))
        } else if !status.alive, let script = rs.notifyDown {
            actions.append(.runScript(script, .realServerDown(ref)))
        }
    }

    mutating func updateQuorum(of vsIndex: Int, into actions: inout [HealthAction]) {
        guard var quorum = quorums[vsIndex] else { return }
        actions += quorum.update(virtualServers[vsIndex], index: vsIndex, aliveWeight: aliveWeight(of: vsIndex))
        quorums[vsIndex] = quorum
    }
}
