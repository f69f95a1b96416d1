import ConfParser
import Dispatch
import HealthCheck
import IPVSSync
import Synchronization
import VRRP

/// SIGHUP in the checker half: read the configuration again, switch the checkers, bring the
/// kernel table up to date. When the reload only changed a few virtual servers (the others kept
/// by the incremental read, their checkers in place and their health already in the kernel),
/// only those virtual servers' services are planned; otherwise the whole table is.
extension CheckerDaemon {
    /// What the health engine's switch left for the kernel table.
    struct HealthSwitch {
        /// The new configuration's health: whole, or only that of `changedAlone`.
        var snapshot: HealthSnapshot
        /// The virtual servers to reconcile alone (nil: the whole table).
        var changedAlone: [Int]?
        var generation: Int
        /// Whether every checker kept its id (status records and metric series stay valid).
        var checkersInPlace: Bool
    }

    /// A reload: a configuration with errors that keep it from running leaves everything as it is.
    @Sendable func reload() {
        let started = DispatchTime.now()
        DaemonStartup.reload(log: log, load: { Self.loadConfiguration(settings: settings, log: log) },
                             apply: { apply($0, readSince: started) })
    }

    /// Applies a reloaded configuration that may replace the running one (`reload` read it from
    /// `started` on).
    private func apply(_ result: LoadResult, readSince started: DispatchTime) {
        let read = DispatchTime.now()
        // The VRRP half in this process reloads the same configuration, beside the checkers.
        VRRPDaemon.reloadShared(result.config)
        live.update(result.config)
        let previous = state.withLock { $0.config }
        let health = reloadHealthChecks(result.config, replacing: previous)
        let inPlace = health?.checkersInPlace == true
        if !inPlace { checkSeries.withLock { $0 = [:] } }
        layOutCheckRecords(for: result.config, keeping: inPlace)
        let switched = DispatchTime.now()
        if let health, let changed = health.changedAlone {
            if !reconcile(changed, from: previous, to: result.config, health: health) {
                // Not expected (the completion saw a known table and health): the whole table then.
                var whole = health
                whole.snapshot = engine.withLock { $0 }?.snapshot ?? health.snapshot
                reconcileWhole(result.config, health: whole)
            }
        } else {
            reconcileWhole(result.config, health: health)
        }
        // keepalived logs its activation lines once the table is set up.
        engine.withLock { $0 }?.releaseHeldActions()
        followAddresses()
        let finished = DispatchTime.now()
        ProcessMemory.returnFreedPages()
        log.detail("Reload finished in \(Self.milliseconds(from: started, to: finished)) ms (configuration \(Self.milliseconds(from: started, to: read)) ms, "
                   + "checkers \(Self.milliseconds(from: read, to: switched)) ms, IPVS \(Self.milliseconds(from: switched, to: finished)) ms)")
    }

    /// The whole table for the new configuration, planned against the kernel's known table.
    private func reconcileWhole(_ config: Config, health: HealthSwitch?) {
        let newOwned = DesiredState.ownership(from: config)
        state.withLock { state in
            // Entries the old configuration owned stay ours until the reconcile removes them.
            var owned = newOwned
            owned.merge(state.owned)
            // The kernel table is known from the last reconcile (a failed operation clears it):
            // the reload diffs against it instead of dumping tens of thousands of entries.
            state = State(config: config, owned: owned, health: health?.snapshot,
                          healthGeneration: health?.generation ?? 0, healthRevision: health?.snapshot.revision ?? 0,
                          known: state.known)
        }
        reconcile(reason: "reload")
        state.withLock { $0.owned = newOwned }
    }

    /// Only the services of the changed virtual servers, planned against the kernel's known table;
    /// false (nothing done) without a known table and health to start from.
    private func reconcile(_ changed: [Int], from previous: Config, to config: Config, health: HealthSwitch) -> Bool {
        let started = DispatchTime.now()
        // The ownership is taken out of the state, so that it is changed in place (the status
        // socket reads the known table and health meanwhile; they are copied where changed).
        let taken = state.withLock { state -> (known: IPVSTable, owned: IPVSOwnership, health: HealthSnapshot)? in
            guard let known = state.known, let whole = state.health else { return nil }
            defer { state.owned = IPVSOwnership(syncDaemons: false) }
            return (known, state.owned, whole)
        }
        guard let (known, owned, whole) = taken else { return false }
        var newOwned = owned
        let outcome = IPVSSync.reconcile(changed: changed, from: previous, to: config, health: health.snapshot,
                                         owned: &newOwned, known: known, flushForeign: config.globalDefs.lvsFlush,
                                         backend: backend, log: { self.log.info($0) })
        let patched = whole.replacing(changed, previousCounts: { previous.virtualServers[$0].realServers.count },
                                      with: health.snapshot)
        state.withLock { state in
            state = State(config: config, owned: newOwned, health: patched, healthGeneration: health.generation,
                          healthRevision: health.snapshot.revision, known: outcome.known)
        }
        report(outcome, reason: "reload", started: started)
        return true
    }

    /// Hands the new configuration to the engine and waits until it has switched; returns the
    /// health of the new configuration (all of it, or that of the changed virtual servers when
    /// those alone need reconciling) and its generation. The reload's lines wait for
    /// `releaseHeldActions()`.
    func reloadHealthChecks(_ config: Config, replacing previous: Config) -> HealthSwitch? {
        guard let engine = engine.withLock({ $0 }) else { return nil }
        allowDescriptors(for: config)
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<HealthSwitch?>(nil)
        watchTrackFiles(config)
        let values = readTrackFiles(config, reloading: true)
        engine.reload(config, holdingActions: true) { [self] in
            let generation = engineGeneration.withLock { value -> Int in
                value += 1
                return value
            }
            let counts = engine.reloadCounts
            // Alone only when the kernel holds every other virtual server's health already: the
            // daemon applied the revision just before the switch, and knows the table.
            let (applied, ready) = state.withLock { ($0.healthRevision, $0.known != nil && $0.health != nil) }
            var alone: [Int]?
            if let changed = counts.changedVirtualServers, ready, applied == counts.revision - 1,
               IPVSSync.canReconcileAlone(changed, from: previous, to: config) {
                alone = changed
            }
            let snapshot = alone.map { engine.snapshot(ofVirtualServers: $0) } ?? engine.snapshot
            outcome.withLock {
                $0 = HealthSwitch(snapshot: snapshot, changedAlone: alone, generation: generation,
                                  checkersInPlace: counts.changedVirtualServers != nil)
            }
            log.detail("Health checkers after reload: \(counts.kept) kept, \(counts.started) started"
                       + (alone.map { ", \($0.count) virtual server\($0.count == 1 ? "" : "s") changed" } ?? ""))
            done.signal()
        }
        done.wait()
        // Files that changed (or are now read from another path) since their last event.
        for (name, value) in values.sorted(by: { $0.key < $1.key }) { engine.trackFile(name, value: value) }
        return outcome.withLock { $0 }
    }
}
