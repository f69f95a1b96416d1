/// `global_defs` keywords keepalivedd accepts without acting on them: checked as keepalived checks
/// them (so `-t` gives the same verdict) and kept in `otherKeywords` when valid.
extension GlobalDefs {
    typealias Check = @Sendable (ConfNode, inout BuildContext) -> Bool

    static func kept(_ check: @escaping Check) -> Handler {
        { defs, node, context in
            if check(node, &context) { defs.otherKeywords.append(RecognisedKeyword(node)) }
        }
    }

    /// Arguments, if any, are ignored.
    static let flag: Handler = kept { _, _ in true }

    static func boolOption(_ wording: BoolWording = .global) -> Handler {
        kept { node, context in bool(node, &context, wording: wording) != nil }
    }

    static func integerOption(_ range: ClosedRange<Int>, missing: String? = nil) -> Handler {
        kept { node, context in
            guard let text = word(node, &context, missing: missing) else { return false }
            return context.integer(text, at: node, in: range) != nil
        }
    }

    static func wordOption(missing: String? = nil) -> Handler {
        kept { node, context in word(node, &context, missing: missing) != nil }
    }

    static let uint32 = 0...Int(UInt32.max)
    static let int32 = Int(Int32.min)...Int(Int32.max)

    static let otherHandlers: [String: Handler] = {
        var handlers: [String: Handler] = [:]
        for keyword in ["bfd_no_swap", "enable_snmp_vrrp", "enable_snmp_checker", "enable_snmp_rfc",
                        "enable_snmp_rfcv2", "enable_snmp_rfcv3", "enable_snmp_keepalived", "enable_traps",
                        "enable_dbus", "fifo_write_vrrp_states_on_reload", "disable_local_igmp",
                        "log_unknown_vrids", "reload_repeat", "reload_check_config", "reload_file",
                        "nftables", "nftables_ipvs", "nftables_counters", "nftables_ifindex"] {
            handlers[keyword] = flag
        }
        for keyword in ["vrrp_notify_priority_changes", "rs_init_notifies",
                        "data_use_instance", "vrrp_netlink_cmd_rcv_bufs_force",
                        "vrrp_netlink_monitor_rcv_bufs_force", "lvs_netlink_cmd_rcv_bufs_force",
                        "lvs_netlink_monitor_rcv_bufs_force", "process_monitor_rcv_bufs_force"] {
            handlers[keyword] = boolOption()
        }
        for keyword in ["vrrp_netlink_cmd_rcv_bufs", "vrrp_netlink_monitor_rcv_bufs", "lvs_netlink_cmd_rcv_bufs",
                        "lvs_netlink_monitor_rcv_bufs", "process_monitor_rcv_bufs"] {
            handlers[keyword] = integerOption(uint32, missing: "\(keyword) size missing")
        }
        for process in ["vrrp", "checker", "bfd"] {
            handlers["\(process)_rt_priority"] = integerOption(1...99)
            handlers["\(process)_rlimit_rttime"] = integerOption(1...Int(UInt32.max))
            handlers["\(process)_rlimit_rtime"] = integerOption(1...Int(UInt32.max))
            handlers["\(process)_cpu_affinity"] = cpuAffinity(process)
        }
        handlers["bfd_priority"] = integerOption(-20...19)
        handlers["min_auto_priority_delay"] = integerOption(1...10_000_000)
        handlers["vrrp_rx_bufs_multiplier"] = integerOption(1...Int(UInt32.max))
        handlers["random_seed"] = integerOption(uint32)
        handlers["nftables_priority"] = integerOption(int32)
        handlers["nftables_ipvs_priority"] = integerOption(int32)
        handlers["nftables_ipvs_start_fwmark"] = integerOption(1...Int(UInt32.max))
        for keyword in ["tmp_config_directory", "config_save_dir", "vmac_prefix", "vmac_addr_prefix"] {
            handlers[keyword] = wordOption()
        }
        handlers["snmp_socket"] = wordOption(missing: "SNMP error : snmp socket name missing")
        handlers["dbus_service_name"] = wordOption(missing: "dbus_service_name missing - ignoring")
        handlers["reload_time_file"] = wordOption(missing: "reload_time_file invalid")
        handlers["vrrp_rx_bufs_policy"] = kept(rxBufsPolicy)
        handlers["umask"] = kept(umask)
        handlers["include_check"] = kept(includeCheck)
        return handlers
    }()

    /// `vrrp_cpu_affinity CPU...`: CPU numbers (checked against the host's CPUs at start-up).
    static func cpuAffinity(_ process: String) -> Handler {
        kept { node, context in
            guard !node.arguments.isEmpty else {
                context.error("No \(process) cpu_id set specified", at: node)
                return false
            }
            var valid = true
            for text in node.arguments where context.integer(text, at: node, in: 0...4095) == nil {
                context.error("Invalid cpu_id:\(text) specified for \(process) process", at: node)
                valid = false
            }
            return valid
        }
    }

    /// `vrrp_rx_bufs_policy MTU|ADVERT|NUMBER`.
    static let rxBufsPolicy: Check = { node, context in
        guard let text = node.arguments.first else {
            context.error("vrrp_rx_bufs_policy missing", at: node)
            return false
        }
        let upper = text.uppercased()
        if upper == "MTU" || upper == "ADVERT" { return true }
        guard context.integer(text, at: node, in: uint32) != nil else {
            context.error("Invalid vrrp_rx_bufs_policy \(text)", at: node)
            return false
        }
        return true
    }

    /// `umask NUMBER|BITS`: a number (decimal, 0 octal, 0x hex) or I{R|W|X}{USR|GRP|OTH} joined by '|'.
    static let umask: Check = { node, context in
        guard let text = word(node, &context) else { return false }
        if let first = text.utf8.first, first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") {
            guard let value = parseCNumber(text), value <= 0o777 else {
                context.error("invalid umask value \(text)", at: node)
                return false
            }
            return true
        }
        let bits: Set<Substring> = ["IRUSR", "IWUSR", "IXUSR", "IRGRP", "IWGRP", "IXGRP", "IROTH", "IWOTH", "IXOTH"]
        for bit in text.split(separator: "|") where !bits.contains(bit) {
            context.error("Unknown umask bit \(bit)", at: node)
            return false
        }
        return true
    }

    /// `include_check [[+|-]OPTION...]`. keepalived 2.2.7 accepts match, wildcard_match and
    /// brace_match here (it rejects `readable`, which the manual lists).
    static let includeCheck: Check = { node, context in
        var seen = Set<Substring>()
        var valid = true
        for word in node.arguments {
            var option = Substring(word)
            if option.hasPrefix("+") || option.hasPrefix("-") { option = option.dropFirst() }
            guard ["match", "wildcard_match", "brace_match"].contains(option) else {
                context.error("Unknown include_check type '\(option)' - ignoring", at: node)
                valid = false
                continue
            }
            if !seen.insert(option).inserted {
                context.error("Duplicate include_check '\(option)' specified - ignoring", at: node)
                valid = false
            }
        }
        return valid
    }
}
