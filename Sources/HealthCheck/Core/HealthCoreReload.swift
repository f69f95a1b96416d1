import ConfParser
import IPVSSync

/// The core for a reloaded configuration and what the switch does.
public struct HealthReload: Sendable {
    public var core: HealthCore
    /// Log lines, notify scripts and quorum changes of the switch, without keepalived's activation
    /// line per checker (`activationLines`); ends with `.healthChanged` when the core is running.
    public var switchActions: [HealthAction]
    /// Whether the reload logs keepalived's activation line for every checker (a running core).
    public var logsActivation: Bool
    /// Checkers whose state was carried over (see `CheckerCarryOver`).
    public var carriedOver: CheckerCarryOver
    /// The virtual servers (new indexes) whose configuration or health may differ from the running
    /// core's; every other one has the same servers, checkers and health as before. nil: any may.
    public var changedVirtualServers: [Int]?

    /// keepalived's `Activating healthchecker ...` (or `Deactivating`) line for every checker, in
    /// configuration order: formatted when asked for, so a reload of 40,000 checkers can switch
    /// first and write its lines afterwards.
    public var activationLines: [HealthLogLine] {
        logsActivation ? core.activationLines : []
    }

    /// Everything the switch does, in keepalived's order: `switchActions` with the activation
    /// lines before the closing `.healthChanged`.
    public var actions: [HealthAction] {
        guard logsActivation else { return switchActions }
        var all = switchActions
        let closing = all.last == .healthChanged ? all.removeLast() : nil
        all += activationLines.map(HealthAction.log)
        if let closing { all.append(closing) }
        return all
    }
}

/// Identity of a virtual server across reloads (keepalived's `vs_iseq`).
struct VirtualServerIdentity: Hashable {
    var address: VirtualServerAddress
    var proto: LVSProtocol?

    init(_ vs: VirtualServer) {
        address = vs.address
        if case .fwmark = vs.address { proto = nil } else { proto = vs.protocol }
    }
}

extension HealthCore {
    /// The core for a new configuration, keeping what keepalived keeps on reload: the quorum of
    /// every virtual server that is still there, the alive state and weight of every real server
    /// still there (same virtual server, address and port), and the state and schedule of each of
    /// its checkers whose settings are unchanged. New real servers start as at start-up (alpha
    /// checkers down); a new or changed checker of a kept real server starts afresh, and only one
    /// failure takes it down while another checker of its server is down.
    ///
    /// `warmupOffsets` serve only checkers that start afresh (not a reload in place).
    public func reloaded(with config: Config, at now: Duration,
                         warmupOffsets: WarmupOffsets = .none) -> HealthReload {
        reloaded(virtualServers: config.virtualServers, checkerLogAllFailures: config.globalDefs.checkerLogAllFailures,
                 at: now, warmupOffsets: warmupOffsets)
    }

    public func reloaded(virtualServers newServers: [VirtualServer], checkerLogAllFailures: Bool = false,
                         at now: Duration, warmupOffsets: WarmupOffsets = .none) -> HealthReload {
        if let inPlace = reloadedInPlace(virtualServers: newServers, checkerLogAllFailures: checkerLogAllFailures, at: now) {
            return inPlace
        }
        return reloadedByMatching(virtualServers: newServers, checkerLogAllFailures: checkerLogAllFailures,
                                  at: now, warmupOffsets: warmupOffsets)
    }

    /// The general reload: a new core, each real server and checker matched to the old one.
    func reloadedByMatching(virtualServers newServers: [VirtualServer], checkerLogAllFailures: Bool,
                            at now: Duration, warmupOffsets: WarmupOffsets) -> HealthReload {
        let oldIndex = previousVirtualServers(for: newServers)
        let local = Set(oldIndex.compactMap { newIndex, old in localVirtualServers.contains(old) ? newIndex : nil })
        var core = HealthCore(virtualServers: newServers, checkerLogAllFailures: checkerLogAllFailures,
                              warmupOffsets: warmupOffsets, localVirtualServers: local, trackFileValues: trackFileValues)
        core.scheduleQuantum = scheduleQuantum
        guard phase == .running else {
            core.phase = phase
            return HealthReload(core: core, switchActions: [], logsActivation: false, carriedOver: [:])
        }
        core.phase = .running
        var actions: [HealthAction] = []
        removals(from: newServers, keeping: oldIndex, into: &actions)
        var carried: [CheckerID: CheckerID] = [:]
        for (vsIndex, vs) in newServers.enumerated() {
            for (rsIndex, rs) in vs.realServers.enumerated() {
                let ref = RealServerRef(virtualServer: vsIndex, realServer: rsIndex)
                let previous = oldIndex[vsIndex].flatMap { previousServer(of: rs, in: $0) }
                core.adopt(ref, from: previous.map { (self, $0) }, at: now, carried: &carried, into: &actions)
            }
        }
        core.restartQuorums(of: newServers.indices, previousQuorum: { oldIndex[$0].flatMap { quorums[$0] } }, into: &actions)
        core.rebuildAgenda()
        actions.append(.healthChanged)
        return HealthReload(core: core, switchActions: Self.coalesced(actions), logsActivation: true,
                            carriedOver: .matched(carried))
    }

