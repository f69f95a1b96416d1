import ConfParser
import DaemonSupport
import Dispatch
import Foundation
import HealthCheck
import IPVSSync
import Synchronization
import TrackFiles
import VRRP

/// `keepalivedd -C`: the checker/LVS half. On start it applies the configuration's IPVS table as
/// keepalived has it before any check (real servers with `alpha` down, the others up), then the
/// health engine runs the checkers and every health change is reconciled into the kernel; on
/// SIGHUP it reloads (checkers whose settings did not change keep their state) and reconciles,
/// on SIGTERM/SIGINT it stops the checkers, removes what the configuration owns (not with `-I`)
/// and exits.
public final class CheckerDaemon: Sendable {
    public struct Settings: Sendable {
        public var configPath: String
        public var parseOptions: ParseOptions
        public var dontReleaseIPVS: Bool
        public var pidFiles: [String]
        public var commandLine: [String]
        /// How TCP_CHECK ends its connections (`--tcp-check-close`).
        public var tcpCheckClose: TCPCheckClose = .reset
    }

    /// The loaded configuration and what it owns in the kernel; only touched on `queue`.
    struct State {
        var config: Config
        var owned: IPVSOwnership
        /// What the checkers say; nil before the engine's first snapshot (start-up health).
        var health: HealthSnapshot?
        /// The engine generation `health` belongs to (a reload starts a new one).
        var healthGeneration = 0
        /// The engine's health revision `health` holds (see `HealthSnapshot.revision`).
        var healthRevision = 0
        /// What the kernel held after the last reconcile; nil means dump first.
        var known: IPVSTable?
    }

    let settings: Settings
    let log: DaemonLog
    let backend: any IPVSBackend
    let queue = DispatchQueue(label: "keepalivedd.checkers")
    let state: Mutex<State>
    let signalSources = Mutex<SignalSources?>(nil)
    let live: LiveHealth
    let engine = Mutex<HealthEngine?>(nil)
    /// Address events for `ha_suspend` (opened once a configuration has such a virtual server).
    let addressMonitor = Mutex<AddressMonitor?>(nil)
    /// inotify on the track files of FILE_CHECKs (opened when the configuration has some).
    let trackFileWatcher = Mutex<TrackFileWatcher?>(nil)
    /// Incremented on the engine's queue when a reload completes, so snapshots of the previous
    /// configuration that are still on their way are recognised and dropped.
    let engineGeneration = Mutex(0)
    /// The engine's newest snapshot and its generation, until the daemon's queue reconciles it.
    let pendingHealth = Mutex<(snapshot: HealthSnapshot, generation: Int)?>(nil)
    /// The last attempt of each real server's checkers (see `CheckRecord`).
    let checkRecords = Mutex(CheckRecordTable())
    /// Each checker's metric series (see `attemptFinished`); emptied when a reload renumbers them.
    let checkSeries = Mutex<[CheckerID: CheckSeries]>([:])

    init(settings: Settings, log: DaemonLog, backend: any IPVSBackend, config: Config) {
        self.settings = settings
        self.log = log
        self.backend = backend
        self.state = Mutex(State(config: config, owned: DesiredState.ownership(from: config)))
        self.live = LiveHealth(config: config, tcpClose: settings.tcpCheckClose)
    }

    /// Starts the daemon and never returns: exits 0 after a clean stop, 1 when it cannot start.
    /// With `sharedVRRP`, the VRRP half runs in this process on the configuration read here.
    public static func run(settings: Settings, log: DaemonLog, sharedVRRP: VRRPDaemon.Settings? = nil) -> Never {
        log.info("Starting Keepalived v\(KeepalivedCommand.version) (keepalivedd)")
        log.info("Command line: " + settings.commandLine.map { "'\($0)'" }.joined(separator: " "))
        let result = loadConfiguration(settings: settings, log: log)
        guard result.status != .cannotRun else {
            log.error("Stopped - configuration cannot run")
            exit(1)
        }
        guard let pidFiles = DaemonStartup.claimPidFiles(settings.pidFiles, log: log) else { exit(1) }
        if let sharedVRRP { VRRPDaemon.launchShared(settings: sharedVRRP, log: log, loaded: result) }
        log.info("Initializing ipvs")
        let backend: KernelBackend
        do {
            backend = try KernelBackend()
        } catch {
            log.error("IPVS: Can't initialize ipvs: \(error)")
            pidFiles.forEach { $0.release() }
            exit(1)
        }
        let daemon = CheckerDaemon(settings: settings, log: log, backend: backend, config: result.config)
        DaemonServices.shared.register(checker: daemon)
        daemon.queue.async {
            daemon.prepareHealthChecks()
            daemon.reconcile(reason: "start")
            daemon.installSignalHandlers()
            daemon.startHealthChecks()
            DaemonServices.shared.ready()
            ProcessMemory.returnFreedPages()
        }
        dispatchMain()
    }

