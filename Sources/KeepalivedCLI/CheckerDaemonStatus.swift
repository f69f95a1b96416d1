import ConfParser
import DaemonSupport
import Foundation
import HealthCheck
import IPVSSync
import Synchronization

/// What the checker half tells the status socket, the metrics, the dumps and the mail.
extension CheckerDaemon {
    /// The configuration running now.
    var currentConfig: Config { state.withLock { $0.config } }

    /// Every virtual server with its quorum, sorry server and real servers (health, weight in the
    /// kernel as last reconciled, last check).
    func virtualServerStatus() -> [VirtualServerStatus] {
        let (config, health, known) = state.withLock { ($0.config, $0.health, $0.known) }
        let records = checkRecords.withLock { $0 }
        return config.virtualServers.enumerated().map { vsIndex, vs in
            let entry = known?.entries.first { $0.service.virtualServerName == vs.displayName }
            let quorumUp = health?.quorum[vsIndex] ?? true
            let servers = vs.realServers.enumerated().map { rsIndex, rs -> RealServerStatus in
                let ref = RealServerRef(virtualServer: vsIndex, realServer: rsIndex)
                let record = records[ref]
                let weight = entry?.destination(IPVSDestinationKey(address: rs.address, port: rs.port)).map { Int($0.weight) }
                return RealServerStatus(label: vs.displayName(of: rs.address, port: rs.port),
                                        alive: health?.realServers[ref]?.alive ?? !rs.checkers.contains { $0.alpha },
                                        kernelWeight: weight, lastCheckResult: record?.result, lastCheckTime: record?.time,
                                        consecutiveFailures: Int(record?.consecutiveFailures ?? 0))
            }
            return VirtualServerStatus(name: vs.displayName, quorumUp: quorumUp,
                                       sorryServerActive: vs.sorryServer != nil && !quorumUp, realServers: servers)
        }
    }

    /// The health gauges for `/metrics`.
    func metricsSamples() -> [VirtualServerMetricsSample] {
        virtualServerStatus().map { vs in
            VirtualServerMetricsSample(virtualServer: vs.name, quorumUp: vs.quorumUp, realServers: vs.realServers.map {
                RealServerMetricsSample(realServer: $0.label, up: $0.alive, weight: $0.kernelWeight ?? 0)
            })
        }
    }

    /// One finished attempt (on the engine's queue): remembered for status, counted for metrics
    /// when they are served.
    /// The checker's metric series is looked up once per configuration, not per attempt.
    func attemptFinished(_ id: CheckerID, _ result: ProbeResult, _ duration: Duration) {
        if DaemonServices.shared.servesMetrics {
            let series = checkSeries.withLock { $0[id] } ?? makeCheckSeries(id)
            series?.record(succeeded: result.succeeded, duration: duration)
        }
        let time = Date()
        checkRecords.withLock { $0.record(result, of: id.realServer, at: time) }
    }

    private func makeCheckSeries(_ id: CheckerID) -> CheckSeries? {
        let names = state.withLock { state -> (vs: String, rs: String, kind: String)? in
            let ref = id.realServer
            guard state.config.virtualServers.indices.contains(ref.virtualServer) else { return nil }
            let vs = state.config.virtualServers[ref.virtualServer]
            guard vs.realServers.indices.contains(ref.realServer) else { return nil }
            let rs = vs.realServers[ref.realServer]
            guard rs.checkers.indices.contains(id.index) else { return nil }
            return (vs.displayName, vs.displayName(of: rs.address, port: rs.port), rs.checkers[id.index].kind.rawValue)
        }
        guard let names else { return nil }
        let series = DaemonServices.shared.metrics.checkSeries(virtualServer: names.vs, realServer: names.rs,
                                                                checker: names.kind)
        checkSeries.withLock { $0[id] = series }
        return series
    }

    /// keepalived's mail for a checker's verdict: when its real server's smtp_alert says so, and,
    /// under `no_checker_emails`, only when the real server changed state with it. Called on the
    /// engine's queue; `virtualServer` is the engine's (the new one from the start of a reload).
    func alertChecker(_ alert: CheckerAlert, of virtualServer: VirtualServer) {
        let globals = live.globals
        let index = alert.checker.realServer.realServer
        guard virtualServer.realServers.indices.contains(index) else { return }
        let rs = virtualServer.realServers[index]
        guard SMTPAlertPolicy.isDue(realServer: rs, of: virtualServer, globalDefs: globals),
              alert.realServerChanged || !globals.noCheckerEmails else { return }
        DaemonServices.shared.mail(with: globals) {
            .realServer(routerID: $0, realServer: virtualServer.displayName(of: rs.address, port: rs.port),
                        virtualServer: virtualServer.displayName, isUp: alert.realServerUp, body: alert.body)
        }
    }

    /// keepalived's mail for a live real server a reload removed: `[rid] Realserver RS of virtual
    /// server VS - DOWN`, `=> Removing <=`, when its smtp_alert says so.
    func alertRemoval(of realServer: RealServer, in virtualServer: VirtualServer) {
        let globals = live.globals
        guard SMTPAlertPolicy.isDue(realServer: realServer, of: virtualServer, globalDefs: globals) else { return }
        DaemonServices.shared.mail(with: globals) {
            .realServer(routerID: $0, realServer: virtualServer.displayName(of: realServer.address, port: realServer.port),
                        virtualServer: virtualServer.displayName, isUp: false, body: "=> Removing <=")
        }
    }

    /// Mail for a virtual server's quorum decision (when its smtp_alert says so); `virtualServer`
    /// comes from the engine, so a decision made while a reload switches belongs to the new
    /// configuration, whose global settings `live` already has.
    func alertQuorum(_ notice: QuorumNotice, of virtualServer: VirtualServer) {
        let globals = live.globals
        guard SMTPAlertPolicy.isDue(virtualServer: virtualServer, globalDefs: globals) else { return }
        DaemonServices.shared.mail(with: globals) {
            .quorum(routerID: $0, virtualServer: virtualServer.displayName, notice: notice)
        }
    }
}
