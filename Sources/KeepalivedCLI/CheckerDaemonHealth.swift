import ConfParser
import DaemonSupport
import Dispatch
import HealthCheck
import IPVSSync
import Synchronization
import TrackFiles
import VRRP

/// The checker daemon's health engine: started after the first reconcile, its snapshots
/// reconciled into the kernel, reloaded with the configuration, stopped before the teardown.
extension CheckerDaemon {
    /// Makes the engine of the current configuration, not started yet (on `queue`, before the
    /// first reconcile). With FILE_CHECKs the first table already has their weights and faults,
    /// as keepalived's has.
    func prepareHealthChecks() {
        let config = state.withLock { $0.config }
        allowDescriptors(for: config)
        // Watched before they are read: a change in between is delivered after the start.
        watchTrackFiles(config)
        let values = readTrackFiles(config, reloading: false)
        let engine = HealthEngine(config: config, localVirtualServers: HostAddresses.localVirtualServers(of: config),
                                  trackFileValues: values, probeFactory: live.probeFactory, callbacks: healthCallbacks())
        self.engine.withLock { $0 = engine }
        layOutCheckRecords(for: config, keeping: false)
        if !Self.checkedTrackFiles(config).isEmpty {
            let snapshot = engine.snapshot
            state.withLock { $0.health = snapshot }
        }
    }

    /// Raises the open-file limit to what the checkers of `config` need, as keepalived's checker
    /// does: a socket per check in flight, and the sockets kept between checks.
    func allowDescriptors(for config: Config) {
        let checkers = config.virtualServers.reduce(0) { sum, vs in sum + vs.realServers.reduce(0) { $0 + $1.checkers.count } }
        let needed = DescriptorLimit.required(checkers: checkers, idleSockets: ProbeQueue.idleSocketsAtMost)
        if case .failure(let error) = DescriptorLimit.raise(to: needed) {
            log.error("Cannot raise the open file limit to \(needed) for \(checkers) checkers: \(error)")
        }
    }

    /// Starts the checkers (on `queue`, after the first reconcile).
    func startHealthChecks() {
        engine.withLock { $0 }?.start()
        followAddresses()
    }

    // MARK: FILE_CHECK

    /// The track files the FILE_CHECKs of a configuration follow.
    static func checkedTrackFiles(_ config: Config) -> [TrackFile] {
        // Without track_file blocks there is nothing to look for in 40,000 real servers.
        guard !config.trackFiles.isEmpty else { return [] }
        var names = Set<String>()
        for vs in config.virtualServers {
            for rs in vs.realServers {
                for checker in rs.checkers { if let name = checker.file?.trackFile { names.insert(name) } }
            }
        }
        return config.trackFiles.filter { names.contains($0.name) }
    }

    /// Applies `init_file` and reads the checked track files (at start and on reload).
    func readTrackFiles(_ config: Config, reloading: Bool) -> [String: Int] {
        let files = Self.checkedTrackFiles(config)
        for file in files {
            if let line = file.writeInitialValue(reloading: reloading) { log.error(line) }
        }
        let (values, lines) = TrackFileWatcher.readAll(files)
        log.info(lines: lines)
        return values
    }

    /// Watches the checked track files of `config` (on `queue`), instead of those of the previous
    /// configuration.
    func watchTrackFiles(_ config: Config) {
        let files = Self.checkedTrackFiles(config)
        trackFileWatcher.withLock { current in
            current?.cancel()
            current = nil
            guard !files.isEmpty else { return }
            do {
                let watcher = try TrackFileWatcher(files: files) { [log] event in
                    if case .unwatchable(let line) = event { log.error(line) }
                }
                watcher.start(on: queue) { [weak self] event in self?.trackFileChanged(event) }
                current = watcher
            } catch {
                log.error("FILE_CHECK: cannot watch the track files: \(error)")
            }
        }
    }

    /// A track file changed: its value goes to the engine.
    func trackFileChanged(_ event: TrackFileWatcher.Event) {
        switch event {
        case .value(let name, let value): engine.withLock { $0 }?.trackFile(name, value: value)
        case .invalid(let line): log.info(line)
        case .unwatchable(let line): log.error(line)
        }
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
                // not show it either. Lines it does show with -D (FILE_CHECK faults) are kept.
                let withDetail = log.detailEnabled
                log.info(lines: lines.filter { !$0.isDetail || (withDetail && $0.showsWithDetailFlag) }.map(\.text))
            },
            onScript: { [live, log] script, _ in
                log.detail("Running \(script.command)")
                live.run(script)
            },
            onSnapshot: { [weak self] snapshot in
                guard let self else { return }
                let generation = engineGeneration.withLock { $0 }
                // Only the newest snapshot waits for the daemon's queue: a reconcile behind a burst
                // of changes applies them all at once instead of one snapshot after another.
                let wasWaiting = pendingHealth.withLock { pending in
                    defer { pending = (snapshot, generation) }
                    return pending != nil
                }
                if !wasWaiting { queue.async { self.applyPendingHealth() } }
            },
            onAttempt: { [weak self] id, result, duration in self?.attemptFinished(id, result, duration) },
            onQuorum: { [weak self] notice, virtualServer in self?.alertQuorum(notice, of: virtualServer) },
            onCheckerAlert: { [weak self] alert, virtualServer in self?.alertChecker(alert, of: virtualServer) },
            onRealServerRemoved: { [weak self] realServer, virtualServer in
                self?.alertRemoval(of: realServer, in: virtualServer)
            })
    }

    /// A check record table for `config`'s real servers, made at once (records of the table before
    /// are kept when `keeping`: a reload that kept every checker's id).
    func layOutCheckRecords(for config: Config, keeping: Bool) {
        checkRecords.withLock { $0 = keeping ? $0.laidOut(for: config) : CheckRecordTable(for: config) }
    }

    /// The newest snapshot the engine delivered, reconciled (on `queue`).
    func applyPendingHealth() {
        guard let (snapshot, generation) = pendingHealth.withLock({ pending in
            defer { pending = nil }
            return pending
        }) else { return }
        healthChanged(snapshot, generation: generation)
    }

    /// A health change: reconciled unless it belongs to a configuration since reloaded.
    func healthChanged(_ snapshot: HealthSnapshot, generation: Int) {
        let current = state.withLock { state -> Bool in
            // A snapshot of the revision already applied (the one after a reload's switch) brings nothing.
            guard state.healthGeneration == generation, state.healthRevision != snapshot.revision else { return false }
            state.health = snapshot
            state.healthRevision = snapshot.revision
            return true
        }
        guard current else { return }
        reconcile(reason: "health")
    }

    /// Stops the checkers (omega scripts run) and waits until they have stopped.
    func stopHealthChecks() {
        guard let engine = engine.withLock({ $0 }) else { return }
        let done = DispatchSemaphore(value: 0)
        engine.stop { done.signal() }
        done.wait()
    }
}
