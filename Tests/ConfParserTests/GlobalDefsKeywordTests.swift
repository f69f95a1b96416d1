import Testing
@testable import ConfParser

/// Which keywords `global_defs` accepts, and how the ones without a typed field are checked.
@Suite struct GlobalDefsKeywordTests {
    /// Every keyword of the manual's global_defs section, with a valid value: none is unknown and
    /// none is an error (what `keepalived -t` says for the same lines in the `kt` namespace).
    @Test func everyManualKeywordIsRecognised() {
        let lines = [
            "tmp_config_directory /tmp", "config_save_dir /tmp", "process_names", "process_name ka",
            "vrrp_process_name ka_vrrp", "checker_process_name ka_ipvs", "bfd_process_name ka_bfd",
            "startup_script /bin/true", "startup_script_timeout 10", "shutdown_script /bin/true",
            "shutdown_script_timeout 10", "notification_email {", "a@example.com", "}",
            "notification_email_from a@example.com", "smtp_server 127.0.0.1 25", "smtp_helo_name me",
            "smtp_connect_timeout 30", "smtp_alert on", "smtp_alert_vrrp off", "smtp_alert_checker yes",
            "checker_log_all_failures true", "no_email_faults", "router_id r1", "vrrp_mcast_group4 224.0.0.18",
            "vrrp_mcast_group6 ff02::12", "default_interface eth0", "lvs_sync_daemon eth0 VI_1 id 5",
            "lvs_timeouts tcp 900 tcpfin 120 udp 300", "lvs_flush", "lvs_flush_on_stop VS",
            "vrrp_garp_master_delay 10", "vrrp_garp_master_repeat 1", "vrrp_garp_lower_prio_delay 10",
            "vrrp_down_timer_adverts 3", "vrrp_garp_lower_prio_repeat 1", "vrrp_garp_master_refresh 60",
            "vrrp_garp_master_refresh_repeat 2", "vrrp_garp_interval 0.001", "vrrp_gna_interval 0.000001",
            "vrrp_min_garp", "vrrp_garp_extra_if all 100", "vrrp_lower_prio_no_advert",
            "vrrp_higher_prio_send_advert", "vrrp_version 3", "nftables keepalived", "nftables_priority -1",
            "nftables_counters", "nftables_ifindex", "nftables_ipvs ipvs", "nftables_ipvs_priority -1",
            "nftables_ipvs_start_fwmark 1000", "disable_local_igmp", "vrrp_check_unicast_src",
            "vrrp_skip_check_adv_addr", "vrrp_strict", "vrrp_notify_priority_changes on", "max_auto_priority 5",
            "min_auto_priority_delay 1000000", "vrrp_priority -5", "checker_priority 5", "bfd_priority 0",
            "vrrp_no_swap", "checker_no_swap", "bfd_no_swap", "vrrp_cpu_affinity 0", "checker_cpu_affinity 0",
            "bfd_cpu_affinity 0", "vrrp_rt_priority 50", "checker_rt_priority 50", "bfd_rt_priority 50",
            "vrrp_rlimit_rttime 10000", "checker_rlimit_rttime 10000", "bfd_rlimit_rttime 10000",
            "snmp_socket udp:1.2.3.4:705", "enable_snmp_vrrp", "enable_snmp_checker", "enable_snmp_rfc",
            "enable_snmp_rfcv2", "enable_snmp_rfcv3", "enable_traps", "enable_dbus", "dbus_service_name org.x",
            "script_user root", "enable_script_security", "notify_fifo /tmp/f1", "notify_fifo_script /bin/true",
            "vrrp_notify_fifo /tmp/f2", "vrrp_notify_fifo_script /bin/true", "lvs_notify_fifo /tmp/f3",
            "lvs_notify_fifo_script /bin/true", "fifo_write_vrrp_states_on_reload", "dynamic_interfaces",
            "vrrp_netlink_cmd_rcv_bufs 1000000", "vrrp_netlink_cmd_rcv_bufs_force on",
            "vrrp_netlink_monitor_rcv_bufs 1000000", "vrrp_netlink_monitor_rcv_bufs_force off",
            "lvs_netlink_cmd_rcv_bufs 1000000", "lvs_netlink_cmd_rcv_bufs_force yes",
            "lvs_netlink_monitor_rcv_bufs 1000000", "lvs_netlink_monitor_rcv_bufs_force no",
            "process_monitor_rcv_bufs 500000", "process_monitor_rcv_bufs_force true", "vrrp_rx_bufs_policy MTU",
            "vrrp_rx_bufs_multiplier 3", "rs_init_notifies", "no_checker_emails", "umask IWGRP|IWOTH",
            "vrrp_startup_delay 5.5", "log_unknown_vrids", "vmac_prefix vr", "vmac_addr_prefix vra",
            "random_seed 42", "reload_check_config /tmp/check.log", "include_check match",
            "reload_time_file /tmp/reload", "reload_repeat", "reload_file /tmp/reload.file", "data_use_instance",
            "enable_snmp_keepalived", "lvs_process_name ka_lvs", "vrrp_rlimit_rtime 5", "lvs_flush_onstop",
        ]
        let result = ConfigLoader.load(text: "global_defs {\n" + lines.joined(separator: "\n") + "\n}\n")
        #expect(result.gdefsMessages.isEmpty)
        // Keywords without a typed field are kept, with their arguments.
        let kept = result.config.globalDefs.otherKeywords
        #expect(kept.contains { $0.keyword == "nftables" && $0.arguments == ["keepalived"] && $0.location.line == lines.firstIndex(of: "nftables keepalived")! + 2 })
        #expect(kept.contains { $0.keyword == "umask" })
        #expect(!kept.contains { $0.keyword == "router_id" })
    }

