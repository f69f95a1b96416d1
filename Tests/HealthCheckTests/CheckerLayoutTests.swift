import ConfParser
import IPVSSync
import Testing
@testable import HealthCheck

@Suite("Checker layout and tables") struct CheckerLayoutTests {
    typealias F = HealthCoreFixture

    /// Two virtual servers: the first with real servers of 2, 0 and 1 checkers, the second with one
    /// real server of 3 checkers.
    static let config = F.config(
        F.service(servers: [("10.0.0.2", F.tcpCheck() + "\n" + F.tcpCheck()), ("10.0.0.3", ""), ("10.0.0.4", F.tcpCheck())])
            + F.service(vip: "10.0.0.9", servers: [("10.0.1.2", F.tcpCheck() + "\n" + F.tcpCheck() + "\n" + F.tcpCheck())]))

    @Test func numbersServersAndCheckersInConfigurationOrder() {
        let layout = CheckerLayout(Self.config.virtualServers)
        #expect(layout.virtualServerCount == 2 && layout.serverCount == 4 && layout.checkerCount == 6)
        #expect(layout.serverPositions(ofVirtualServer: 0) == 0..<3)
        #expect(layout.serverPositions(ofVirtualServer: 1) == 3..<4)
        #expect(layout.position(of: F.ref(1, 0)) == 3)
        #expect(layout.checkerPositions(of: F.ref(0, 0)) == 0..<2)
        #expect(layout.checkerPositions(of: F.ref(0, 1)) == 2..<2)
        #expect(layout.checkerPositions(of: F.ref(0, 2)) == 2..<3)
        #expect(layout.checkerPositions(of: F.ref(1, 0)) == 3..<6)
        #expect(layout.position(of: F.id(1, 0, 2)) == 5)
        var visited: [RealServerRef] = []
        layout.forEachServer { ref, position in
            #expect(layout.position(of: ref) == position)
            visited.append(ref)
        }
        #expect(visited == [F.ref(0, 0), F.ref(0, 1), F.ref(0, 2), F.ref(1, 0)])
    }

    @Test func unknownServersAndCheckersHaveNoPosition() {
        let layout = CheckerLayout(Self.config.virtualServers)
        #expect(layout.position(of: F.ref(2, 0)) == nil)
        #expect(layout.position(of: F.ref(0, 3)) == nil)
        #expect(layout.position(of: F.ref(-1, 0)) == nil)
        #expect(layout.position(of: F.id(0, 1, 0)) == nil)
        #expect(layout.position(of: F.id(0, 0, 2)) == nil)
        #expect(layout.position(of: F.id(0, 0, -1)) == nil)
        #expect(layout.checkerPositions(of: F.ref(5, 5)).isEmpty)
        let empty = CheckerLayout([])
        #expect(empty.serverCount == 0 && empty.checkerCount == 0 && empty.position(of: F.ref()) == nil)
    }

    @Test func tablesKeepOneValuePerKeyAndIgnoreUnknownKeys() {
        let layout = CheckerLayout(Self.config.virtualServers)
        var checkers = CheckerTable<Int>(layout: layout)
        checkers[F.id(0, 0, 1)] = 1
        checkers[F.id(1, 0, 0)] = 2
        checkers[F.id(1, 0, 2)] = 3
        checkers[F.id(1, 0, 2)]? += 10
        checkers[F.id(0, 1, 0)] = 99
        #expect(checkers[F.id(0, 1, 0)] == nil)
        #expect(checkers[F.id(0, 0, 0)] == nil && checkers[F.id(0, 0, 1)] == 1 && checkers[F.id(1, 0, 2)] == 13)
        #expect(checkers.ids(of: F.ref(1, 0)) == [F.id(1, 0, 0), F.id(1, 0, 2)])
        #expect(checkers.allOf(F.ref(1, 0)) { $0 > 1 })
        #expect(!checkers.allOf(F.ref(1, 0)) { $0 > 2 })
        #expect(checkers.anyOf(F.ref(1, 0)) { $0 == 13 } && !checkers.anyOf(F.ref(0, 0)) { $0 == 13 })
        checkers[F.id(1, 0, 0)] = nil
        #expect(checkers.ids(of: F.ref(1, 0)) == [F.id(1, 0, 2)])

        var servers = ServerTable<String>(layout: layout)
        servers[F.ref(0, 2)] = "c"
        servers[F.ref(0, 0)] = "a"
        servers[F.ref(3, 0)] = "none"
        var seen: [String] = []
        servers.forEach { ref, value in seen.append("\(ref.virtualServer)/\(ref.realServer)=\(value)") }
        #expect(seen == ["0/0=a", "0/2=c"])
    }

    @Test func checkersWithEqualSettingsShareOneInstance() throws {
        let core = HealthCore(config: Self.config)
        let first = try #require(core.slots[F.id(0, 0, 0)]?.settings)
        let last = try #require(core.slots[F.id(1, 0, 2)]?.settings)
        #expect(first === last)
        let misc = F.config(F.service(servers: [("10.0.0.2", F.tcpCheck()), ("10.0.0.3", "    MISC_CHECK {\n      misc_path /bin/true\n    }")]))
        let mixed = HealthCore(config: misc)
        let tcp = try #require(mixed.slots[F.id(0, 0, 0)]?.settings)
        let script = try #require(mixed.slots[F.id(0, 1, 0)]?.settings)
        #expect(tcp !== script && script.scriptName == "/bin/true")
    }

    /// A timer event at 10,000 checkers returns one action per checker due: the large, seldom
    /// payloads are boxed so that an action stays small.
    @Test func anActionTakesThirtyTwoBytes() {
        #expect(MemoryLayout<HealthAction>.stride <= 32)
    }

    /// A slot per checker: the settings reference and the progress, whose times are whole
    /// nanoseconds (three `Duration?` made it 96 bytes).
    @Test func aSlotTakesFortyEightBytes() {
        #expect(MemoryLayout<CheckerSlot>.stride <= 48)
        var progress = CheckerProgress(isUp: true)
        progress.nextAttempt = .milliseconds(1_500)
        progress.attemptStart = .zero
        #expect(progress.nextAttempt == .milliseconds(1_500) && progress.nextAttemptAgendaTicks == 1_500_000_000)
        #expect(progress.attemptStart == .zero && progress.attemptDue == nil)
        progress.nextAttempt = nil
        #expect(progress.nextAttempt == nil && progress.nextAttemptAgendaTicks == nil)
    }
}
