import ConfParser
import IPVSSync

/// The common reload in place: when the new configuration has the same virtual servers in the same
/// order, each with the same real servers (address and port, in order) whose checkers have the same
/// settings, no checker is new, gone or moved. The core then keeps its slots, schedule and agenda as
/// they are (no core is built and no checker is matched one by one, which for 40,000 checkers is
/// most of a reload) and takes over only what lives outside the checkers: configured weights,
/// quorum settings, scripts and the like. The outcome is the one `reloaded(...)` reaches through
/// the general path; `HealthCoreInPlaceReloadTests` compares the two.
extension HealthCore {
    /// The reload in place, or nil when the structure changed (the general path then applies).
    /// Checkers keep their ids and schedule, so no warmup offsets are needed. A virtual server whose
    /// real servers share storage with the running ones (kept by `IncrementalConfigLoader`) is not
    /// looked at again: its servers, checkers, weights and quorum stay as they are.
    func reloadedInPlace(virtualServers newServers: [VirtualServer], checkerLogAllFailures newGlobal: Bool,
                         at now: Duration) -> HealthReload? {
        guard phase == .running, newGlobal == checkerLogAllFailures, keepsStructure(in: newServers) else { return nil }
        let changed = newServers.indices.filter { !Self.sharesStorage(newServers[$0].realServers, virtualServers[$0].realServers) }
        var core = self
        core.virtualServers = newServers
        var actions: [HealthAction] = []
        for vsIndex in changed {
            for rsIndex in newServers[vsIndex].realServers.indices {
                core.takeOver(RealServerRef(virtualServer: vsIndex, realServer: rsIndex), at: now, into: &actions)
            }
        }
        core.restartQuorums(of: changed, previousQuorum: { quorums[$0] }, into: &actions)
        actions.append(.healthChanged)
        return HealthReload(core: core, switchActions: Self.coalesced(actions), logsActivation: true,
                            carriedOver: .sameIDs(order), changedVirtualServers: changed)
    }

    /// Whether `newServers` has this core's virtual servers, real servers and checkers, in the same
    /// order and with the same checker settings (read in place: no server is copied).
    private func keepsStructure(in newServers: [VirtualServer]) -> Bool {
        guard newServers.count == virtualServers.count else { return false }
        for vsIndex in newServers.indices {
            guard VirtualServerIdentity(newServers[vsIndex]) == VirtualServerIdentity(virtualServers[vsIndex]),
                  Self.suspends(newServers[vsIndex]) == Self.suspends(virtualServers[vsIndex]),
                  newServers[vsIndex].realServers.count == virtualServers[vsIndex].realServers.count
            else { return false }
            // A virtual server a reload kept from the last read (`IncrementalConfigLoader`) shares
            // its real servers' storage with the running one: the same servers and checkers.
            if Self.sharesStorage(newServers[vsIndex].realServers, virtualServers[vsIndex].realServers) { continue }
            for rsIndex in newServers[vsIndex].realServers.indices {
                let ref = RealServerRef(virtualServer: vsIndex, realServer: rsIndex)
                guard newServers[vsIndex].realServers[rsIndex].address == virtualServers[vsIndex].realServers[rsIndex].address,
                      newServers[vsIndex].realServers[rsIndex].port == virtualServers[vsIndex].realServers[rsIndex].port,
                      newServers[vsIndex].realServers[rsIndex].checkers.count == virtualServers[vsIndex].realServers[rsIndex].checkers.count
                else { return false }
                for index in newServers[vsIndex].realServers[rsIndex].checkers.indices {
                    guard let old = checkerConfiguration(of: CheckerID(realServer: ref, index: index)),
                          old.hasSameSettings(as: newServers[vsIndex].realServers[rsIndex].checkers[index])
                    else { return false }
                }
            }
        }
        return true
    }

    /// Whether two arrays are one storage (so equal without looking at their elements).
    static func sharesStorage(_ first: [RealServer], _ second: [RealServer]) -> Bool {
        guard first.count == second.count, !first.isEmpty else { return false }
        return first.withUnsafeBufferPointer { firstBuffer in
            second.withUnsafeBufferPointer { $0.baseAddress == firstBuffer.baseAddress }
        }
    }

    /// One real server taken over as `adopt` takes over a server whose checkers are all kept: the
    /// configured weight (unless a `misc_dynamic` checker set one), an attempt scheduled for a
    /// checker that has none, and its alive state from its checkers.
    private mutating func takeOver(_ ref: RealServerRef, at now: Duration, into actions: inout [HealthAction]) {
        guard let status = servers[ref] else { return }
        var allUp = true
        var keepsDynamicWeight = false
        for id in slots.ids(of: ref) {
            guard let slot = slots[id] else { continue }
            allUp = allUp && slot.progress.isUp
            keepsDynamicWeight = keepsDynamicWeight || slot.settings.miscDynamic
            if slot.settings.polls && slot.progress.nextAttempt == nil && !slot.progress.inFlight {
                setNextAttempt(id, now + slot.settings.delayLoop)
            }
        }
        let weight = keepsDynamicWeight ? status.weight : virtualServers[ref.virtualServer].realServers[ref.realServer].weight
        if weight != status.weight { servers[ref]?.weight = weight }
        if allUp != status.alive { setAlive(ref, allUp, into: &actions) }
    }
}
