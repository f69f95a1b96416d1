import Testing
@testable import ConfParser
@testable import VRRP

/// Helpers shared by the VRRPMachine suites: settings, a virtual clock and action filters.
enum MachineFixture {
    static let t0 = VRRPInstant(microseconds: 1_000_000_000)

    static func at(_ offset: Int64) -> VRRPInstant { t0.adding(microseconds: offset) }

    static func settings(_ name: String = "VI_1", priority: Int = 100, version: Int = 2,
                         advertInterval: Int64 = 1_000_000, state: VRRPState = .backup,
                         address: String = "10.0.0.2") -> VRRPMachineSettings {
        var settings = VRRPMachineSettings(name: name, interface: "eth0", virtualRouterID: 51, priority: priority,
                                           initialState: state, advertInterval: advertInterval, version: version)
        settings.primaryAddress = IPAddress(address)
        settings.gratuitousTargets = [VRRPGratuitousTarget(interface: "eth0", address: IPAddress("10.0.0.100")!)]
        return settings
    }

    static func script(_ command: String) -> NotifyScript {
        NotifyScript(command: command, user: nil, group: nil, location: ConfParser.SourceLocation(file: "k.conf", line: 1))
    }

    static func advert(from source: String, priority: Int, centiseconds: Int = 100) -> VRRPMachineEvent {
        .advert(VRRPReceivedAdvert(source: IPAddress(source)!, priority: priority, advertIntervalCentiseconds: centiseconds))
    }

    /// A started BACKUP machine.
    static func backup(_ settings: VRRPMachineSettings) -> VRRPInstanceMachine {
        var machine = VRRPInstanceMachine(settings: settings)
        _ = machine.handle(.start, at: t0)
        return machine
    }

    /// A machine that became MASTER at `masterAt` after its down timer expired.
    static func master(_ settings: VRRPMachineSettings) -> (VRRPInstanceMachine, VRRPInstant) {
        var machine = backup(settings)
        let when = machine.nextDeadline!
        _ = machine.handle(.timer, at: when)
        return (machine, when)
    }

    static func logs(_ actions: [VRRPMachineAction], detail: Bool? = nil) -> [String] {
        actions.compactMap {
            guard case .log(let line) = $0, detail == nil || line.detailOnly == detail else { return nil }
            return line.text
        }
    }

    static func adverts(_ actions: [VRRPMachineAction]) -> [Int] {
        actions.compactMap { if case .sendAdvert(let priority) = $0 { priority } else { nil } }
    }

    static func bursts(_ actions: [VRRPMachineAction]) -> [Int] {
        actions.compactMap { if case .sendGratuitous(let count) = $0 { count } else { nil } }
    }

    static func notifies(_ actions: [VRRPMachineAction]) -> [[String]] {
        actions.compactMap { if case .notify(let run) = $0 { [run.script.command] + run.arguments } else { nil } }
    }
}

@Suite("VRRPMachine timers")
struct VRRPMachineTimerTests {
    @Test("v2 skew is (256 - P) / 256 seconds, independent of the interval")
    func skewVersion2() {
        // 156 * 1_000_000 / 256 = 609375 exactly.
        #expect(VRRPTimers.skew(priority: 100, masterAdvertInterval: 1_000_000, version: 2) == 609_375)
        #expect(VRRPTimers.skew(priority: 100, masterAdvertInterval: 5_000_000, version: 2) == 609_375)
        // 1 * 1_000_000 / 256 = 3906.25 truncated.
        #expect(VRRPTimers.skew(priority: 255, masterAdvertInterval: 1_000_000, version: 2) == 3_906)
    }

    @Test("v3 skew scales with Master_Adver_Interval in whole centiseconds")
    func skewVersion3() {
        #expect(VRRPTimers.skew(priority: 100, masterAdvertInterval: 1_000_000, version: 3) == 609_375)
        // 156 * 50 * 625 / 16 = 304687.5 truncated.
        #expect(VRRPTimers.skew(priority: 100, masterAdvertInterval: 500_000, version: 3) == 304_687)
        // 206 * 2 * 625 / 16 = 16093.75 truncated.
        #expect(VRRPTimers.skew(priority: 50, masterAdvertInterval: 20_000, version: 3) == 16_093)
    }

    @Test("Master_Down_Interval is down_timer_adverts intervals plus the skew")
    func masterDown() {
        #expect(VRRPTimers.masterDown(priority: 100, masterAdvertInterval: 1_000_000, version: 2) == 3_609_375)
        #expect(VRRPTimers.masterDown(priority: 200, masterAdvertInterval: 2_000_000, version: 2, adverts: 5)
                == 10_000_000 + 218_750)
    }

    @Test("a sync group's tracking applies to members unweighted without sync_group_tracking_weight")
    func groupTrackingUnweighted() throws {
        let text = """
        vrrp_sync_group G {
            group {
                VI_1
                VI_2
            }
            track_interface {
                eth9 weight 10
            }
        }
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
        }
        vrrp_instance VI_2 {
            interface eth0
            virtual_router_id 52
        }
        """
        let config = ConfigLoader.load(text: text).config
        let instance = try #require(config.vrrpInstances.first { $0.name == "VI_2" })
        let settings = VRRPMachineSettings(instance: instance, config: config)
        #expect(settings.trackedInterfaces == [VRRPTrackedInterfaceSetting(name: "eth9", weight: 0)])
    }

    @Test("a configured instance becomes settings with microsecond durations and sync group tracking")
    func settingsFromConfig() throws {
        let text = """
        vrrp_script chk {
            script "/bin/true"
            weight -20
            init_fail
        }
        vrrp_sync_group G {
            group {
                VI_1
                VI_2
            }
            sync_group_tracking_weight
            track_interface {
                eth9 weight 10
            }
        }
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            priority 150
            advert_int 0.5
            version 3
            preempt_delay 2.5
            garp_master_delay 3
            garp_master_refresh 60
            unicast_src_ip 10.0.0.1
            unicast_peer {
                10.0.0.2
            }
            virtual_ipaddress {
                10.0.0.100/24 dev eth1
            }
            track_script {
                chk
            }
        }
        vrrp_instance VI_2 {
            interface eth0
            virtual_router_id 52
            virtual_ipaddress {
                10.0.1.100
            }
        }
        """
        let config = ConfigLoader.load(text: text).config
        let instance = try #require(config.vrrpInstances.first { $0.name == "VI_1" })
        let settings = VRRPMachineSettings(instance: instance, config: config)
        #expect(settings.advertInterval == 500_000)
        #expect(settings.version == 3)
        #expect(settings.preemptDelay == 2_500_000)
        #expect(settings.priority == 150)
        #expect(settings.initialState == VRRPState.backup)
        #expect(settings.unicast)
        #expect(settings.primaryAddress == IPAddress("10.0.0.1"))
        #expect(settings.gratuitous.masterDelay == 3_000_000)
        #expect(settings.gratuitous.refresh == 60_000_000)
        #expect(settings.gratuitousTargets == [VRRPGratuitousTarget(interface: "eth1", address: IPAddress("10.0.0.100")!)])
        #expect(settings.trackedScripts == [VRRPTrackedScriptSetting(name: "chk", weight: -20, initiallyFailed: true)])
        // The group's tracked interface applies to members (weighted with sync_group_tracking_weight).
        #expect(settings.trackedInterfaces == [VRRPTrackedInterfaceSetting(name: "eth9", weight: 10)])
        #expect(settings.syncGroup == "G")
    }
}
