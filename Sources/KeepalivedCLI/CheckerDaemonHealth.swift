import ConfParser
import Dispatch
import HealthCheck
import IPVSSync
import Synchronization
import VRRP

/// The checker daemon's health engine: started after the first reconcile, its snapshots
/// reconciled into the kernel, reloaded with the configuration, stopped before the teardown.
extension CheckerDaemon {
    /// Starts the checkers of the current configuration (on `queue`).
    func startHealthChecks() {
        let config = state.withLock { $0.config }
        let engine = HealthEngine(config: config, localVirtualServers: HostAddresses.localVirtualServers(of: config),
                                  probeFactory: live.probeFactory, callbacks: healthCallbacks())
        self.engine.withLock { $0 = engine }
        engine.start()
        followAddresses()
    }

    /// `ha_suspend` after start: when an address of this host is added or removed (a VRRP master
    /// taking or releasing a VIP, in this process or another), every suspending virtual server is
    /// told whether its address is local now (the engine ignores what did not change).
    func followAddresses() {
        let config = state.withLock { $0.config }
        guard config.virtualServers.contains(where: \.haSuspend) else { return }
        addressMonitor.withLock { current in
            guard current == nil else { return }
            do {
                let monitor = try AddressMonitor()
                monitor.start(on: queue) { [weak self] in self?.addressesChanged() }
                current = monitor
            } catch {
                log.error("ha_suspend: cannot follow address changes: \(error)")
            }
        }
        // An address may have come or gone before the monitor was open.
        addressesChanged()
    }

    /// Tells the engine which suspending virtual servers have their address on this host.
    func addressesChanged() {
        let config = state.withLock { $0.config }
        guard let engine = engine.withLock({ $0 }) else { return }
        let local = HostAddresses.localVirtualServers(of: config)
        for index in config.virtualServers.indices where config.virtualServers[index].haSuspend {
            engine.virtualAddress(of: index, isLocal: local.contains(index))
        }
    }

    /// Where the engine's actions go; called on the engine's queue.
    func healthCallbacks() -> HealthEngine.Callbacks {
        HealthEngine.Callbacks(
            onLog: { [log] lines in
                // Why an attempt failed is logged with log_all_failures only: keepalived's -D does
                // not show it either.
                log.info(lines: lines.filter { !$0.isDetail }.map(\.text))
            },
            onScript: { [live, log] script, _ in
                log.detail("Running \(script.command)")
                live.run(script)
            },
            onSnapshot: { [weak self] snapshot in
                guard let self else { return }
                let generation = engineGeneration.withLock { $0 }
                queue.async { self.healthChanged(snapshot, generation: generation) }
            },
            onAttempt: { [weak self] id, result, duration in self?.attemptFinished(id, result, duration) },
            onQuorum: { [weak self] notice, virtualServer in self?.alertQuorum(notice, of: virtualServer) },
            onCheckerAlert: { [weak self] alert, virtualServer in self?.alertChecker(alert, of: virtualServer) })
    }

    /// A health change: reconciled unless it belongs to a configuration since reloaded.
    func healthChanged(_ snapshot: HealthSnapshot, generation: Int) {
        let current = state.withLock { state -> Bool in
            guard state.healthGeneration == generation else { return false }
            state.health = snapshot
            return true
        }
        guard current else { return }
        reconcile(reason: "health")
    }

    /// Hands the new configuration to the engine and waits until it has switched; returns the
    /// health of the new configuration and its generation.
    func reloadHealthChecks(_ config: Config) -> (snapshot: HealthSnapshot, generation: Int)? {
        guard let engine = engine.withLock({ $0 }) else { return nil }
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<(snapshot: HealthSnapshot, generation: Int)?>(nil)
        engine.reload(config) { [self] in
            let generation = engineGeneration.withLock { value -> Int in
                value += 1
                return value
            }
            outcome.withLock { $0 = (engine.snapshot, generation) }
            let counts = engine.reloadCounts
            log.detail("Health checkers after reload: \(counts.kept) kept, \(counts.started) started")
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0 }
    }

    /// Stops the checkers (omega scripts run) and waits until they have stopped.
    func stopHealthChecks() {
        guard let engine = engine.withLock({ $0 }) else { return }
        let done = DispatchSemaphore(value: 0)
        engine.stop { done.signal() }
        done.wait()
    }
}
