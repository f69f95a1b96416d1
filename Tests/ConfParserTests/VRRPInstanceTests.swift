import Testing
@testable import ConfParser

/// Helpers shared by the VRRP test suites.
enum VRRPTest {
    /// A vrrp_instance VI_1 on eth0 with VRID 51 and one VIP (lines 1-6), then `body` from line 7.
    static func instance(_ body: String, name: String = "VI_1") -> String {
        """
        vrrp_instance \(name) {
            interface eth0
            virtual_router_id 51
            virtual_ipaddress {
                10.0.0.1
            }
        \(body)
        }

        """
    }

    static func load(_ text: String) -> LoadResult { ConfigLoader.load(text: text) }

    /// The only instance of `text`.
    static func first(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> (VRRPInstance, LoadResult) {
        let result = load(text)
        guard let instance = result.config.vrrpInstances.first else {
            Issue.record("no vrrp_instance in result: \(result.diagnostics.items)", sourceLocation: sourceLocation)
            return (VRRPInstance(name: "missing", location: ConfParser.SourceLocation(file: "", line: 0)), result)
        }
        return (instance, result)
    }

    /// Messages reported at `.warning` or above (what makes `-t` fail).
    static func problems(_ result: LoadResult) -> [String] {
        result.diagnostics.atLeast(.warning).map(\.message)
    }

    /// The diagnostic whose message is `message`.
    static func diagnostic(_ result: LoadResult, _ message: String) -> Diagnostic? {
        result.diagnostics.items.first { $0.message == message }
    }
}

@Suite("VRRP instance keywords")
struct VRRPInstanceTests {
    @Test func minimalInstanceIsClean() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance(""))
        #expect(result.diagnostics.items.isEmpty)
        #expect(result.status == .ok)
        #expect(vrrp.name == "VI_1")
        #expect(vrrp.interface == "eth0")
        #expect(vrrp.virtualRouterID == 51)
        #expect(vrrp.$virtualRouterID.location?.line == 3)
        #expect(vrrp.virtualAddresses.map(\.address.description) == ["10.0.0.1"])
        #expect(vrrp.location.line == 1)
    }

    @Test func interfaceIsRecordedForHostChecks() {
        let result = VRRPTest.load(VRRPTest.instance(""))
        #expect(result.interfaces.contains(NamedReference(name: "eth0", location: ConfParser.SourceLocation(file: "keepalived.conf", line: 2),
                                                          what: "vrrp_instance VI_1")))
    }

    @Test func typedProtocolValues() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("""
            state BACKUP
            priority 150
            advert_int 3
            version 3
            preempt_delay 2.5
            preempt
            down_timer_adverts 5
            debug 2
            kernel_rx_buf_size 65536
            no_accept
            dont_track_primary
            skip_check_adv_addr off
            lower_prio_no_advert yes
            higher_prio_send_advert
        """))
        #expect(VRRPTest.problems(result).isEmpty)
        #expect(vrrp.state == .backup)
        #expect(vrrp.priority == 150)
        #expect(vrrp.$priority.location?.line == 8)
        #expect(vrrp.advertInterval == 3)
        #expect(vrrp.version == 3)
        #expect(vrrp.preemptDelay == 2.5)
        #expect(!vrrp.nopreempt)
        #expect(vrrp.$nopreempt.location?.line == 12)
        #expect(vrrp.downTimerAdverts == 5)
        #expect(vrrp.debug == 2)
        #expect(vrrp.kernelReceiveBufferSize == 65536)
        #expect(!vrrp.accept)
        #expect(vrrp.dontTrackPrimary)
        #expect(!vrrp.skipCheckAdvertAddresses)
        #expect(vrrp.lowerPriorityNoAdvert)
        #expect(vrrp.higherPrioritySendAdvert)
    }

    @Test(arguments: [
        ("priority 0", "(VI_1) Priority '0' not valid! must be between 1 & 255. Using default 100"),
        ("priority 256", "(VI_1) Priority '256' not valid! must be between 1 & 255. Using default 100"),
        ("advert_int 0", "(VI_1) Advert interval (0) not valid! Must be > 0 - ignoring"),
        ("advert_int 300", "(VI_1) Advert interval (300) not valid! Must be > 0 - ignoring"),
        ("version 4", "(VI_1): Version must be either 2 or 3"),
        ("preempt_delay 2000", "(VI_1) Preempt_delay not valid! must be between 0-1000"),
        ("state master", "(VI_1) unknown state 'master', defaulting to BACKUP"),
        ("down_timer_adverts 200", "(VI_1): Invalid down_timer_adverts [1:100] '200'"),
        ("debug 5", "(VI_1) Debug value '5' not valid; must be between 0-4"),
        ("unicast_ttl 300", "(VI_1): TTL '300' not valid - must be between 0 & 255"),
        ("kernel_rx_buf_size abc", "(VI_1) invalid kernel_rx_buf_size specified"),
        ("lower_prio_no_advert maybe", "(VI_1) invalid lower_prio_no_advert maybe specified"),
        ("strict_mode maybe", "(VI_1) invalid strict_mode maybe specified"),
        ("smtp_alert x", "Invalid vrrp_instance smtp_alert parameter x"),
        ("garp_master_delay -1", "(VI_1): garp_master_delay '-1' invalid - ignoring"),
        ("garp_master_delay 1.5", "(VI_1): garp_master_delay '1.5' invalid - ignoring"),
        ("garp_master_refresh -5", "(VI_1): Invalid garp_master_refresh '-5' - ignoring"),
        ("garp_master_repeat 0", "(VI_1): garp_master_repeat must be greater than 0, setting to 1"),
        ("garp_master_refresh_repeat 0", "(VI_1): garp_master_refresh_repeat must be greater than 0, setting to 1"),
        ("linkbeat_use_polling", "(VI_1) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block"),
        ("frobnicate 1", "Unknown keyword 'frobnicate'"),
        ("mcast_dst_ip 10.0.0.1", "(VI_1) mcast_dst_ip 10.0.0.1 not multicast. Skipping..."),
        ("mcast_src_ip 10.0.0.500", "Configuration error: VRRP instance[VI_1] malformed src address[10.0.0.500]. Skipping..."),
        ("use_vmac vrrp51 00:00:5e:00:01:33", "VMAC MAC address not allowed to be RFC5798 address (00:00:5e:00:01:33) - ignoring"),
    ])
    func rejectedValuesAreErrorsOnTheirLine(statement: String, message: String) {
        let result = VRRPTest.load(VRRPTest.instance("    " + statement))
        let found = VRRPTest.diagnostic(result, message)
        #expect(found != nil, "got \(result.diagnostics.items)")
        #expect(found?.severity == .error || found?.severity == .warning)
        #expect(found?.location?.line == 7)
        #expect(result.status == .errors)
    }

    @Test func rejectedValueKeepsTheDefault() {
        let (vrrp, _) = VRRPTest.first(VRRPTest.instance("    advert_int 0\n    garp_master_repeat 0\n    debug 9"))
        #expect(vrrp.advertInterval == 1)
        #expect(vrrp.garpMasterRepeat == 1)  // keepalived: "setting to 1"
        #expect(vrrp.debug == 0)
    }

    @Test func duplicateInstanceNameIsRejected() {
        let text = VRRPTest.instance("") + VRRPTest.instance("")
        let result = VRRPTest.load(text)
        #expect(result.config.vrrpInstances.count == 1)
        #expect(VRRPTest.diagnostic(result, "vrrp instance VI_1 already defined")?.location?.line == 9)
    }

    @Test func authenticationBlock() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("""
            authentication {
                auth_type PASS
                auth_pass secret
            }
        """))
        #expect(VRRPTest.problems(result).isEmpty)
        #expect(vrrp.authentication?.type == .pass)
        #expect(vrrp.authentication?.password == "secret")
        #expect(vrrp.authentication?.location.line == 7)
    }

    @Test func authPassIsTruncatedToEightBytes() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("""
            authentication {
                auth_type PASS
                auth_pass 123456789012
            }
        """))
        #expect(vrrp.authentication?.password == "12345678")
        let found = VRRPTest.diagnostic(result, "Truncating auth_pass to 8 characters")
        #expect(found?.severity == .error)
        #expect(found?.location?.line == 9)
    }

    @Test func unknownAuthTypeIsCaseSensitive() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("""
            authentication {
                auth_type pass
                auth_pass 1234
            }
        """))
        #expect(VRRPTest.diagnostic(result, "(VI_1) unknown authentication type 'pass'") != nil)
        #expect(vrrp.authentication == nil)  // auth_pass without a type authenticates nothing
    }

    @Test func notifyScriptsAreTypedAndRecorded() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("""
            notify_master /etc/keepalived/master.sh
            notify_backup "/etc/keepalived/state.sh BACKUP" root wheel
            notify_fault /bin/fault.sh nobody
            notify_stop /bin/stop.sh
            notify /bin/any.sh
            notify_master_rx_lower_pri /bin/lower.sh
            notify_deleted
        """))
        #expect(VRRPTest.problems(result).isEmpty)
        #expect(vrrp.notify.master?.command == "/etc/keepalived/master.sh")
        #expect(vrrp.notify.backup?.command == "/etc/keepalived/state.sh BACKUP")
        #expect(vrrp.notify.backup?.user == "root")
        #expect(vrrp.notify.backup?.group == "wheel")
        #expect(vrrp.notify.fault?.user == "nobody")
        #expect(vrrp.notify.fault?.group == nil)
        #expect(vrrp.notify.stop?.command == "/bin/stop.sh")
        #expect(vrrp.notify.any?.command == "/bin/any.sh")
        #expect(vrrp.notify.masterRxLowerPriority?.location.line == 12)
        #expect(vrrp.notify.reportDeleted)
        #expect(vrrp.notify.deleted == nil)
        #expect(result.scripts.map(\.what) == ["notify_master", "notify_backup", "notify_fault", "notify_stop", "notify",
                                               "notify_master_rx_lower_pri"])
        #expect(result.scripts[1].name == "/etc/keepalived/state.sh BACKUP")
    }

    @Test func secondNotifyScriptIsIgnored() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("    notify_master /bin/true\n    notify_master /bin/false"))
        #expect(vrrp.notify.master?.command == "/bin/true")
        #expect(VRRPTest.diagnostic(result, "(VI_1) notify_master script already specified - ignoring /bin/false")?.location?.line == 8)
    }

    @Test func lvsSyncDaemonInterfaceIsDeprecatedAsKeepalivedSaysIt() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("    lvs_sync_daemon_interface eth1"))
        #expect(vrrp.lvsSyncDaemonInterface == "eth1")
        let messages = result.diagnostics.items.map(\.description)
        #expect(messages.contains("(keepalived.conf: Line 7) (VI_1) Specifying lvs_sync_daemon_interface against a vrrp is deprecated."))
        #expect(messages.contains("(keepalived.conf: Line 7)         Please use global lvs_sync_daemon"))
        #expect(result.status == .errors)
    }

    @Test func recognisedKeywordsAreKeptVerbatim() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("    garp_extra_if all 100\n    use_ipvlan"))
        #expect(VRRPTest.problems(result).isEmpty)
        #expect(vrrp.otherKeywords.map(\.keyword) == ["garp_extra_if", "use_ipvlan"])
        #expect(vrrp.otherKeywords.first?.arguments == ["all", "100"])
    }

    @Test func vmacSettings() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("    use_vmac vrrp.51 02:00:00:00:00:01\n    vmac_xmit_base"))
        #expect(VRRPTest.problems(result).isEmpty)
        #expect(vrrp.useVMAC == VMACSettings(name: "vrrp.51", mac: "02:00:00:00:00:01"))
        #expect(vrrp.vmacTransmitBase)
        let (plain, _) = VRRPTest.first(VRRPTest.instance("    use_vmac"))
        #expect(plain.useVMAC == VMACSettings())
    }

    @Test func unicastPeers() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("""
            unicast_src_ip 10.0.0.5
            unicast_ttl 10
            unicast_peer {
                10.0.0.6
                10.0.0.7 min_ttl 3 max_ttl 200
            }
        """))
        #expect(VRRPTest.problems(result).isEmpty)
        #expect(vrrp.unicastSourceIP == IPAddress("10.0.0.5"))
        #expect(vrrp.unicastTTL == 10)
        #expect(vrrp.isUnicast)
        #expect(vrrp.unicastPeers.map(\.address.description) == ["10.0.0.6", "10.0.0.7"])
        #expect(vrrp.unicastPeers[1].minTTL == 3)
        #expect(vrrp.unicastPeers[1].maxTTL == 200)
        #expect(vrrp.unicastPeers[1].location.line == 11)
        #expect(vrrp.checkUnicastSource)  // min_ttl / max_ttl turn it on
    }

    @Test func badUnicastPeers() {
        let result = VRRPTest.load(VRRPTest.instance("""
            unicast_peer {
                10.0.0.600
                10.0.0.7 min_ttl 10 max_ttl 5
                10.0.0.8 min_ttl
                2001:db8::1
            }
        """))
        let peers = result.config.vrrpInstances.first?.unicastPeers.map(\.address.description)
        #expect(peers == ["10.0.0.7", "10.0.0.8"])
        #expect(VRRPTest.diagnostic(result, "Configuration error: VRRP instance[VI_1] malformed unicast peer address[10.0.0.600]. Skipping...")?.location?.line == 8)
        #expect(VRRPTest.diagnostic(result, "(VI_1) min_ttl 10 > max_ttl 5 - all packets will be discarded")?.location?.line == 9)
        #expect(VRRPTest.diagnostic(result, "(VI_1) min_ttl is missing a value")?.location?.line == 10)
        #expect(VRRPTest.diagnostic(result, "Configuration error: VRRP instance[VI_1] and unicast peer address[2001:db8::1] MUST be of the same family !!! Skipping...") != nil)
    }

    @Test func firstAddressDecidesTheFamily() {
        let result = VRRPTest.load("""
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            mcast_src_ip 2001:db8::5
            virtual_ipaddress {
                10.0.0.1
                2001:db8::1
            }
        }
        """)
        let vrrp = result.config.vrrpInstances.first
        #expect(vrrp?.family == .ipv6)
        #expect(vrrp?.version == 3)
        #expect(vrrp?.virtualAddresses.map(\.address.description) == ["2001:db8::1"])
        #expect(VRRPTest.diagnostic(result, "(VI_1): address family must match VRRP instance [10.0.0.1] - ignoring")?.location?.line == 6)
    }

    @Test func excludedAddressesMayMixFamilies() {
        let (vrrp, result) = VRRPTest.first(VRRPTest.instance("""
            virtual_ipaddress_excluded {
                2001:db8::1
                10.0.0.5/24 dev eth1
            }
        """))
        #expect(VRRPTest.problems(result).isEmpty)
        #expect(vrrp.excludedAddresses.map(\.text) == ["2001:db8::1", "10.0.0.5/24"])
        #expect(vrrp.family == .ipv4)
    }

    @Test func versionTwoAfterAnIPv6AddressIsIgnored() {
        let result = VRRPTest.load("""
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            virtual_ipaddress {
                2001:db8::1
            }
            version 2
        }
        """)
        #expect(result.config.vrrpInstances.first?.version == 3)
        #expect(VRRPTest.diagnostic(result, "(VI_1) vrrp_version 2 conflicts with configured or deduced version 3; ignoring.")?.location?.line == 7)
    }

    @Test func vrfAndInterfaceConflict() {
        let result = VRRPTest.load(VRRPTest.instance("    vrf blue"))
        #expect(VRRPTest.diagnostic(result, "(VI_1) Cannot specify VRF interface and interface - ignoring")?.location?.line == 7)
    }
}
