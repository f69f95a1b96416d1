import ConfParser
import DaemonSupport
import Dispatch
import Foundation
import Synchronization
import VRRP

/// `keepalivedd -P`: the VRRP half. Starts every vrrp_instance (leftover VIPs removed first),
/// reloads on SIGHUP (a configuration that cannot run leaves everything as it is), stops on
/// SIGTERM/SIGINT (MASTERs send priority 0 and remove their VIPs unless `-V`) and exits 0.
public final class VRRPDaemon: Sendable {
    public struct Settings: Sendable {
        public var configPath: String
        public var parseOptions: ParseOptions
        public var dontReleaseVRRP: Bool
        public var pidFiles: [String]
        public var commandLine: [String]
        /// When the checker half shares the process, it handles the process-wide start/stop lines
        /// and the exit; the VRRP half then only stops its instances.
        public var sharesProcess: Bool = false

        public init(configPath: String, parseOptions: ParseOptions, dontReleaseVRRP: Bool, pidFiles: [String],
                    commandLine: [String], sharesProcess: Bool = false) {
            self.configPath = configPath
            self.parseOptions = parseOptions
            self.dontReleaseVRRP = dontReleaseVRRP
            self.pidFiles = pidFiles
            self.commandLine = commandLine
            self.sharesProcess = sharesProcess
        }
    }

    let settings: Settings
    let log: DaemonLog
    let shell: VRRPShell
    let syncDaemons: SyncDaemonSwitch
    let queue = DispatchQueue(label: "keepalivedd.vrrp.signals")
    let signalSources = Mutex<SignalSources?>(nil)
    private let config: Mutex<Config>

    /// The configuration running now.
    var currentConfig: Config { config.withLock { $0 } }

    init(settings: Settings, log: DaemonLog, config: Config) {
        self.settings = settings
        self.log = log
        self.config = Mutex(config)
        let logger = VRRPShellLogger(info: { log.info($0) }, error: { log.error($0) }, detail: { log.detail($0) })
        self.shell = VRRPShell(config: config, options: VRRPShellOptions(dontReleaseVRRP: settings.dontReleaseVRRP),
                               log: logger)
        let syncDaemons = SyncDaemonSwitch(config: config, log: log)
        self.syncDaemons = syncDaemons
        shell.onStateChange { [weak self] instance, _, state in
            syncDaemons.stateChanged(instance: instance, to: state)
            if let self { Self.mail(instance: instance, entering: state, config: currentConfig) }
        }
        shell.onSyncGroupStateChange { [weak self] group, _, state in
            if let self { Self.mail(syncGroup: group, entering: state, config: currentConfig) }
        }
    }

    /// keepalived's mail for a sync group entering MASTER, BACKUP or FAULT (when its smtp_alert
    /// says so); sent in the background.
    static func mail(syncGroup name: String, entering state: VRRPMachineState, config: Config) {
        guard let mailState = SMTPAlert.VRRPState(state),
              let group = config.syncGroups.first(where: { $0.name == name }),
              SMTPAlertPolicy.isDue(syncGroup: group, entering: mailState, globalDefs: config.globalDefs) else { return }
        DaemonServices.shared.mail(with: config.globalDefs) { .vrrpSyncGroup(routerID: $0, group: name, state: mailState) }
    }

    /// keepalived's mail for an instance entering MASTER, BACKUP or FAULT (when its smtp_alert
    /// says so); sent in the background.
    static func mail(instance name: String, entering state: VRRPMachineState, config: Config) {
        guard let mailState = SMTPAlert.VRRPState(state),
              let instance = config.vrrpInstances.first(where: { $0.name == name }),
              SMTPAlertPolicy.isDue(instance: instance, entering: mailState, globalDefs: config.globalDefs) else { return }
        DaemonServices.shared.mail(with: config.globalDefs) { .vrrpInstance(routerID: $0, instance: name, state: mailState) }
    }

    /// Starts the VRRP half and never returns: exits 0 after a clean stop, 1 when it cannot start.
    public static func run(settings: Settings, log: DaemonLog) -> Never {
        guard let daemon = launch(settings: settings, log: log, installSignals: true) else { exit(1) }
        _ = daemon
        dispatchMain()
    }

    /// Loads the configuration, claims the pid files and starts the shell; nil (logged) when it
    /// cannot run. With `installSignals`, SIGHUP/SIGTERM/SIGINT are handled here.
    /// `loaded` is the configuration the checker half of this process read, nil to read it here.
    public static func launch(settings: Settings, log: DaemonLog, installSignals: Bool,
                              loaded: LoadResult? = nil) -> VRRPDaemon? {
        if !settings.sharesProcess {
            log.info("Starting Keepalived v\(KeepalivedCommand.version) (keepalivedd)")
            log.info("Command line: " + settings.commandLine.map { "'\($0)'" }.joined(separator: " "))
        }
        let result = loaded ?? loadConfiguration(settings: settings, log: log)
        guard result.status != .cannotRun else {
            log.error("Stopped - configuration cannot run")
            return nil
        }
        guard DaemonStartup.claimPidFiles(settings.pidFiles, log: log) != nil else { return nil }
        let daemon = VRRPDaemon(settings: settings, log: log, config: result.config)
        let reloadedMeanwhile = daemon.keepAlive()
        DaemonServices.shared.register(vrrp: daemon)
        if installSignals { daemon.installSignalHandlers() }
        daemon.syncDaemons.start()
        daemon.shell.start()
        if !settings.sharesProcess { DaemonServices.shared.ready() }
        // Sharing the process: a SIGHUP that reached the checker half while this half was starting.
        if settings.sharesProcess, let newer = reloadedMeanwhile { daemon.applyShared(newer) }
        return daemon
    }