    @Test func topLevelKeywordsAreUnknownInsideGlobalDefs() {
        // keepalived 2.2.7 reports these as unknown inside global_defs (they are top-level keywords).
        let result = gdefsLoad("net_namespace blue", "instance one", "use_pid_dir", "linkbeat_use_polling",
                             "child_wait_time 5", "no_such_keyword")
        #expect(result.gdefsMessages == [
            "warning 2: Unknown keyword 'net_namespace'", "warning 3: Unknown keyword 'instance'",
            "warning 4: Unknown keyword 'use_pid_dir'", "warning 5: Unknown keyword 'linkbeat_use_polling'",
            "warning 6: Unknown keyword 'child_wait_time'", "warning 7: Unknown keyword 'no_such_keyword'",
        ])
    }

    @Test func firewallKeywordsAreRecognisedButReported() {
        // Debian's keepalived 2.2.7 has no iptables/ipset support: both are config errors there.
        let result = gdefsLoad("vrrp_iptables keepalived_in keepalived_out", "vrrp_ipsets keepalived")
        #expect(result.config.globalDefs.otherKeywords.map(\.keyword) == ["vrrp_iptables", "vrrp_ipsets"])
        #expect(result.diagnostics.items.map(\.severity) == [.warning, .warning])
        #expect(!result.gdefsMessages.contains { $0.contains("Unknown keyword") })
    }

    @Test func otherKeywordsAreValidatedLikeKeepalived() {
        let result = gdefsLoad("vrrp_rt_priority 0", "umask bogus", "include_check readable", "vrrp_cpu_affinity",
                             "vrrp_netlink_cmd_rcv_bufs", "rs_init_notifies 1", "snmp_socket", "vrrp_rx_bufs_policy bogus",
                             "umask 0999", "vmac_prefix")
        #expect(result.config.globalDefs.otherKeywords.isEmpty)
        #expect(result.gdefsMessages == [
            "error 2: number '0' outside range [1, 99]",
            "error 3: Unknown umask bit bogus",
            "error 4: Unknown include_check type 'readable' - ignoring",
            "error 5: No vrrp cpu_id set specified",
            "error 6: vrrp_netlink_cmd_rcv_bufs size missing",
            "error 7: Invalid value '1' for global rs_init_notifies specified",
            "error 8: SNMP error : snmp socket name missing",
            "error 9: invalid number 'bogus'",
            "error 9: Invalid vrrp_rx_bufs_policy bogus",
            "error 10: invalid umask value 0999",
            "error 11: Configuration line starting `vmac_prefix` is missing a parameter after keyword `vmac_prefix` at word position 2",
        ])
    }

    @Test func deprecatedVMACGarpIntervalStillSetsTheValue() {
        let result = gdefsLoad("vrrp_vmac_garp_intvl 30")
        #expect(result.config.globalDefs.vrrpGarpExtraInterfaces == GarpExtraInterfaces(interval: 30, allInterfaces: false))
        #expect(result.gdefsMessages == ["warning 2: Keyword \"vrrp_vmac_garp_intvl\" is deprecated - please use \"vrrp_garp_extra_if\""])
    }
}
