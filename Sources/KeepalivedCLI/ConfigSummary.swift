import ConfParser

/// A short human summary of a configuration, for `keepalivedd -t --summary` and `make demo`:
/// what the director would run once the configuration is loaded, with keepalived's defaults applied.
public enum ConfigSummary {
    public static func text(for config: Config, path: String, status: ConfigTestStatus) -> String {
        var lines: [String] = []
        let verdict = status == .ok ? "valid" : "not clean (exit status \(status.rawValue))"
        lines.append("Configuration \(path): \(verdict)")
        let defs = config.globalDefs
        lines.append("  router_id \(defs.routerID ?? "(host name)"), alerts to \(defs.notificationEmail.isEmpty ? "nobody" : defs.notificationEmail.joined(separator: ", "))")
        for group in config.syncGroups {
            lines.append("  vrrp_sync_group \(group.name): \(group.members.map(\.name).joined(separator: ", "))")
        }
        for instance in config.vrrpInstances {
            var line = "  vrrp_instance \(instance.name): \(instance.state.rawValue) on \(instance.interface), "
            line += "VRID \(instance.virtualRouterID), priority \(instance.priority), advert \(format(instance.advertInterval)) s, VRRPv\(instance.version)"
            if let auth = instance.authentication?.type { line += ", auth \(auth.rawValue)" }
            if instance.nopreempt { line += ", nopreempt" }
            lines.append(line)
            let vips = instance.virtualAddresses.map { "\($0.address)/\($0.prefixLength)" + ($0.device.map { " dev \($0)" } ?? "") }
            lines.append("      VIPs: \(vips.isEmpty ? "none" : vips.joined(separator: ", "))")
        }
        for server in config.virtualServers {
            var line = "  virtual_server \(server.displayName): \(server.scheduler.rawValue) \(server.forwarding.kind.rawValue)"
            if let timeout = server.persistenceTimeout { line += ", persistence \(timeout) s" }
            if server.inhibitOnFailure { line += ", inhibit_on_failure" }
            line += ", quorum \(server.quorum)"
            if let sorry = server.sorryServer { line += ", sorry_server [\(sorry.address)]:\(sorry.port)" }
            lines.append(line)
            for real in server.realServers {
                let checks = real.checkers.map { checker in
                    "\(checker.kind.rawValue) every \(format(checker.delayLoop)) s, timeout \(format(checker.connectTimeout)) s, retry \(checker.retry)"
                }
                lines.append("      real_server [\(real.address)]:\(real.port) weight \(real.weight) \(real.forwarding.kind.rawValue): "
                             + (checks.isEmpty ? "no checker (always up)" : checks.joined(separator: "; ")))
            }
        }
        let realCount = config.virtualServers.reduce(0) { $0 + $1.realServers.count }
        lines.append("  totals: \(config.vrrpInstances.count) vrrp_instance, \(config.virtualServers.count) virtual_server, \(realCount) real_server")
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
