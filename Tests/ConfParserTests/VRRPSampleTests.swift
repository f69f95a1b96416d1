import Foundation
import Testing
@testable import ConfParser

/// keepalived's VRRP sample configurations get the verdict `keepalived -t` gives them in a
/// network namespace with the interfaces lo, eth0 and eth1 (measured with keepalived 2.2.7).
@Suite struct VRRPSampleTests {
    static let directory = "/usr/share/doc/keepalived/samples"
    static var available: Bool { FileManager.default.fileExists(atPath: directory) }

    /// The test namespace: lo, eth0, eth1; programs as on this machine.
    struct NamespaceHost: HostEnvironment {
        func interfaceExists(_ name: String) -> Bool { ["lo", "eth0", "eth1"].contains(name) }
        func executableExists(_ program: String) -> Bool { LocalHost().executableExists(program) }
        func userExists(_ name: String) -> Bool { LocalHost().userExists(name) }
    }

    func load(_ path: String) throws -> LoadResult {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return ConfigLoader.load(text: text, name: (path as NSString).lastPathComponent)
    }

    @Test(.enabled(if: VRRPSampleTests.available), arguments: [
        ("keepalived.conf.vrrp", true),
        ("keepalived.conf.vrrp.sync", true),
        ("keepalived.conf.vrrp.scripts", true),
        ("keepalived.conf.vrrp.localcheck", false),  // tracked interfaces eth2, eth3 are missing
        ("keepalived.conf.IPv6", true),
        ("keepalived.conf.conditional_conf", false),
        ("keepalived.conf.SSL_GET", false),
        ("keepalived.conf.track_interface", false),
    ])
    func keepalivedsVerdict(name: String, clean: Bool) throws {
        var result = try load("\(Self.directory)/\(name)")
        HostChecks.run(&result, host: NamespaceHost())
        #expect((result.status == .ok) == clean, "\(result.diagnostics.items)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/etc/keepalived/keepalived.conf.sample")))
    func debianSampleFailsOnStrictMode() throws {
        let result = try load("/etc/keepalived/keepalived.conf.sample")
        #expect(VRRPTest.problems(result).contains("(VI_1) State MASTER must match being address owner"))
        #expect(VRRPTest.problems(result).contains("(VI_1) Strict mode does not support authentication. Ignoring."))
        #expect(result.status != .ok)
    }

    @Test(.enabled(if: VRRPSampleTests.available))
    func vrrpSampleValues() throws {
        let result = try load("\(Self.directory)/keepalived.conf.vrrp")
        #expect(VRRPTest.problems(result).isEmpty)
        let instances = result.config.vrrpInstances
        #expect(instances.map(\.name) == ["VI_1", "VI_2", "VI_3", "VI_4"])
        #expect(instances.map(\.state) == [.master, .backup, .master, .backup])
        #expect(instances.map(\.priority) == [100, 50, 100, 50])
        #expect(instances.map(\.virtualRouterID) == [51, 50, 52, 53])
        #expect(instances[0].garpMasterDelay == 10)
        #expect(instances[0].smtpAlert)
        #expect(instances[0].authentication?.password == "1111")
        #expect(instances[0].virtualAddresses.last?.label == "eth0:1")
        #expect(instances[0].virtualAddresses.count == 4)
    }

    @Test(.enabled(if: VRRPSampleTests.available))
    func syncSampleGroups() throws {
        let result = try load("\(Self.directory)/keepalived.conf.vrrp.sync")
        #expect(VRRPTest.problems(result).isEmpty)
        #expect(!result.config.syncGroups.isEmpty)
        for group in result.config.syncGroups {
            #expect(group.members.count >= 2)
            #expect(group.members.allSatisfy { member in result.config.vrrpInstances.contains { $0.name == member.name && $0.syncGroup == group.name } })
        }
    }

    @Test(.enabled(if: VRRPSampleTests.available))
    func conditionalSampleReportsTheEmptyScript() throws {
        let result = try load("\(Self.directory)/keepalived.conf.conditional_conf")
        let problems = VRRPTest.problems(result)
        #expect(problems.contains("No script set for vrrp_script check_VI_0 - removing"))
        #expect(problems.contains("(VI_0) track script check_VI_0 not found, ignoring..."))
    }
}
