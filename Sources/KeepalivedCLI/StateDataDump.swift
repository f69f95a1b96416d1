import ConfParser
import DaemonSupport
import Foundation
import VRRP

/// SIGUSR1's dumps in keepalived's layout: `/tmp/keepalived.data` (global definitions and the
/// VRRP topology) and `/tmp/keepalived_check.data` (virtual servers and real servers). Section
/// headers and `Key = value` lines as keepalived writes them; only what keepalivedd knows.
enum StateDataDump {
    /// The VRRP half's dump.
    static func vrrp(config: Config, reports: [VRRPInstanceReport], now: Date = Date()) -> String {
        var lines = header(now: now) + globals(config)
        lines.append("------< VRRP Topology >------")
        let instances = Dictionary(config.vrrpInstances.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for report in reports {
            lines.append(" VRRP Instance = \(report.name)")
            if let instance = instances[report.name] { lines.append("   VRRP Version = \(instance.version)") }
            lines.append("   State = \(report.state)")
            lines.append("   Wantstate = \(report.wantState)")
            if let last = report.lastTransition {
                lines.append("   Last transition = \(String(format: "%.6f", last.timeIntervalSince1970)) (\(timestamp(last)))")
            }
            lines.append("   Interface = \(report.interface)")
            lines.append("   Virtual Router ID = \(report.virtualRouterID)")
            lines.append("   Priority = \(report.configuredPriority)")
            lines.append("   Effective priority = \(report.effectivePriority)")
            if let master = report.masterAddress { lines.append("   Master router = \(master)") }
            if let priority = report.masterPriority { lines.append("   Master priority = \(priority)") }
            if let instance = instances[report.name] {
                lines.append("   Advert interval = \(formatSeconds(instance.advertInterval)) sec")
                lines.append("   Preempt = \(instance.nopreempt ? "disabled" : "enabled")")
                lines.append("   Virtual IP (\(instance.virtualAddresses.count)):")
                for address in instance.virtualAddresses {
                    lines.append("     \(address.address)/\(address.prefixLength) dev \(address.device ?? report.interface)")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The checker half's dump.
    static func checkers(config: Config, virtualServers: [VirtualServerStatus], now: Date = Date()) -> String {
        var lines = header(now: now) + globals(config)
        lines.append("------< LVS Topology >------")
        for (index, status) in virtualServers.enumerated() {
            lines.append(" VS = \(status.name)")
            if config.virtualServers.indices.contains(index) {
                let vs = config.virtualServers[index]
                lines.append("   delay_loop = \(formatSeconds(vs.delayLoop)), lb_algo = \(vs.scheduler)")
                lines.append("   quorum = \(vs.quorum), hysteresis = \(vs.hysteresis)")
                if let sorry = vs.sorryServer { lines.append("   sorry server = \(sorry.address) \(sorry.port)") }
            }
            lines.append("   Quorum state = \(status.quorumUp ? "UP" : "DOWN")")
            lines.append("   Sorry server in use = \(status.sorryServerActive ? "yes" : "no")")
            for rs in status.realServers {
                lines.append("   RS = \(rs.label)")
                lines.append("     Alive = \(rs.alive ? "yes" : "no")")
                lines.append("     Weight in kernel = \(rs.kernelWeight.map(String.init) ?? "(not in the table)")")
                if let time = rs.lastCheckTime {
                    lines.append("     Last check = \(timestamp(time)): \(rs.lastCheckResult ?? "")")
                }
                lines.append("     Consecutive failures = \(rs.consecutiveFailures)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func header(now: Date) -> [String] {
        ["------< Keepalived dump (keepalivedd v\(KeepalivedCommand.version)) at \(timestamp(now)) >------"]
    }

    private static func globals(_ config: Config) -> [String] {
        let defs = config.globalDefs
        var lines = ["------< Global definitions >------"]
        lines.append(" Router ID = \(defs.routerID ?? HostName.configID())")
        if let server = defs.smtpServer { lines.append(" Smtp server = \(server)") }
        lines.append(" Smtp server connection timeout = \(defs.smtpConnectTimeout)")
        if !defs.notificationEmail.isEmpty {
            lines.append(" Email notification:")
            lines += defs.notificationEmail.map { "   \($0)" }
        }
        return lines
    }

    private static func formatSeconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    private static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
