import ConfParser

/// Reconciling only the virtual servers a reload changed.
///
/// A reload that changes one real server's weight in 2,000 virtual servers x 20 real servers
/// should cost what that one virtual server costs, not what the whole table costs: computing the
/// desired table, the ownership and the plan for 40,000 destinations takes longer than the one
/// operation they lead to. When the caller knows that every other virtual server has the same
/// configuration and health as at the last reconcile, only the services of the changed ones are
/// planned, against the table the kernel is known to hold. The outcome is the one a whole
/// reconcile reaches (`ChangedServersReconcileTests` compares the two).
extension IPVSSync {
    /// Most changed virtual servers planned alone; past that a whole reconcile is as cheap.
    public static let changedServersLimit = 64

    /// Whether the services of `changed` (indexes in both configurations) belong to those virtual
    /// servers alone, so that planning them alone is planning them fully: both configurations have
    /// the same number of virtual servers, the same global IPVS settings (`lvs_timeouts`,
    /// `lvs_flush`, `lvs_sync_daemon`), no virtual_server_group, and no other virtual server with
    /// the same address (and protocol) or fwmark as a changed one, before or after.
    public static func canReconcileAlone(_ changed: [Int], from old: Config, to new: Config) -> Bool {
        guard changed.count <= changedServersLimit, old.virtualServers.count == new.virtualServers.count,
              changed.allSatisfy(new.virtualServers.indices.contains) else { return false }
        let (before, after) = (old.globalDefs, new.globalDefs)
        guard before.lvsTimeouts == after.lvsTimeouts, before.lvsFlush == after.lvsFlush,
              before.lvsSyncDaemon == after.lvsSyncDaemon else { return false }
        func isGroup(_ vs: VirtualServer) -> Bool {
            if case .group = vs.address { return true }
            return false
        }
        guard !old.virtualServers.contains(where: isGroup), !new.virtualServers.contains(where: isGroup) else { return false }
        // Addresses only, read in place: the virtual servers themselves are not copied.
        for index in changed {
            for mine in [old.virtualServers[index], new.virtualServers[index]] {
                for servers in [old.virtualServers, new.virtualServers] {
                    for other in servers.indices where other != index
                        && mayShare(mine.address, mine.protocol, servers[other].address, servers[other].protocol) {
                        return false
                    }
                }
            }
        }
        return true
    }

    /// Whether two virtual servers (address and protocol) can stand for the same IPVS service:
    /// the same address, port and protocol, or the same fwmark whatever the family.
    static func mayShare(_ first: VirtualServerAddress, _ firstProtocol: LVSProtocol?,
                         _ second: VirtualServerAddress, _ secondProtocol: LVSProtocol?) -> Bool {
        switch (first, second) {
        case (.address(let ip, let port), .address(let otherIP, let otherPort)):
            return port == otherPort && ip == otherIP && (firstProtocol ?? .udp) == (secondProtocol ?? .udp)
        case (.fwmark(let mark), .fwmark(let otherMark)):
            return mark == otherMark
        default:
            return false
        }
    }

    /// Plans the services of the `changed` virtual servers (old and new configuration) against
    /// `known`, applies the plan and returns what the kernel holds afterwards (nil after a failed
    /// operation). `owned` becomes the new configuration's ownership, given the old one's.
    /// Call it only where `canReconcileAlone` holds and `health` is the new configuration's.
    public static func reconcile(changed: [Int], from old: Config, to new: Config, health: any HealthView,
                                 owned: inout IPVSOwnership, known: consuming IPVSTable, flushForeign: Bool = false,
                                 backend: any IPVSBackend, log: ((String) -> Void)? = nil) -> KnownReconcile {
        var desired = IPVSTable()
        var current = IPVSTable()
        var involved = IPVSOwnership(syncDaemons: false)
        for index in changed {
            let (before, after) = (old.virtualServers[index], new.virtualServers[index])
            DesiredState.addEntries(of: after, at: index, groups: [:], health: health, to: &desired)
            DesiredState.addOwnership(of: before, groups: [:], to: &involved)
            DesiredState.addOwnership(of: after, groups: [:], to: &involved)
        }
        for key in involved.services.keys {
            if let entry = known.entry(key) { current.upsert(entry) }
        }
        let plan = Reconciler.incremental(desired: desired, current: current, owned: involved, flushForeign: flushForeign)
        let result = apply(plan, to: backend, log: log)

        for index in changed {
            var gone = IPVSOwnership(syncDaemons: false)
            DesiredState.addOwnership(of: old.virtualServers[index], groups: [:], to: &gone)
            for key in gone.services.keys {
                owned.services[key] = nil
                owned.sorryServers[key] = nil
            }
        }
        for index in changed {
            DesiredState.addOwnership(of: new.virtualServers[index], groups: [:], to: &owned)
        }

        guard result.failures.isEmpty else { return KnownReconcile(plan: plan, result: result, known: nil) }
        // `known` is the caller's (consumed): the 2,000 services it holds are not copied.
        for operation in plan {
            // Additions found present and removals found absent leave the model as the kernel is.
            try? InMemoryBackend.apply(operation, to: &known)
        }
        return KnownReconcile(plan: plan, result: result, known: known)
    }
}
