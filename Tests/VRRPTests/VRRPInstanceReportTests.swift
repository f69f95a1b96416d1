import ConfParser
import Dispatch
import Foundation
import Testing
@testable import VRRP

/// Per-instance statistics: the counting value, the error groups, the report and the shell's
/// receive path (an interface that does not exist: no root, nothing leaves the machine).
@Suite("VRRP instance reports")
struct VRRPInstanceReportTests {
    static func config(priority: Int = 100, password: String = "secret") -> Config {
        ConfigLoader.load(text: """
        vrrp_instance VI_1 {
          interface kadnone0
          virtual_router_id 42
          priority \(priority)
          mcast_src_ip 10.9.0.1
          authentication { auth_type PASS
            auth_pass \(password) }
          virtual_ipaddress { 10.9.0.100/24 }
        }
        """).config
    }

    @Test("sent and received adverts count, priority 0 separately")
    func countsAdverts() {
        var counters = VRRPTrafficCounters()
        counters.recordSent(priority: 100)
        counters.recordSent(priority: 0)
        counters.recordReceived(priority: 90)
        counters.recordReceived(priority: 0)
        counters.recordReceived(priority: 90)
        #expect(counters.advertsSent == 2)
        #expect(counters.priorityZeroSent == 1)
        #expect(counters.advertsReceived == 3)
        #expect(counters.priorityZeroReceived == 1)
    }

    @Test("entering MASTER and leaving it count; the last transition time is kept")
    func countsTransitions() {
        var counters = VRRPTrafficCounters()
        let first = Date(timeIntervalSince1970: 1_000)
        let second = Date(timeIntervalSince1970: 2_000)
        counters.recordTransition(from: .initial, to: .backup, at: first)
        #expect(counters.becameMaster == 0)
        #expect(counters.lastTransition == first)
        counters.recordTransition(from: .backup, to: .master, at: second)
        counters.recordTransition(from: .master, to: .fault, at: second)
        counters.recordTransition(from: .fault, to: .fault, at: Date(timeIntervalSince1970: 3_000))
        #expect(counters.becameMaster == 1)
        #expect(counters.releasedMaster == 1)
        #expect(counters.lastTransition == second)
    }

    @Test("drop reasons fold into keepalived's packet and authentication error groups")
    func errorGroups() {
        var drops = VRRPDropCounters()
        drops.record(.lengthMismatch(received: 1, expected: 2))
        drops.record(.ipTotalLengthMismatch(totalLength: 1, received: 2))
        drops.record(.ttl(received: 64))
        drops.record(.typeNotAdvertisement(2))
        drops.record(.advertIntervalMismatch(receivedSeconds: 2, expectedSeconds: 1))
        drops.record(.addressCountMismatch(received: 2, expected: 1))
        drops.record(.addressMissing(.v4(1), virtualRouterID: 1))
        drops.record(.invalidAuthType(5))
        drops.record(.authTypeMismatch(received: 1, expected: 0))
        drops.record(.ahPresenceMismatch(receivedAH: true))
        drops.record(.passwordMismatch)
        drops.record(.ahICVMismatch)
        drops.record(.checksum(.v2))
        let packet = VRRPPacketErrorCounts(drops)
        #expect(packet == VRRPPacketErrorCounts(length: 2, ttl: 1, invalidType: 1, advertisementInterval: 1, addressList: 2))
        let auth = VRRPAuthenticationErrorCounts(drops)
        #expect(auth.invalidType == 1)
        #expect(auth.typeMismatch == 2)
        #expect(auth.failure == 2)
    }

    @Test("a MASTER reports its own source address and priority as the master's")
    func reportOfMaster() {
        let config = Self.config(priority: 255)
        let instance = config.vrrpInstances[0]
        var runner = VRRPInstanceRunner(instance: instance, globals: config.globalDefs)
        runner.traffic.recordSent(priority: 255)
        var machine = VRRPInstanceMachine(settings: VRRPMachineSettings(instance: instance, config: config,
                                                                        primaryAddress: .v4(0x0A09_0001)))
        _ = machine.handle(.start, at: VRRPInstant(microseconds: 1_000_000))
        if let deadline = machine.nextDeadline { _ = machine.handle(.timer, at: deadline) }
        #expect(machine.state == .master)
        let report = runner.report(machine: machine, interface: nil)
        #expect(report.name == "VI_1")
        #expect(report.interface == "kadnone0")
        #expect(report.virtualRouterID == 42)
        #expect(report.family == "IPv4")
        #expect(report.state == .master)
        #expect(report.configuredPriority == 255)
        #expect(report.effectivePriority == 255)
        #expect(report.masterAddress == "10.9.0.1")
        #expect(report.masterPriority == 255)
        #expect(report.traffic.advertsSent == 1)
        let unstarted = runner.report(machine: nil, interface: nil)
        #expect(unstarted.state == .initial)
        #expect(unstarted.masterAddress == nil)
    }

    @Test("the shell counts accepted adverts and sorts rejected ones into the error groups")
    func shellReceivePath() throws {
        let config = Self.config()
        let shell = VRRPShell(config: config, log: VRRPShellLogger(info: { _ in }, error: { _ in }, detail: { _ in }))
        shell.queue.sync { shell.startOnQueue() }
        defer {
            let done = DispatchSemaphore(value: 0)
            shell.stop { done.signal() }
            _ = done.wait(timeout: .now() + 5)
        }
        let peerConfig = Self.config(priority: 150)
        var peer = VRRPInstanceRunner(instance: peerConfig.vrrpInstances[0], globals: peerConfig.globalDefs)
        let wrongConfig = Self.config(password: "other")
        var wrong = VRRPInstanceRunner(instance: wrongConfig.vrrpInstances[0], globals: wrongConfig.globalDefs)
        var identification = VRRPIPv4IdentificationCounter()
        let source = IPAddress.v4(0x0A09_0002)
        let group = peer.destinations[0]
        let good = try peer.encode(priority: 150, source: source, destination: group, identification: &identification)
        let zero = try peer.encode(priority: 0, source: source, destination: group, identification: &identification)
        let bad = try wrong.encode(priority: 150, source: source, destination: group, identification: &identification)
        shell.queue.sync {
            let key = shell.runners["VI_1"]!.socketKey
            for bytes in [good, zero, bad] {
                let packet = VRRPReceivedPacket(bytes: bytes, source: source, destination: group, hopLimit: 255,
                                                interfaceIndex: 0)
                shell.received(packet, on: key)
            }
        }
        let reports = shell.instanceReports()
        #expect(reports.count == 1)
        let report = try #require(reports.first)
        #expect(report.traffic.advertsReceived == 2)
        #expect(report.traffic.priorityZeroReceived == 1)
        #expect(report.traffic.advertsSent == 0)
        #expect(report.authenticationErrors.failure == 1)
        #expect(report.state == .fault)
        #expect(report.lastTransition != nil)
    }
}
