import ConfParser
import DaemonSupport
import Dispatch
import Foundation
import NIOPosix
import Synchronization
import VRRP

/// What runs beside the two halves in the daemon process, one of each per process: systemd
/// notifications (READY, RELOADING, STOPPING, WATCHDOG), the `keepalivedd status` socket,
/// `/metrics`, keepalived's dump signals (SIGUSR1, SIGUSR2, SIGRTMIN+2) and SMTP alerts. Each half
/// registers itself when it has started; the services ask the registered halves for their state.
final class DaemonServices: Sendable {
    /// The command line's choices.
    struct Options: Sendable {
        /// Where `keepalivedd status` connects; nil: no status socket.
        var statusSocket: String?
        /// `--metrics ADDR:PORT`; nil: no metrics server.
        var metricsAddress: String?
    }

    /// The process's services.
    static let shared = DaemonServices()

    let notifier = SystemdNotifier()
    let metrics = DaemonMetrics()
    let queue = DispatchQueue(label: "keepalivedd.services")

    private struct Parts {
        var log: DaemonLog?
        var vrrp: VRRPDaemon?
        var checker: CheckerDaemon?
        var statusServer: StatusServer?
        var metricsServer: MetricsServer?
        var signals: SignalSources?
        var alerter: SMTPAlerter?
        /// Where the dumps' VRRP counters start (STATS_CLEAR).
        var statsBaseline = VRRPStatsBaseline()
    }

    private let parts = Mutex(Parts())
    private let metricsServed = Atomic<Bool>(false)

    /// Whether `/metrics` is served (`--metrics`): per-checker series (a histogram each, tens of
    /// thousands on a large configuration) are only kept when someone can scrape them.
    var servesMetrics: Bool { metricsServed.load(ordering: .relaxed) }

    /// Starts the status socket, the metrics server, the dump signals and the watchdog. A service
    /// that cannot start is logged; the daemon runs on without it, except metrics, which were
    /// asked for explicitly: false means the daemon must not start.
    func start(_ options: Options, log: DaemonLog) -> Bool {
        parts.withLock { $0.log = log }
        if let path = options.statusSocket {
            let server = StatusServer(socketPath: path) { [self] in statusReport() }
            do {
                try server.start()
                parts.withLock { $0.statusServer = server }
            } catch {
                log.error("Status socket \(path): \(error)")
            }
        }
        if let address = options.metricsAddress {
            do {
                let server = try MetricsServer(address: address, metrics: metrics)
                let port = try server.start()
                log.info("Serving Prometheus metrics on \(address) (port \(port))")
                parts.withLock { $0.metricsServer = server }
                metricsServed.store(true, ordering: .relaxed)
            } catch {
                log.error("\(error)")
                return false
            }
        }
        metrics.vrrpSampleProvider = { [self] in
            (vrrpDaemon?.shell.instanceReports() ?? []).map(VRRPMetricsSample.init(report:))
        }
        metrics.healthSampleProvider = { [self] in checkerDaemon?.metricsSamples() ?? [] }
        installDumpSignals()
        notifier.startWatchdog(on: queue)
        return true
    }

    /// Stops the servers and removes the status socket (at exit).
    func stop() {
        let (status, metricsServer) = parts.withLock { ($0.statusServer, $0.metricsServer) }
        status?.stop()
        metricsServer?.stop()
        notifier.stopWatchdog()
    }

    func register(vrrp: VRRPDaemon) { parts.withLock { $0.vrrp = vrrp } }
    func register(checker: CheckerDaemon) { parts.withLock { $0.checker = checker } }

    var vrrpDaemon: VRRPDaemon? { parts.withLock { $0.vrrp } }
    var checkerDaemon: CheckerDaemon? { parts.withLock { $0.checker } }

    // MARK: systemd

    /// Start-up is complete.
    func ready() { notifier.ready(status: "Running") }
    /// A reload begins; `ready()` ends it.
    func reloading() { notifier.reloading() }
    /// The daemon is stopping.
    func stopping() { notifier.stopping() }