    /// The end of either reload: the quorum of each of `virtualServers` decided again from its
    /// previous state (`previousQuorum` of its new index). keepalived's activation line per checker
    /// follows (`HealthReload.activationLines`).
    mutating func restartQuorums(of virtualServers: some Sequence<Int>, previousQuorum: (Int) -> QuorumState?,
                                 into actions: inout [HealthAction]) {
        for vsIndex in virtualServers {
            let (state, lines) = QuorumState.start(self.virtualServers[vsIndex], index: vsIndex,
                                                   aliveWeight: aliveWeight(of: vsIndex), previous: previousQuorum(vsIndex))
            quorums[vsIndex] = state
            actions += lines
        }
    }

    /// keepalived's `clear_diff_services`: a virtual server gone from the configuration and a real
    /// server gone from a kept one are logged; each live real server among them runs its
    /// notify_down and is mailed about (`realServerRemoved`). `kept` maps new indexes to old.
    private func removals(from newServers: [VirtualServer], keeping kept: [Int: Int], into actions: inout [HealthAction]) {
        let keptOld = Dictionary(kept.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for (oldIndex, vs) in virtualServers.enumerated() {
            let remaining = keptOld[oldIndex].map { newServers[$0].realServers }
            if remaining == nil {
                let name = if case .group(let group) = vs.address { "Virtual Server Group [\(group)]" } else { "Virtual Server \(vs.displayName)" }
                actions.append(.log(HealthLogLine("Removing \(name)")))
            }
            for (rsIndex, rs) in vs.realServers.enumerated() {
                if let remaining {
                    if remaining.contains(where: { $0.address == rs.address && $0.port == rs.port }) { continue }
                    actions.append(.log(HealthLogLine("service \(vs.displayName(of: rs.address, port: rs.port)) no longer exist")))
                }
                let ref = RealServerRef(virtualServer: oldIndex, realServer: rsIndex)
                guard servers[ref]?.alive == true else { continue }
                if let script = rs.notifyDown { actions.append(.runScript(script, .realServerDown(ref))) }
                actions.append(.realServerRemoved(ref))
            }
        }
    }

    /// New virtual server index -> old index, matched by identity in order.
    private func previousVirtualServers(for newServers: [VirtualServer]) -> [Int: Int] {
        var available: [VirtualServerIdentity: [Int]] = [:]
        for (index, vs) in virtualServers.enumerated() { available[VirtualServerIdentity(vs), default: []].append(index) }
        var result: [Int: Int] = [:]
        for (index, vs) in newServers.enumerated() {
            let identity = VirtualServerIdentity(vs)
            guard var candidates = available[identity], !candidates.isEmpty else { continue }
            result[index] = candidates.removeFirst()
            available[identity] = candidates
        }
        return result
    }

    private func previousServer(of rs: RealServer, in oldVS: Int) -> RealServerRef? {
        guard let index = virtualServers[oldVS].realServers.firstIndex(where: { $0.address == rs.address && $0.port == rs.port })
        else { return nil }
        return RealServerRef(virtualServer: oldVS, realServer: index)
    }

    /// Sets up one real server of the new core: carried over from `old` or as at start-up; the
    /// checkers carried over are added to `carried` (old id -> new id).
    private mutating func adopt(_ ref: RealServerRef, from old: (core: HealthCore, ref: RealServerRef)?,
                                at now: Duration, carried: inout [CheckerID: CheckerID], into actions: inout [HealthAction]) {
        let ids = slots.ids(of: ref)
        guard let old, let oldStatus = old.core.servers[old.ref] else {
            for id in ids { schedule(first: id, at: now) }
            return
        }
        var carriedHere: [CheckerID] = []
        var unused = old.core.slots.ids(of: old.ref)
        var fresh: [CheckerID] = []
        for id in ids {
            guard var slot = slots[id], let checker = checkerConfiguration(of: id)?.withoutLocations else { continue }
            // Same settings, wherever they were written: the checker keeps its state.
            if let match = unused.firstIndex(where: { old.core.checkerConfiguration(of: $0)?.withoutLocations == checker }),
               let oldSlot = old.core.slots[unused[match]] {
                let enabled = slot.progress.enabled
                slot.progress = oldSlot.progress
                slot.progress.enabled = enabled
                if slot.settings.polls && slot.progress.nextAttempt == nil && !slot.progress.inFlight {
                    slot.progress.nextAttempt = now + slot.settings.delayLoop
                }
                slots[id] = slot
                carried[unused[match]] = id
                carriedHere.append(id)
                unused.remove(at: match)
            } else {
                fresh.append(id)
                schedule(first: id, at: now)
            }
        }
        // keepalived's migrate_checkers: with a failed checker (or a dead server none of whose
        // checkers has run), new checkers need only one failure.
        let anyFailed = slots.anyOf(ref) { $0.progress.hasRun && !$0.progress.isUp }
        let anyRun = slots.anyOf(ref) { $0.progress.hasRun }
        if anyFailed || (!oldStatus.alive && !anyRun) {
            for id in fresh {
                let retry = slots[id]?.settings.retry ?? 0
                slots[id]?.progress.retryCount = retry
            }
        }
        let keepsDynamicWeight = carriedHere.contains { slots[$0]?.settings.miscDynamic == true }
        let weight = keepsDynamicWeight ? oldStatus.weight : virtualServers[ref.virtualServer].realServers[ref.realServer].weight
        servers[ref] = ServerStatus(alive: oldStatus.alive, weight: weight, fileWeight: servers[ref]?.fileWeight ?? 0)
        setAlive(ref, allCheckersUp(ref), into: &actions)
    }
}
