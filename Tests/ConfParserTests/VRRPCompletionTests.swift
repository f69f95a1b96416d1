import Testing
@testable import ConfParser

@Suite("VRRP completion rules")
struct VRRPCompletionTests {
    /// Loads VI_1 with `body` and returns it with the messages that make `-t` fail.
    func complete(_ body: String, globals: String = "") -> (VRRPInstance?, [String]) {
        let text = (globals.isEmpty ? "" : "global_defs {\n\(globals)\n}\n") + VRRPTest.instance(body)
        let result = VRRPTest.load(text)
        return (result.config.vrrpInstances.first, VRRPTest.problems(result))
    }

    @Test func defaultsOfAPlainInstance() {
        let (vrrp, problems) = complete("")
        #expect(problems.isEmpty)
        guard let vrrp else { return }
        #expect(vrrp.state == .backup)
        #expect(vrrp.priority == 100)
        #expect(vrrp.$priority.location == nil)
        #expect(vrrp.version == 2)
        #expect(vrrp.family == .ipv4)
        #expect(vrrp.advertInterval == 1)
        #expect(vrrp.accept)
        #expect(!vrrp.strictMode)
        #expect(vrrp.garpMasterDelay == 5)
        #expect(vrrp.garpMasterRepeat == 5)
        #expect(vrrp.garpLowerPriorityDelay == 5)
        #expect(vrrp.garpLowerPriorityRepeat == 5)
        #expect(vrrp.garpMasterRefresh == 0)
        #expect(vrrp.garpMasterRefreshRepeat == 1)
        #expect(vrrp.downTimerAdverts == 3)
        #expect(vrrp.unicastTTL == 255)
        #expect(!vrrp.lowerPriorityNoAdvert)
    }

    @Test func stateMasterWithoutPriorityIsTheOwner() {
        let (vrrp, problems) = complete("    state MASTER")
        #expect(problems.isEmpty)
        #expect(vrrp?.priority == 255)
        #expect(vrrp?.state == .master)
    }

    @Test func priority255WithoutStateStartsMaster() {
        let (vrrp, _) = complete("    priority 255")
        #expect(vrrp?.state == .master)
        let (backup, problems) = complete("    priority 255\n    state BACKUP")
        #expect(backup?.state == .backup)
        #expect(problems.isEmpty)
    }

    @Test func stateMasterWithLowerPriorityIsFineUnlessStrict() {
        let (vrrp, problems) = complete("    state MASTER\n    priority 100")
        #expect(problems.isEmpty)
        #expect(vrrp?.state == .master)
        let (strict, strictProblems) = complete("    state MASTER\n    priority 100\n    strict_mode")
        #expect(strictProblems == ["(VI_1) State MASTER must match being address owner"])
        #expect(strict?.state == .backup)
    }

    @Test(arguments: [
        ("    nopreempt\n    priority 255", "(VI_1) nopreempt is incompatible with priority 255. resetting nopreempt"),
        ("    nopreempt\n    state MASTER", "(VI_1) nopreempt is incompatible with priority 255. resetting nopreempt"),
        ("    nopreempt\n    state MASTER\n    priority 100", "(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing"),
    ])
    func nopreemptIsCleared(body: String, message: String) {
        let (vrrp, problems) = complete(body)
        #expect(problems == [message])
        #expect(vrrp?.nopreempt == false)
    }

