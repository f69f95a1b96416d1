import ConfParser
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import VRRP

/// The shell's pure parts and its child runner (no network, no root).
@Suite("VRRPShell units")
struct VRRPShellUnitTests {
    static func config(_ text: String) -> Config {
        ConfigLoader.load(text: text).config
    }

    @Test("script lines split like a shell without expansion")
    func words() {
        #expect(VRRPScriptCommand.words(#"/bin/x "a b" c\ d 'e "f"'"#) == ["/bin/x", "a b", "c d", #"e "f""#])
        #expect(VRRPScriptCommand.words("  /bin/true  ") == ["/bin/true"])
    }

    @Test("another user runs through setpriv; no user runs directly")
    func setpriv() {
        let direct = VRRPScriptCommand.argv(command: "/bin/n.sh x", arguments: ["INSTANCE", "VI_1"], user: nil, group: nil)
        #expect(direct == ["/bin/n.sh", "x", "INSTANCE", "VI_1"])
        let other = VRRPScriptCommand.argv(command: "/bin/n.sh", user: "nobody", group: "nogroup")
        #expect(other == ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--init-groups", "--", "/bin/n.sh"])
    }

    /// Runs argv and waits for its outcome.
    static func outcome(_ argv: [String], timeout: Double?) -> VRRPChildProcess.Outcome? {
        let queue = DispatchQueue(label: "test.child")
        let result = Mutex<VRRPChildProcess.Outcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        VRRPChildProcess.run(argv, timeout: timeout, queue: queue) { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 10)
        return result.withLock { $0 }
    }

    @Test("child exit status, signal, timeout and spawn failure are reported")
    func childOutcomes() {
        #expect(Self.outcome(["/bin/sh", "-c", "exit 3"], timeout: 5) == .exited(3))
        #expect(Self.outcome(["/bin/sh", "-c", "kill -TERM $$"], timeout: 5) == .signalled(Int(SIGTERM)))
        let started = Date()
        #expect(Self.outcome(["/bin/sleep", "30"], timeout: 0.3) == .timedOut)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(Self.outcome(["/nonexistent/script"], timeout: 1) == .spawnFailed(ENOENT))
    }

    @Test("instances on one interface share a socket; AH gets protocol 51; unicast peers each get a packet")
    func socketKeysAndDestinations() throws {
        let config = Self.config("""
        vrrp_instance A { interface eth0
          virtual_router_id 1
          virtual_ipaddress { 10.0.0.1 } }
        vrrp_instance B { interface eth0
          virtual_router_id 2
          virtual_ipaddress { 10.0.0.2 } }
        vrrp_instance C { interface eth0
          virtual_router_id 3
          authentication { auth_type AH
            auth_pass k }
          virtual_ipaddress { 10.0.0.3 } }
        vrrp_instance D { interface eth0
          virtual_router_id 4
          unicast_src_ip 10.0.0.10
          unicast_peer { 10.0.0.11
            10.0.0.12 }
          virtual_ipaddress { 10.0.0.4 } }
        """)
        let runners = config.vrrpInstances.map { VRRPInstanceRunner(instance: $0, globals: config.globalDefs) }
        #expect(runners.count == 4)
        #expect(runners[0].socketKey == runners[1].socketKey)
        #expect(runners[2].socketKey.ipProtocol == 51)
        #expect(runners[3].socketKey.group == nil)
        #expect(runners[3].destinations == [.v4(0x0A00_000B), .v4(0x0A00_000C)])
        #expect(runners[3].sourceAddress(interface: nil) == .v4(0x0A00_000A))
    }

    @Test("an encoded advert passes the peer's own receive checks")
    func encodeValidates() throws {
        let config = Self.config("""
        vrrp_instance A { interface eth0
          virtual_router_id 7
          priority 120
          authentication { auth_type PASS
            auth_pass secret }
          virtual_ipaddress { 10.0.0.7/24 } }
        """)
        var runner = VRRPInstanceRunner(instance: config.vrrpInstances[0], globals: config.globalDefs)
        var identification = VRRPIPv4IdentificationCounter()
        let bytes = try runner.encode(priority: 120, source: .v4(0x0A00_0001), destination: runner.destinations[0],
                                      identification: &identification)
        var state = VRRPReceiveState()
        let result = VRRPReceiveValidator.validate(ipv4Datagram: bytes, expecting: runner.expectations, state: &state)
        let advert = try result.get()
        #expect(advert.priority == 120)
        #expect(advert.virtualRouterID == 7)
        #expect(advert.addresses == [.v4(0x0A00_0007)])
        #expect(advert.origin?.destination == .v4(0xE000_0012))
    }
}
