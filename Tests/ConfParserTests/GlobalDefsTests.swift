import Foundation
import Testing
@testable import ConfParser

/// Loads `global_defs { LINES }` (line 1 is `global_defs {`, so LINES start at line 2).
func gdefsLoad(_ lines: String...) -> LoadResult {
    ConfigLoader.load(text: "global_defs {\n" + lines.joined(separator: "\n") + "\n}\n")
}

extension LoadResult {
    /// "severity line: message" for every diagnostic, for compact expectations.
    var gdefsMessages: [String] {
        diagnostics.items.map { "\($0.severity) \($0.location?.line ?? 0): \($0.message)" }
    }
}

@Suite struct GlobalDefsTests {
    @Test func defaultsWithoutGlobalDefs() {
        let result = ConfigLoader.load(text: "")
        let defs = result.config.globalDefs
        #expect(defs.location == nil)
        #expect(defs.routerID == nil)
        #expect(defs.smtpServer == nil)
        #expect(defs.smtpConnectTimeout == 30)
        #expect(defs.vrrpMcastGroup4 == IPAddress("224.0.0.18"))
        #expect(defs.vrrpMcastGroup6 == IPAddress("ff02::12"))
        #expect(defs.vrrpGarpMasterDelay == 5)
        #expect(defs.vrrpGarpMasterRepeat == 5)
        #expect(defs.vrrpGarpMasterRefresh == 0)
        #expect(defs.vrrpGarpMasterRefreshRepeat == 1)
        #expect(defs.vrrpGarpLowerPrioDelay == 5)
        #expect(defs.vrrpGarpLowerPrioRepeat == 5)
        #expect(defs.vrrpGarpInterval == 0)
        #expect(defs.vrrpVersion == 2)
        #expect(defs.vrrpDownTimerAdverts == 3)
        #expect(defs.defaultInterface == "eth0")
        #expect(defs.lvsFlushOnStop == .disabled)
        #expect(defs.dynamicInterfaces == .off)
        #expect(defs.maxAutoPriority == 0)
        #expect(!defs.enableScriptSecurity)
        #expect(defs.$smtpConnectTimeout.location == nil)
        #expect(result.diagnostics.items.isEmpty)
    }

    @Test func identityAndMailSettingsAreTypedWithTheirLines() {
        let result = gdefsLoad(
            "router_id LVS_DEVEL",
            "notification_email {",
            "  a@example.com b@example.com",
            "  c@example.com",
            "}",
            "notification_email_from keepalived@example.com",
            "smtp_server 192.0.2.25 587",
            "smtp_helo_name lb1.example.com",
            "smtp_connect_timeout 12",
            "smtp_alert off",
            "smtp_alert_vrrp",
            "smtp_alert_checker yes",
            "notification_email {",
            "  d@example.com",
            "}")
        let defs = result.config.globalDefs
        #expect(result.gdefsMessages.isEmpty)
        #expect(defs.location?.line == 1)
        #expect(defs.routerID == "LVS_DEVEL")
        #expect(defs.$routerID.location?.line == 2)
        #expect(defs.notificationEmail == ["a@example.com", "b@example.com", "c@example.com", "d@example.com"])
        #expect(defs.notificationEmailFrom == "keepalived@example.com")
        #expect(defs.smtpServer == SMTPServer(host: "192.0.2.25", address: IPAddress("192.0.2.25"), port: 587))
        #expect(defs.$smtpServer.location?.line == 8)
        #expect(defs.smtpHeloName == "lb1.example.com")
        #expect(defs.smtpConnectTimeout == 12)
        #expect(defs.smtpAlert == false)
        #expect(defs.smtpAlertVRRP == true)
        #expect(defs.smtpAlertChecker == true)
    }

    @Test func smtpServerDefaultsToPort25AndTakesHostNames() {
        let defs = gdefsLoad("smtp_server mail.example.com").config.globalDefs
        #expect(defs.smtpServer == SMTPServer(host: "mail.example.com", address: nil, port: 25))
        let v6 = gdefsLoad("smtp_server 2001:db8::25").config.globalDefs
        #expect(v6.smtpServer?.address == IPAddress("2001:db8::25"))
        #expect(v6.smtpServer?.port == 25)
    }