    // MARK: Status

    /// Both halves' state for `keepalivedd status`.
    func statusReport() -> StatusReport {
        StatusReport(vrrpInstances: vrrpDaemon?.shell.instanceReports() ?? [],
                     virtualServers: checkerDaemon?.virtualServerStatus() ?? [])
    }

    // MARK: Mail

    /// Sends the alert `make` words for the router id of `globalDefs`, in the background.
    func mail(with globalDefs: GlobalDefs, _ make: (_ routerID: String) -> SMTPAlert) {
        let alerter = alerter(for: globalDefs)
        alerter.send(make(alerter.routerID))
    }

    /// The alerter for `globalDefs` (made anew when its mail settings changed).
    private func alerter(for globalDefs: GlobalDefs) -> SMTPAlerter {
        let settings = SMTPSettings(globalDefs: globalDefs, hostName: SMTPSettings.localHostName())
        return parts.withLock { parts in
            if let current = parts.alerter, current.settings == settings { return current }
            let log = parts.log
            let alerter = SMTPAlerter(settings: settings, group: MultiThreadedEventLoopGroup.singleton,
                                      log: { log?.info($0) })
            parts.alerter = alerter
            return alerter
        }
    }

    // MARK: Dumps

    /// SIGUSR1: /tmp/keepalived.data (VRRP) and /tmp/keepalived_check.data (checkers);
    /// SIGUSR2: /tmp/keepalived.stats; STATS_CLEAR (SIGRTMAX-1): the same, then the dumps' counters
    /// start from zero; SIGRTMIN+2: /tmp/keepalived.json.
    private func installDumpSignals() {
        let handlers: [(Int32, @Sendable () -> Void)] = [
            (SIGUSR1, { [self] in writeDataDumps() }),
            (SignalNames.stats, { [self] in writeStatsDump() }),
            (SignalNames.statsClear, { [self] in writeStatsDump(clearing: true) }),
            (SignalNames.json, { [self] in writeJSONDump() }),
        ]
        var sources: [any DispatchSourceSignal] = []
        for (number, action) in handlers {
            sources.append(DaemonSignals.source(for: number, on: queue, action: action))
        }
        let box = SignalSources(sources)
        parts.withLock { $0.signals = box }
    }

    func writeDataDumps() {
        if let vrrp = vrrpDaemon {
            write(StateDataDump.vrrp(config: vrrp.currentConfig, reports: vrrp.shell.instanceReports()),
                  to: DumpFiles.vrrpData)
        }
        if let checker = checkerDaemon {
            write(StateDataDump.checkers(config: checker.currentConfig, virtualServers: checker.virtualServerStatus()),
                  to: DumpFiles.checkerData)
        }
    }

    /// The stats file; `clearing` (STATS_CLEAR) then starts the dumps' counters from zero.
    func writeStatsDump(clearing: Bool = false) {
        guard let vrrp = vrrpDaemon else { return }
        let reports = vrrp.shell.instanceReports()
        let shown = parts.withLock { parts in
            let shown = parts.statsBaseline.applied(to: reports)
            if clearing { parts.statsBaseline.clear(at: reports) }
            return shown
        }
        write(VRRPStatsDump.render(shown), to: DumpFiles.vrrpStats)
    }

    func writeJSONDump() {
        guard let vrrp = vrrpDaemon else { return }
        let reports = parts.withLock { $0.statsBaseline }.applied(to: vrrp.shell.instanceReports())
        write(VRRPJSONDump.render(reports, config: vrrp.currentConfig), to: DumpFiles.vrrpJSON)
    }

    private func write(_ text: String, to path: String) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            parts.withLock { $0.log }?.error("Cannot write \(path): \(error)")
        }
    }
}

/// Where keepalived writes its dumps.
enum DumpFiles {
    static let vrrpData = "/tmp/keepalived.data"
    static let checkerData = "/tmp/keepalived_check.data"
    static let vrrpStats = "/tmp/keepalived.stats"
    static let vrrpJSON = "/tmp/keepalived.json"
}
