import ConfParser

/// Turns a desired table and the kernel's current one into the fewest operations, in a safe order.
///
/// Order: flush (only when it is the cheaper way to honour `flushForeign`), timeouts, removal of
/// services that are no longer wanted (their owned destinations first, then the service), then per
/// desired service in order: add or edit the service, add its new destinations, edit changed ones,
/// remove unwanted ones (adding before removing keeps a service served, e.g. when a sorry server
/// takes over); sync daemons last. Changes the kernel can make in place are edits
/// (IPVS_CMD_SET_SERVICE: scheduler, flags, persistence, netmask, persistence engine;
/// IPVS_CMD_SET_DEST: weight, forwarding method and tunnel, thresholds); the identities (protocol,
/// address, port, fwmark, family) are keys, so nothing needs delete and add.
///
/// Entries not owned by the configuration are left alone unless `flushForeign` (`lvs_flush`).
/// All lookups are by dictionary: planning is linear in the size of both tables.
public enum Reconciler {
    public static func plan(desired: IPVSTable, current: IPVSTable, owned: IPVSOwnership,
                            flushForeign: Bool = false) -> [IPVSOperation] {
        let incremental = self.incremental(desired: desired, current: current, owned: owned, flushForeign: flushForeign)
        guard flushForeign, !current.isEmpty else { return incremental }
        var flushed = [IPVSOperation.flush]
        flushed += self.incremental(desired: desired, current: IPVSTable(timeouts: current.timeouts, syncDaemons: current.syncDaemons),
                                    owned: owned, flushForeign: false)
        return flushed.count < incremental.count ? flushed : incremental
    }

    /// What to remove when stopping: the owned services present (owned destinations first, each
    /// with keepalived's "Removing service" line), or only the services with `lvs_flush_on_stop VS`,
    /// or a flush with `lvs_flush_on_stop`. Owned sync daemons are stopped.
    public static func teardown(owned: IPVSOwnership, current: IPVSTable,
                                flushOnStop: LVSFlushOnStop = .disabled) -> [IPVSOperation] {
        var ops: [IPVSOperation] = []
        switch flushOnStop {
        case .all:
            if !current.isEmpty { ops.append(.flush) }
        case .virtualServers, .disabled:
            for entry in current.entries {
                guard let keys = owned.services[entry.service.key] else { continue }
                let service = owned.annotated(entry.service)
                if flushOnStop == .disabled {
                    for dest in entry.destinations where keys.contains(dest.key) {
                        ops.append(.deleteDestination(owned.annotated(dest, in: service.key), service: service))
                    }
                }
                ops.append(.deleteService(service))
            }
        }
        if owned.syncDaemons, let daemons = current.syncDaemons {
            ops += daemons.map { .stopDaemon($0) }
        }
        return ops
    }

    /// `plan` without the destination removals of services it deletes anyway: deleting a service
    /// takes its destinations with it in the kernel, so a teardown of 2,000 services x 20
    /// destinations costs 2,000 operations instead of 42,000 (the log lines still name each one).
    public static func withoutRedundantRemovals(_ plan: [IPVSOperation]) -> [IPVSOperation] {
        var deleted: Set<IPVSServiceKey> = []
        for case .deleteService(let service) in plan { deleted.insert(service.key) }
        guard !deleted.isEmpty else { return plan }
        return plan.filter { operation in
            if case .deleteDestination(_, let service) = operation { return !deleted.contains(service.key) }
            return true
        }
    }

    /// The service-by-service plan.
    static func incremental(desired: IPVSTable, current: IPVSTable, owned: IPVSOwnership, flushForeign: Bool) -> [IPVSOperation] {
        var ops: [IPVSOperation] = []
        if current.entries.isEmpty {
            // A start fills the whole table: one operation per service and destination, reserved at
            // once instead of doubling (10,000 real servers: 1.7 MB, where doubling held 5.7 MB).
            ops.reserveCapacity(desired.count + desired.destinationCount + 2)
        }
        if let timeouts = desired.timeouts, let changes = timeouts.changes(from: current.timeouts) {
            ops.append(.setTimeouts(changes))
        }

        // Services no longer wanted.
        for entry in current.entries where !desired.contains(entry.service.key) {
            if let keys = owned.services[entry.service.key] {
                let service = owned.annotated(entry.service)
                for dest in entry.destinations where keys.contains(dest.key) {
                    ops.append(.deleteDestination(owned.annotated(dest, in: service.key), service: service))
                }
                ops.append(.deleteService(service))
            } else if flushForeign {
                ops.append(.deleteService(entry.service))
            }
        }

        // Wanted services: add or bring up to date.
        for entry in desired.entries {
            let service = entry.service
            guard let have = current.entry(service.key) else {
                ops.append(.addService(service))
                for dest in entry.destinations { ops.append(.addDestination(dest, service: service)) }
                continue
            }
            if !service.hasSameSettings(as: have.service) { ops.append(.editService(service)) }
            var edits: [IPVSOperation] = []
            var found = 0
            let wanted = entry.destinations
            let held = have.destinations
            for (position, dest) in wanted.enumerated() {
                // Same or reversed order (a kernel dump lists the newest first) is the common case:
                // no hashing.
                let old: IPVSDestination?
                if held.count == wanted.count && held[position].key == dest.key {
                    old = held[position]
                } else if held.count == wanted.count && held[held.count - 1 - position].key == dest.key {
                    old = held[held.count - 1 - position]
                } else {
                    old = have.destination(dest.key)
                }
                if let old {
                    found += 1
                    if !dest.hasSameSettings(as: old) { edits.append(.editDestination(dest, service: service, previous: old)) }
                } else {
                    ops.append(.addDestination(dest, service: service))
                }
            }
            ops += edits
            // Every held destination is wanted when all wanted ones were found and the counts match.
            guard found != held.count else { continue }
            let keys = owned.services[service.key]
            for old in have.destinations where entry.destination(old.key) == nil {
                guard flushForeign || keys?.contains(old.key) == true else { continue }
                ops.append(.deleteDestination(owned.annotated(old, in: service.key), service: service))
            }
        }

        ops += daemonOperations(desired: desired.syncDaemons, current: current.syncDaemons ?? [])
        return ops
    }

    /// Starts the wanted daemons that are not running as wanted, stopping a differing one of the
    /// same role first, and stops running daemons of roles no longer wanted (nil: leave them alone).
    public static func daemonOperations(desired: [IPVSSyncDaemon]?, current: [IPVSSyncDaemon]) -> [IPVSOperation] {
        guard let desired else { return [] }
        var ops: [IPVSOperation] = []
        let wantedRoles = Set(desired.map(\.role))
        for running in current where !wantedRoles.contains(running.role) {
            ops.append(.stopDaemon(running))
        }
        for wanted in desired {
            let running = current.first { $0.role == wanted.role }
            if let running {
                guard !wanted.isSatisfied(by: running) else { continue }
                ops.append(.stopDaemon(running))
            }
            ops.append(.startDaemon(wanted))
        }
        return ops
    }
}