    @Test func badSMTPValuesAreRejected() {
        let result = gdefsLoad("smtp_server 192.0.2.25 0", "smtp_connect_timeout 0", "smtp_connect_timeout 5000",
                             "smtp_alert maybe", "smtp_alert On", "router_id", "notification_email {", "}")
        #expect(result.config.globalDefs.smtpServer == nil)
        #expect(result.config.globalDefs.smtpConnectTimeout == 1)
        #expect(result.config.globalDefs.smtpAlert == nil)
        #expect(result.gdefsMessages == [
            "error 2: number '0' outside range [1, 65535]",
            "warning 3: smtp_connect_timeout must be greater than 0, setting to 1",
            "error 4: number '5000' outside range [0, 4294]",
            "error 5: Invalid value 'maybe' for global smtp_alert specified",
            "error 6: Invalid value 'On' for global smtp_alert specified",
            "error 7: routerid name missing - ignoring",
            "warning 8: Warning - empty notification_email block",
        ])
        #expect(result.status == .errors)
    }

    @Test func lvsSettings() {
        let defs = gdefsLoad("lvs_timeouts tcp 900 tcpfin 120 udp 300", "lvs_flush", "lvs_flush_on_stop VS",
                           "lvs_sync_daemon eth1 inst VI_1 id 5 maxlen 1400 port 8849 ttl 2 group 224.0.0.81").config.globalDefs
        #expect(defs.lvsTimeouts == LVSTimeouts(tcp: 900, tcpFin: 120, udp: 300))
        #expect(defs.lvsFlush)
        #expect(defs.lvsFlushOnStop == .virtualServers)
        var daemon = LVSSyncDaemon(interface: "eth1")
        daemon.instance = "VI_1"
        daemon.syncID = 5
        daemon.maxLength = 1400
        daemon.port = 8849
        daemon.ttl = 2
        daemon.group = IPAddress("224.0.0.81")
        #expect(defs.lvsSyncDaemon == daemon)
        #expect(defs.$lvsSyncDaemon.location?.line == 5)
        #expect(gdefsLoad("lvs_flush_on_stop").config.globalDefs.lvsFlushOnStop == .all)
        #expect(gdefsLoad("lvs_flush_onstop").config.globalDefs.lvsFlushOnStop == .all)
    }

    @Test func lvsSyncDaemonShortFormsAndErrors() {
        let plain = gdefsLoad("lvs_sync_daemon eth0").config.globalDefs.lvsSyncDaemon
        #expect(plain?.interface == "eth0")
        #expect(plain?.instance == nil)
        #expect(plain?.syncID == nil)
        let old = gdefsLoad("lvs_sync_daemon eth0 VI_1 7")
        #expect(old.config.globalDefs.lvsSyncDaemon?.instance == "VI_1")
        #expect(old.config.globalDefs.lvsSyncDaemon?.syncID == 7)
        #expect(old.gdefsMessages == ["warning 2: Please use keyword \"id\" before lvs_sync_daemon SYNCID"])
        let bad = gdefsLoad("lvs_sync_daemon eth0 VI_1 ttl 0 group 10.0.0.1 foo", "lvs_sync_daemon")
        #expect(bad.config.globalDefs.lvsSyncDaemon?.ttl == nil)
        #expect(bad.config.globalDefs.lvsSyncDaemon?.group == nil)
        #expect(bad.gdefsMessages == [
            "error 2: number '0' outside range [1, 255]",
            "error 2: lvs_sync_daemon group address 10.0.0.1 is not multicast - ignoring",
            "error 2: Unknown option foo specified for lvs_sync_daemon",
            "error 3: lvs_sync_daemon has already been specified as eth0 VI_1 - ignoring",
        ])
        #expect(gdefsLoad("lvs_sync_daemon").gdefsMessages == ["error 2: lvs_sync_daemon requires interface"])
    }

    @Test func lvsTimeoutErrors() {
        let result = gdefsLoad("lvs_timeouts tcp", "lvs_timeouts foo 5 udp 99999999", "lvs_timeouts udp 5 tcp")
        #expect(result.config.globalDefs.lvsTimeouts == LVSTimeouts(udp: 5))
        #expect(result.gdefsMessages == [
            "error 2: lvs_timeouts requires at least one option",
            "error 3: Unknown option foo specified for lvs_timeouts",
            "error 3: Unknown option 5 specified for lvs_timeouts",
            "error 3: number '99999999' outside range [0, 2678400]",
            "error 4: No value specified for lvs_timeout tcp - ignoring",
        ])
        #expect(gdefsLoad("lvs_flush_on_stop vs").gdefsMessages == ["error 2: Unknown lvs_flush_on_stop type vs"])
    }

    @Test func multicastGroupsMustBeMulticastOfTheirFamily() {
        let good = gdefsLoad("vrrp_mcast_group4 224.0.0.19", "vrrp_mcast_group6 ff02::13").config.globalDefs
        #expect(good.vrrpMcastGroup4 == IPAddress("224.0.0.19"))
        #expect(good.vrrpMcastGroup6 == IPAddress("ff02::13"))
        let bad = gdefsLoad("vrrp_mcast_group4 10.0.0.1", "vrrp_mcast_group4 ff02::12", "vrrp_mcast_group6 fe80::1",
                          "vrrp_mcast_group6 nonsense")
        #expect(bad.config.globalDefs.vrrpMcastGroup4 == IPAddress("224.0.0.18"))
        #expect(bad.config.globalDefs.vrrpMcastGroup6 == IPAddress("ff02::12"))
        #expect(bad.gdefsMessages == [
            "error 2: vrrp_mcast_group4 [10.0.0.1] is not multicast. Skipping",
            "error 3: vrrp_mcast_group4 [ff02::12] is not IPv4. Skipping",
            "error 4: vrrp_mcast_group6 [fe80::1] is not multicast. Skipping",
            "error 5: Can't parse vrrp_mcast_group6 [nonsense]. Skipping",
        ])
    }

    @Test func gratuitousARPSettings() {
        let defs = gdefsLoad("vrrp_garp_master_delay 10", "vrrp_garp_master_repeat 3", "vrrp_garp_master_refresh 60",
                           "vrrp_garp_master_refresh_repeat 2", "vrrp_garp_interval 0.001", "vrrp_gna_interval 0.000001",
                           "vrrp_garp_extra_if all 100", "vrrp_down_timer_adverts 5").config.globalDefs
        #expect(defs.vrrpGarpMasterDelay == 10)
        #expect(defs.vrrpGarpMasterRepeat == 3)
        #expect(defs.vrrpGarpMasterRefresh == 60)
        #expect(defs.vrrpGarpMasterRefreshRepeat == 2)
        #expect(defs.vrrpGarpInterval == 0.001)
        #expect(defs.vrrpGnaInterval == 0.000001)
        #expect(defs.vrrpGarpExtraInterfaces == GarpExtraInterfaces(interval: 100, allInterfaces: true))
        #expect(defs.vrrpDownTimerAdverts == 5)
        // The lower-priority values default to the master ones (completion rule).
        #expect(defs.vrrpGarpLowerPrioDelay == 10)
        #expect(defs.vrrpGarpLowerPrioRepeat == 3)
        #expect(defs.$vrrpGarpLowerPrioDelay.location == nil)
        let explicit = gdefsLoad("vrrp_garp_master_delay 10", "vrrp_garp_lower_prio_delay 2",
                               "vrrp_garp_lower_prio_repeat 0").config.globalDefs
        #expect(explicit.vrrpGarpLowerPrioDelay == 2)
        #expect(explicit.vrrpGarpLowerPrioRepeat == 0)
    }

    @Test func gratuitousARPErrorsMatchKeepalived() {
        let result = gdefsLoad("vrrp_garp_interval 0", "vrrp_garp_master_repeat 0", "vrrp_garp_master_delay 1.5",
                             "vrrp_gna_interval 5000", "vrrp_garp_extra_if all", "vrrp_garp_master_refresh_repeat 0")
        let defs = result.config.globalDefs
        #expect(defs.vrrpGarpInterval == 0)
        #expect(defs.vrrpGarpMasterRepeat == 1)
        #expect(defs.vrrpGarpMasterDelay == 5)
        #expect(defs.vrrpGarpMasterRefreshRepeat == 1)
        #expect(result.gdefsMessages == [
            "error 2: number '0' outside range [0.000001, 4294.967295]",
            "warning 3: vrrp_garp_master_repeat must be greater than 0, setting to 1",
            "error 4: invalid number '1.5'",
            "error 5: number '5000' outside range [0.000001, 4294.967295]",
            "error 6: vrrp_garp_extra_if specified without time - ignoring",
            "warning 7: vrrp_garp_master_refresh_repeat must be greater than 0, setting to 1",
        ])
        // keepalived 2.2.7 rejects `vrrp_garp_interval 0` (exit 5), so the config test fails.
        #expect(result.status == .errors)
    }

    @Test func minGarpChangesTheDefaultsOnly() {
        let defs = gdefsLoad("vrrp_min_garp").config.globalDefs
        #expect(defs.vrrpMinGarp)
        #expect(defs.vrrpGarpMasterDelay == 0)
        #expect(defs.vrrpGarpMasterRepeat == 1)
        #expect(defs.vrrpGarpMasterRefreshRepeat == 0)
        #expect(defs.vrrpGarpLowerPrioDelay == 0)
        #expect(defs.vrrpGarpLowerPrioRepeat == 1)
        let explicit = gdefsLoad("vrrp_garp_master_repeat 3", "vrrp_min_garp true").config.globalDefs
        #expect(explicit.vrrpGarpMasterRepeat == 3)
        #expect(explicit.vrrpGarpLowerPrioRepeat == 3)
        #expect(gdefsLoad("vrrp_min_garp false").config.globalDefs.vrrpGarpMasterRepeat == 5)
        #expect(gdefsLoad("vrrp_min_garp 1").gdefsMessages == ["error 2: Invalid value for vrrp_min_garp specified"])
    }

    @Test func vrrpFlagsVersionAndProcessSettings() {
        let result = gdefsLoad("vrrp_lower_prio_no_advert", "vrrp_higher_prio_send_advert false", "vrrp_version 3",
                             "vrrp_check_unicast_src", "vrrp_skip_check_adv_addr", "vrrp_strict", "vrrp_priority -20",
                             "checker_priority 19", "vrrp_no_swap", "checker_no_swap", "max_auto_priority",
                             "dynamic_interfaces allow_if_changes", "default_interface eth1", "vrrp_startup_delay 5.5")
        let defs = result.config.globalDefs
        #expect(result.gdefsMessages.isEmpty)
        #expect(defs.vrrpLowerPrioNoAdvert)
        #expect(!defs.vrrpHigherPrioSendAdvert)
        #expect(defs.$vrrpHigherPrioSendAdvert.location?.line == 3)
        #expect(defs.vrrpVersion == 3)
        #expect(defs.vrrpCheckUnicastSrc && defs.vrrpSkipCheckAdvAddr && defs.vrrpStrict)
        #expect(defs.vrrpPriority == -20)
        #expect(defs.checkerPriority == 19)
        #expect(defs.vrrpNoSwap && defs.checkerNoSwap)
        #expect(defs.maxAutoPriority == 99)
        #expect(defs.dynamicInterfaces == .allowIfChanges)
        #expect(defs.defaultInterface == "eth1")
        #expect(defs.vrrpStartupDelay == 5.5)
        #expect(gdefsLoad("dynamic_interfaces").config.globalDefs.dynamicInterfaces == .on)
        #expect(gdefsLoad("max_auto_priority -1").config.globalDefs.maxAutoPriority == -1)
    }

    @Test func vrrpRangeErrors() {
        let result = gdefsLoad("vrrp_version 4", "vrrp_priority 20", "checker_priority abc", "max_auto_priority 100",
                             "vrrp_lower_prio_no_advert maybe", "vrrp_version", "dynamic_interfaces 1")
        let defs = result.config.globalDefs
        #expect(defs.vrrpVersion == 2)
        #expect(defs.vrrpPriority == 0)
        #expect(defs.maxAutoPriority == 0)
        #expect(result.gdefsMessages == [
            "error 2: number '4' outside range [2, 3]",
            "error 3: number '20' outside range [-20, 19]",
            "error 4: invalid number 'abc'",
            "error 5: number '100' outside range [-1, 99]",
            "error 6: Invalid value for vrrp_lower_prio_no_advert specified",
            "error 7: vrrp_version: missing number",
            "error 8: Unknown dynamic_interfaces option '1'",
        ])
    }

    @Test func scriptsUsersAndFIFOs() {
        let result = gdefsLoad("script_user root root", "enable_script_security",
                             "startup_script /usr/local/bin/up.sh nobody", "startup_script_timeout 20",
                             "shutdown_script /usr/local/bin/down.sh", "notify_fifo /run/k.fifo root",
                             "notify_fifo_script /usr/local/bin/fifo.sh", "vrrp_notify_fifo /run/v.fifo",
                             "lvs_notify_fifo_script /usr/local/bin/lvs.sh root root")
        let defs = result.config.globalDefs
        #expect(result.gdefsMessages.isEmpty)
        #expect(defs.scriptUser == ScriptUser(user: "root", group: "root"))
        #expect(defs.enableScriptSecurity)
        #expect(defs.startupScript == ScriptCommand(command: "/usr/local/bin/up.sh", user: "nobody"))
        #expect(defs.startupScriptTimeout == 20)
        #expect(defs.shutdownScriptTimeout == 10)
        #expect(defs.notifyFifo == NotifyFIFO(path: "/run/k.fifo", user: "root"))
        #expect(defs.notifyFifoScript == ScriptCommand(command: "/usr/local/bin/fifo.sh"))
        #expect(defs.vrrpNotifyFifo?.path == "/run/v.fifo")
        #expect(defs.lvsNotifyFifo == nil)
        #expect(defs.lvsNotifyFifoScript == ScriptCommand(command: "/usr/local/bin/lvs.sh", user: "root", group: "root"))
        #expect(result.scripts.map(\.name) == ["/usr/local/bin/up.sh", "/usr/local/bin/down.sh",
                                               "/usr/local/bin/fifo.sh", "/usr/local/bin/lvs.sh"])
        #expect(result.scripts.map(\.what) == ["startup_script", "shutdown_script", "notify_fifo_script", "lvs_notify_fifo_script"])
    }

    @Test func scriptAndFIFOErrors() {
        let result = gdefsLoad("script_user no_such_user_gdefs", "script_user", "notify_fifo", "vrrp_notify_fifo_script",
                             "startup_script", "startup_script_timeout 0")
        #expect(result.config.globalDefs.scriptUser == nil)
        #expect(result.config.globalDefs.startupScriptTimeout == 10)
        #expect(result.gdefsMessages == [
            "error 2: Error setting global script uid/gid",
            "error 3: No script username specified",
            "error 4: No notify_fifo name specified",
            "error 5: No vrrp_notify_fifo_script specified",
            "error 6: startup script missing",
            "error 7: number '0' outside range [1, 1000]",
        ])
    }

    @Test func processNames() {
        let named = gdefsLoad("vrrp_process_name my_vrrp", "process_names", "bfd_process_name my_bfd").config.globalDefs
        #expect(named.processNames == ProcessNames(main: "keepalived", vrrp: "my_vrrp", checker: "keepalived_ipvs", bfd: "my_bfd"))
        let single = gdefsLoad("lvs_process_name my_lvs").config.globalDefs
        #expect(single.processNames == ProcessNames(checker: "my_lvs"))
    }

    @Test func laterBlocksOverrideEarlierValues() {
        let result = ConfigLoader.load(text: "global_defs {\n router_id a\n}\nglobal_defs {\n router_id b\n}\n")
        #expect(result.config.globalDefs.routerID == "b")
        #expect(result.config.globalDefs.$routerID.location?.line == 5)
        #expect(result.config.globalDefs.location?.line == 1)
    }

    @Test func encodesAsPlainValues() throws {
        let defs = gdefsLoad("router_id r1", "smtp_server 10.0.0.1", "lvs_flush_on_stop VS").config.globalDefs
        let data = try JSONEncoder().encode(defs)
        let json = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["routerID"] as? String == "r1")
        #expect(json["lvsFlushOnStop"] as? String == "VS")
        #expect(json["vrrpMcastGroup4"] as? String == "224.0.0.18")
        #expect((json["smtpServer"] as? [String: Any])?["port"] as? Int == 25)
    }
}
