import Foundation
import Testing
@testable import ConfParser

/// keepalived's own sample configurations (Debian's keepalived package) load with the verdict
/// `keepalived -t` gives them, and every LVS keyword in them is known.
@Suite struct LVSSampleTests {
    static let directory = "/usr/share/doc/keepalived/samples"
    static var available: Bool { FileManager.default.fileExists(atPath: directory) }

    func load(_ name: String) throws -> LoadResult {
        let text = try String(contentsOfFile: "\(Self.directory)/keepalived.conf.\(name)", encoding: .utf8)
        return ConfigLoader.load(text: text, name: "keepalived.conf.\(name)")
    }

    @Test(.enabled(if: LVSSampleTests.available),
          arguments: ["HTTP_GET.port", "PING_CHECK", "SMTP_CHECK", "UDP_CHECK", "inhibit", "misc_check", "misc_check_arg",
                      "quorum", "status_code", "virtual_server_group", "virtualhost"])
    func samplesLoadCleanly(_ name: String) throws {
        let result = try load(name)
        #expect(LVSTest.problems(result) == [], "\(name)")
        #expect(result.status == .ok)
        #expect(!result.config.virtualServers.isEmpty)
        #expect(result.config.virtualServers.allSatisfy { $0.otherKeywords.isEmpty && !$0.realServers.isEmpty })
    }

    @Test(.enabled(if: LVSSampleTests.available))
    func fwmarkSampleHasKeepalivedsProtocolWarning() throws {
        let result = try load("fwmark")
        #expect(LVSTest.problems(result) == ["7:warning:Warning: Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored"])
        let vs = try #require(result.config.virtualServers.first)
        #expect(vs.address == .fwmark(1) && vs.persistenceTimeout == 900 && vs.protocol == nil)
        #expect(vs.realServers.map { $0.checkers.first?.connectPort } == [80, 80])
        #expect(vs.realServers.map(\.port) == [0, 0])
    }

    @Test(.enabled(if: LVSSampleTests.available))
    func sampleValues() throws {
        let quorum = try #require(try load("quorum").config.virtualServers.first)
        #expect(quorum.quorum == 7 && quorum.hysteresis == 2 && quorum.alpha && quorum.omega)
        #expect(quorum.quorumUp?.command == "/usr/local/sbin/quorum-up.sh" && quorum.realServers.count == 10)
        #expect(quorum.realServers.allSatisfy { $0.checkers.first?.connectPort == 80 && $0.port == 8080 })

        let status = try #require(try load("status_code").config.virtualServers.first?.realServers.first?.checkers.first?.http)
        #expect(status.urls.map(\.statusCodes) == [[200...299, 400...499, 503...503, 505...505], [200...200]])

        let group = try load("virtual_server_group")
        #expect(group.config.virtualServerGroups.first?.expandedEndpoints().count == 11)
        #expect(group.config.virtualServerGroups.first?.fwmarks.map(\.mark) == [1, 2])

        let smtp = try #require(try load("SMTP_CHECK").config.virtualServers.first)
        #expect(smtp.realServers.map(\.checkers.count) == [1, 3, 3])

        let misc = try #require(try load("misc_check_arg").config.virtualServers.first?.realServers.first?.checkers.first?.misc)
        #expect(misc.script?.command == "/usr/local/bin/script.sh arg1 arg2")

        let virtualhost = try #require(try load("virtualhost").config.virtualServers.first?.realServers.first?.checkers.first?.http)
        #expect(virtualhost.urls.allSatisfy { $0.virtualhost == "www.firewall.loc" })
    }
}