    /// Reads and checks the configuration, logging its problems as keepalived does.
    static func loadConfiguration(settings: Settings, log: DaemonLog) -> LoadResult {
        DaemonStartup.loadConfiguration(path: settings.configPath, options: settings.parseOptions, log: log)
    }

    /// Computes the desired table from the current configuration and health and applies the
    /// difference: against a fresh dump at start (and after a failed operation), against the
    /// table the last reconcile left otherwise.
    func reconcile(reason: String) {
        let (config, owned, health, known) = state.withLock { ($0.config, $0.owned, $0.health, $0.known) }
        let desired = DesiredState.table(from: config, health: health.map { $0 as any HealthView } ?? StartupHealth())
        let started = DispatchTime.now()
        do {
            // keepalived logs no line per real server it puts in the table at start-up.
            let lines: ((String) -> Void)? = reason == "start" ? nil : { self.log.info($0) }
            let outcome = try IPVSSync.reconcile(desired, owned: owned, flushForeign: config.globalDefs.lvsFlush,
                                                 known: known, backend: backend, log: lines)
            state.withLock { $0.known = outcome.known }
            report(outcome, reason: reason, started: started)
        } catch {
            log.error("IPVS: cannot read the kernel table: \(error)")
        }
    }

    /// Counts a reconcile's operations and errors, and logs its detail line and failures.
    func report(_ outcome: IPVSSync.KnownReconcile, reason: String, started: DispatchTime) {
        let (plan, result) = (outcome.plan, outcome.result)
        DaemonServices.shared.metrics.ipvsOperations(count: result.applied, kind: reason)
        if !result.failures.isEmpty { DaemonServices.shared.metrics.ipvsErrors(count: result.failures.count) }
        log.detail("IPVS \(reason): \(plan.count) operations (\(result.applied) applied, \(result.alreadyPresent) already present, \(result.alreadyAbsent) already absent, \(result.failures.count) failed) in \(Self.milliseconds(from: started)) ms")
        for failure in result.failures {
            log.error("IPVS: \(failure.operation): \(failure.error)")
        }
    }

    /// SIGHUP reloads; SIGTERM and SIGINT stop.
    func installSignalHandlers() {
        var sources: [any DispatchSourceSignal] = []
        for (number, action) in [(SIGHUP, reload), (SIGTERM, stop), (SIGINT, stop)] as [(Int32, @Sendable () -> Void)] {
            sources.append(DaemonSignals.source(for: number, on: queue, action: action))
        }
        let box = SignalSources(sources)
        signalSources.withLock { $0 = box }
    }

    /// The time between two instants in milliseconds, as the detail lines print it ("12.3").
    static func milliseconds(from start: DispatchTime, to end: DispatchTime = .now()) -> String {
        String(format: "%.1f", Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
    }

    /// Stop: remove what the configuration owns (unless -I), then exit.
    @Sendable func stop() {
        log.info("Stopping")
        DaemonServices.shared.stopping()
        // Both halves in one process: the VRRP half goes first (masters send priority 0 and
        // release their VIPs), so no director holds a VIP whose services are already gone.
        VRRPDaemon.stopAllBeforeExit()
        stopHealthChecks()
        if !settings.dontReleaseIPVS {
            let (config, owned) = state.withLock { ($0.config, $0.owned) }
            do {
                var plan = Reconciler.teardown(owned: owned, current: try backend.dump(),
                                               flushOnStop: config.globalDefs.lvsFlushOnStop)
                // keepalived puts the kernel's default connection timeouts back when it stops.
                if config.globalDefs.lvsTimeouts != nil { plan.append(.setTimeouts(.kernelDefaults)) }
                for operation in plan {
                    if case .deleteDestination(let destination, let service) = operation {
                        log.info("Shutting down service \(destination.displayName(in: service)) from VS \(service.displayName)")
                    }
                }
                let result = IPVSSync.apply(Reconciler.withoutRedundantRemovals(plan), to: backend)
                for failure in result.failures { log.error("IPVS: \(failure.operation): \(failure.error)") }
            } catch {
                log.error("IPVS: cannot read the kernel table: \(error)")
            }
        }
        settings.pidFiles.forEach { PidFile(path: $0).release() }
        DaemonServices.shared.stop()
        log.info("Stopped Keepalived v\(KeepalivedCommand.version) (keepalivedd)")
        exit(0)
    }
}

/// Keeps the daemon's signal sources alive for the life of the process.
///
/// `@unchecked Sendable` is sound here: the array is set once in `init` and never mutated, and
/// dispatch sources are safe to reference from any thread (their handlers run on their queue).
final class SignalSources: @unchecked Sendable {
    let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
}