    @Test func preemptDelayRules() {
        #expect(complete("    preempt_delay 5\n    state MASTER\n    priority 100").1
                == ["(VI_1) Warning - preempt delay will not work with initial state MASTER - clearing"])
        #expect(complete("    preempt_delay 5\n    strict_mode").1 == ["(VI_1) preempt_delay is incompatible with strict mode - resetting"])
        #expect(complete("    preempt_delay 5\n    nopreempt").1 == ["(VI_1) preempt_delay is incompatible with nopreempt mode - resetting"])
        let (vrrp, problems) = complete("    preempt_delay 4\n    priority 255\n    state BACKUP")
        #expect(problems.isEmpty)
        #expect(vrrp?.preemptDelay == 4)
    }

    @Test func ahWithInitialMasterIsCleared() {
        let auth = "    authentication {\n        auth_type AH\n        auth_pass 1111\n    }\n"
        let (vrrp, problems) = complete(auth + "    state MASTER\n    priority 100")
        #expect(problems == ["(VI_1) Initial state master is incompatible with AH authentication - clearing"])
        #expect(vrrp?.state == .backup)
        #expect(vrrp?.authentication?.type == .ah)
        // The address owner may start as master with AH.
        #expect(complete(auth + "    state MASTER").1.isEmpty)
    }

    @Test func authenticationIsDroppedWhereKeepalivedIgnoresIt() {
        let auth = "    authentication {\n        auth_type PASS\n        auth_pass 1234\n    }\n"
        let (v3, v3Problems) = complete(auth + "    version 3")
        #expect(v3Problems == ["(VI_1) VRRP version 3 does not support authentication. Ignoring."])
        #expect(v3?.authentication == nil)
        #expect(complete(auth + "    strict_mode").1 == ["(VI_1) Strict mode does not support authentication. Ignoring."])
        #expect(complete(auth, globals: "    vrrp_strict").1 == ["(VI_1) Strict mode does not support authentication. Ignoring."])
        #expect(complete(auth, globals: "    vrrp_strict").0?.strictMode == true)
        #expect(complete("    authentication {\n        auth_type PASS\n    }").1 == ["(VI_1) Authentication specified but no password given. Ignoring"])
    }

    @Test func ipv6ForcesVersion3() {
        let result = VRRPTest.load("""
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            version 2
            advert_int 0.5
            authentication {
                auth_type PASS
                auth_pass 1234
            }
            virtual_ipaddress {
                fe80::1
            }
        }
        """)
        let vrrp = result.config.vrrpInstances.first
        #expect(vrrp?.version == 3)
        #expect(vrrp?.advertInterval == 0.5)  // v3 allows centiseconds
        #expect(VRRPTest.problems(result) == ["(VI_1) VRRP version 3 does not support authentication. Ignoring."])
    }

    @Test func globalVersionIsTheDefault() {
        let (vrrp, problems) = complete("    advert_int 0.5", globals: "    vrrp_version 3")
        #expect(problems.isEmpty)
        #expect(vrrp?.version == 3)
    }

    @Test(arguments: [
        ("    advert_int 2.5", 3.0, "(VI_1) VRRPv2 advertisement interval 2.500000s must be an integer. rounding"),
        ("    advert_int 0.3", 1.0, "(VI_1) VRRPv2 advertisement interval 0.300000s must be an integer. rounding"),
        ("    version 3\n    advert_int 1.234", 1.23, "(VI_1) VRRPv3 advertisement interval 1.234000s must be in units of 10ms - rounding"),
        ("    version 3\n    advert_int 50", 40.95, "(VI_1) VRRPv3 advertisement interval 50.00s is out of range. Must be less than 40.96s. Setting to 40.95s"),
    ])
    func advertIntervalRounding(body: String, expected: Double, message: String) {
        let (vrrp, problems) = complete(body)
        #expect(problems == [message])
        #expect(vrrp?.advertInterval == expected)
    }

    @Test func missingRouterIDOrInterfaceDropsTheInstance() {
        let noVRID = VRRPTest.load("vrrp_instance VI_1 {\n    interface eth0\n    virtual_ipaddress {\n        10.0.0.1\n    }\n}\n")
        #expect(noVRID.config.vrrpInstances.isEmpty)
        #expect(VRRPTest.problems(noVRID) == ["(VI_1) the virtual router id must be set"])
        let noInterface = VRRPTest.load("vrrp_instance VI_1 {\n    virtual_router_id 5\n    virtual_ipaddress {\n        10.0.0.1\n    }\n}\n")
        #expect(noInterface.config.vrrpInstances.isEmpty)
        #expect(VRRPTest.problems(noInterface) == ["(VI_1) Unknown interface!"])
        let vrid0 = VRRPTest.load("vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 0\n}\n")
        #expect(VRRPTest.problems(vrid0) == ["(VI_1): VRID '0' not valid - must be between 1 & 255",
                                             "(VI_1) the virtual router id must be set"])
    }

    @Test func unicastInstanceStillNeedsAnInterface() {
        // keepalived 2.2.7 says "Unknown interface!" even with unicast peers and a default route.
        let result = VRRPTest.load("""
        vrrp_instance VI_1 {
            virtual_router_id 5
            unicast_peer {
                10.0.0.2
            }
            virtual_ipaddress {
                10.0.0.1 dev eth0
            }
        }
        """)
        #expect(VRRPTest.problems(result) == ["(VI_1) Unknown interface!"])
        #expect(result.config.vrrpInstances.isEmpty)
    }

    @Test func noVIPIsAnError() {
        let noVIP = VRRPTest.load("vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n}\n")
        #expect(VRRPTest.problems(noVIP) == ["(VI_1) No VIP specified; at least one is sensible"])
        #expect(noVIP.status == .errors)
        #expect(noVIP.config.vrrpInstances.count == 1)
        let strict = VRRPTest.load("vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    strict_mode\n}\n")
        #expect(VRRPTest.problems(strict) == ["(VI_1) No VIP specified; at least one is required"])
        let ipv6 = VRRPTest.load("vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    native_ipv6\n}\n")
        #expect(VRRPTest.problems(ipv6) == ["(VI_1) No VIP specified; at least one is required"])
    }

    @Test func unicastKeywordsWithoutPeers() {
        #expect(complete("    unicast_src_ip 10.0.0.5").1
                == ["(VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration."])
        let (vrrp, problems) = complete("    unicast_ttl 10")
        #expect(problems == ["(VI_1): Cannot use unicast_ttl without unicast peers - resetting"])
        #expect(vrrp?.unicastTTL == 255)
        #expect(complete("    unicast_fault_no_peer").1.isEmpty)
        #expect(complete("    mcast_src_ip 10.0.0.5").1.isEmpty)
    }

    @Test func strictModeRules() {
        #expect(complete("    garp_lower_prio_repeat 2", globals: "    vrrp_strict").1 == ["(VI_1) Strict mode requires no repeat garps. resetting"])
        #expect(complete("    lower_prio_no_advert off", globals: "    vrrp_strict").1 == ["(VI_1) Strict mode requires no lower priority advert. resetting"])
        #expect(complete("    higher_prio_send_advert", globals: "    vrrp_strict").1 == ["(VI_1) strict mode requires higher_prio_send_advert to be clear. resetting"])
        #expect(complete("    use_vmac\n    vmac_xmit_base", globals: "    vrrp_strict").1 == ["(VI_1) xmit_base is incompatible with strict mode - resetting"])
        #expect(complete("    accept", globals: "    vrrp_strict").1 == ["(VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"])
        #expect(complete("    accept\n    version 3", globals: "    vrrp_strict").1.isEmpty)
        #expect(complete("    strict_mode off\n    state MASTER\n    priority 100", globals: "    vrrp_strict").1.isEmpty)
        let (vrrp, problems) = complete("    state MASTER", globals: "    vrrp_strict")
        #expect(problems.isEmpty)
        #expect(vrrp?.accept == true)  // strict: accept only for the address owner
        #expect(vrrp?.lowerPriorityNoAdvert == true)
        #expect(vrrp?.garpLowerPriorityRepeat == 0)
        #expect(complete("", globals: "    vrrp_strict").0?.accept == false)
    }

    @Test func strictIPv6Rules() {
        let text = "global_defs {\n    vrrp_strict\n}\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    version 2\n    virtual_ipaddress {\n        2001:db8::1\n    }\n}\n"
        #expect(VRRPTest.problems(VRRPTest.load(text)) == ["(VI_1) cannot use IPv6 with VRRP version 2; setting version 3",
                                                          "(VI_1) the first IPv6 VIP address must be link local"])
    }

    @Test func vmacRules() {
        #expect(complete("    vmac_xmit_base").1 == ["(VI_1) vmac_xmit_base is only valid with a vmac"])
        #expect(complete("    use_vmac\n    promote_secondaries").1 == ["(VI_1) promote_secondaries is automatically set for vmacs - ignoring"])
        #expect(complete("    use_vmac\n    vmac_xmit_base").1.isEmpty)
    }

    @Test func globalGARPDefaultsApply() {
        let (vrrp, _) = complete("    garp_master_delay 2", globals: "    vrrp_garp_master_delay 10\n    vrrp_garp_master_repeat 3\n    vrrp_garp_master_refresh 60")
        #expect(vrrp?.garpMasterDelay == 2)
        #expect(vrrp?.garpMasterRepeat == 3)
        #expect(vrrp?.garpMasterRefresh == 60)
        #expect(vrrp?.garpLowerPriorityDelay == 10)
        #expect(vrrp?.garpLowerPriorityRepeat == 3)
    }

    @Test func ownInterfaceIsNotTracked() {
        let (vrrp, problems) = complete("    track_interface {\n        eth0\n        eth1\n    }")
        #expect(problems == ["(VI_1) Ignoring track_interface eth0 since own interface"])
        #expect(vrrp?.tracking.interfaces.map(\.name) == ["eth1"])
    }

    @Test func addressOwnerDropsWeightedTrackers() {
        let result = VRRPTest.load("vrrp_script chk {\n    script /bin/true\n    weight 10\n}\ntrack_file tf {\n    file /tmp/x\n    weight 3\n}\n" + VRRPTest.instance("""
            priority 255
            track_interface {
                eth1 weight 5
                lo
            }
            track_script {
                chk
            }
            track_file {
                tf
            }
        """))
        #expect(VRRPTest.problems(result) == ["(VI_1) ignoring eth1 tracked interface due to address owner",
                                              "(VI_1) ignoring tracked script chk with weights due to address_owner",
                                              "(VI_1) ignoring tracked file tf with weight 3 due to address_owner"])
        #expect(result.config.vrrpInstances.first?.tracking.interfaces.map(\.name) == ["lo"])
    }

    @Test func duplicateVRIDOnOneInterface() {
        let second = VRRPTest.instance("", name: "VI_2").replacing("10.0.0.1", with: "10.0.0.2")
        let result = VRRPTest.load(VRRPTest.instance("") + second)
        #expect(VRRPTest.problems(result) == ["VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0"])
        // Other interface, other family, other multicast group or unicast: no clash.
        for change in [("interface eth0", "interface eth1"), ("10.0.0.2", "2001:db8::2"),
                       ("interface eth0", "interface eth0\n    mcast_dst_ip 224.0.0.19"),
                       ("interface eth0", "interface eth0\n    unicast_peer {\n        10.0.0.9\n    }")] {
            let other = second.replacing(change.0, with: change.1)
            #expect(VRRPTest.problems(VRRPTest.load(VRRPTest.instance("") + other)).isEmpty, "\(change)")
        }
    }
}