    /// Reads and checks the configuration, logging its problems as keepalived does.
    static func loadConfiguration(settings: Settings, log: DaemonLog) -> LoadResult {
        DaemonStartup.loadConfiguration(path: settings.configPath, options: settings.parseOptions, log: log,
                                        quiet: settings.sharesProcess)
    }

    /// SIGHUP reloads; SIGTERM and SIGINT stop.
    func installSignalHandlers() {
        var sources: [any DispatchSourceSignal] = []
        let handlers: [(Int32, @Sendable () -> Void)] = [
            (SIGHUP, { [self] in reload() }), (SIGTERM, { [self] in stop() }), (SIGINT, { [self] in stop() }),
        ]
        for (number, action) in handlers {
            sources.append(DaemonSignals.source(for: number, on: queue, action: action))
        }
        let box = SignalSources(sources)
        signalSources.withLock { $0 = box }
    }

    /// A reload: a configuration that cannot run leaves everything as it is.
    public func reload() {
        DaemonStartup.reload(log: log, load: { Self.loadConfiguration(settings: settings, log: log) },
                             apply: { apply($0.config) })
    }

    /// Switches the instances and sync daemons to `newConfig` (already checked).
    func apply(_ newConfig: Config) {
        config.withLock { $0 = newConfig }
        syncDaemons.reload(newConfig)
        shell.reload(newConfig)
    }

    /// Both halves in one process: the checker half read and checked the new configuration on
    /// SIGHUP; the VRRP half switches to it on its own queue, beside the checkers' reload.
    /// A SIGHUP that comes before this half has started is kept and applied once it has.
    static func reloadShared(_ newConfig: Config) {
        let daemons = running.withLock { registry in
            registry.sharedReload = newConfig
            return registry.daemons
        }
        for daemon in daemons where daemon.settings.sharesProcess { daemon.applyShared(newConfig) }
    }

    /// A shared-process reload, on this half's queue.
    private func applyShared(_ newConfig: Config) {
        queue.async { [self] in
            log.info("Reloading")
            apply(newConfig)
        }
    }

    /// Stops every instance, removes the pid files and (alone in the process) exits 0.
    public func stop() {
        DaemonServices.shared.stopping()
        stop { [self] in
            DaemonServices.shared.stop()
            log.info("Stopped Keepalived v\(KeepalivedCommand.version) (keepalivedd)")
            exit(0)
        }
    }

    /// Stops every instance and removes the pid files, then calls `completion`.
    public func stop(completion: @escaping @Sendable () -> Void) {
        if !settings.sharesProcess { log.info("Stopping") }
        syncDaemons.prepareToStop()
        shell.stop { [settings, syncDaemons] in
            syncDaemons.stop {
                settings.pidFiles.forEach { PidFile(path: $0).release() }
                completion()
            }
        }
    }

    /// Daemons live for the whole process. Returns the configuration of a shared-process reload
    /// that came before this daemon was registered, if any.
    private func keepAlive() -> Config? {
        VRRPDaemon.running.withLock { registry in
            registry.daemons.append(self)
            return registry.sharedReload
        }
    }

    struct Registry {
        var daemons: [VRRPDaemon] = []
        /// The configuration the checker half last handed over on SIGHUP (both halves in one process).
        var sharedReload: Config?
    }

    static let running = Mutex(Registry())
}

extension VRRPDaemon {
    /// Both halves in one process (neither -P nor -C): the VRRP half starts next to the checker
    /// half, on the configuration the checker half read (`loaded`). The checker half owns the
    /// signals: SIGHUP reads the configuration once and hands it to this half (`reloadShared`);
    /// at exit (the checker half's stop calls exit) every VRRP instance is stopped first,
    /// synchronously. When the VRRP half cannot start, the process stops (SIGTERM).
    public static func launchShared(settings: Settings, log: DaemonLog, loaded: LoadResult) {
        DispatchQueue.global().async {
            guard launch(settings: settings, log: log, installSignals: false, loaded: loaded) != nil else {
                kill(getpid(), SIGTERM)
                return
            }
            atexit { VRRPDaemon.stopAllBeforeExit() }
        }
    }

    /// Stops every running VRRP daemon and waits (at most 2 s each) for it: first thing when the
    /// checker half stops (masters hand over before their services go), and again at exit.
    static func stopAllBeforeExit() {
        let daemons = running.withLock { registry in
            defer { registry.daemons.removeAll() }
            return registry.daemons
        }
        for daemon in daemons {
            let done = DispatchSemaphore(value: 0)
            daemon.stop { done.signal() }
            _ = done.wait(timeout: .now() + 2)
        }
    }
}
