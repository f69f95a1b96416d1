import ConfParser

/// A short human summary of a configuration, for `keepalivedd -t --summary` and `make demo`.
public enum ConfigSummary {
    public static func text(for config: Config, path: String, status: ConfigTestStatus) -> String {
        var out = "Configuration \(path): \(status == .ok ? "valid" : "exit status \(status.rawValue)")\n"
        out += "  vrrp_script: \(config.vrrpScripts.count), vrrp_sync_group: \(config.syncGroups.count), "
        out += "vrrp_instance: \(config.vrrpInstances.count)\n"
        out += "  virtual_server_group: \(config.virtualServerGroups.count), virtual_server: \(config.virtualServers.count)\n"
        return out
    }
}
