import ConfParser
import IPVSSync
import Testing
@testable import HealthCheck

/// FILE_CHECK in the core. The numbers are those keepalived 2.2.7 put in the lab's IPVS table for
/// the same configuration and file values (see the FILE_CHECK step of the lab health scenario).
@Suite("HealthCore FILE_CHECK")
struct HealthCoreFileCheckTests {
    typealias F = HealthCoreFixture

    static let trackFiles = """
        track_file tfA {
          file /tmp/fc/a
          weight 5
        }
        track_file tfB {
          file /tmp/fc/b
        }
        track_file tfC {
          file /tmp/fc/c
          weight 0
        }
        track_file tfD {
          file /tmp/fc/d
          weight 2 reverse
        }

        """

    /// Seven real servers of weight 10 (10.60.1.1-7), each with FILE_CHECKs as in the lab.
    static func config(quorum: String = "") -> Config {
        func file(_ body: String) -> String { "    weight 10\n    FILE_CHECK {\n      \(body)\n    }" }
        let servers = [
            ("10.60.1.1", file("track_file tfA")),
            ("10.60.1.2", file("track_file tfB\n      weight 0")),
            ("10.60.1.3", file("track_file tfC")),
            ("10.60.1.4", file("track_file tfD")),
            ("10.60.1.5", file("track_file tfA\n      weight 3 reverse")),
            ("10.60.1.6", "    inhibit_on_failure\n" + file("track_file tfC\n      weight 0 reverse")),
            ("10.60.1.7", file("track_file tfB") + "\n    FILE_CHECK {\n      track_file tfA\n      weight -1\n    }"),
        ]
        return F.config(trackFiles + F.service(vip: "10.60.0.1", extra: quorum, servers: servers))
    }

    /// Each real server's weight in the table, or nil when it is down.
    static func table(_ core: HealthCore) -> [Int?] {
        (0..<7).map { index in
            let health = core.snapshot.realServers[F.ref(0, index)]
            return health?.alive == true ? health?.weight : nil
        }
    }

    static func set(_ core: inout HealthCore, _ values: [(String, Int)], at time: Double = 5) -> [HealthAction] {
        values.flatMap { core.handle(.trackFile(name: $0.0, value: $0.1), at: .seconds(time)) }
    }

    @Test func startsFromTheValuesAndFollowsTheirChangesAsKeepalivedDoes() {
        var core = HealthCore(config: Self.config(), trackFileValues: ["tfA": 1, "tfB": 0, "tfC": 0, "tfD": 3])
        let start = core.handle(.start, at: .zero)
        // No checker is scheduled for FILE_CHECK and no activation line is logged for it.
        #expect(core.checkerIDs.isEmpty && core.nextDeadline == nil)
        #expect(F.logs(start) == ["Gained quorum 1+0=1 <= 55 for VS [10.60.0.1]:tcp:80"])
        // keepalived: 15 10 10 4 7 10 9; 10.60.1.6 follows tfC with weight 0 reverse, so a zero
        // is a fault (keepalived 2.2.7 only applies that once the file changes; see the README).
        #expect(Self.table(core) == [15, 10, 10, 4, 7, nil, 9])

        var actions = Self.set(&core, [("tfA", 2)])
        #expect(Self.table(core) == [20, 10, 10, 4, 4, nil, 8])
        #expect(actions.last == .healthChanged && F.logs(actions).isEmpty)

        actions = Self.set(&core, [("tfA", -4)])
        // 10 - 20 is held at 0; 10 + 12; 10 + 4.
        #expect(Self.table(core) == [0, 10, 10, 4, 22, nil, 14])

        actions = Self.set(&core, [("tfB", 7)])
        #expect(F.details(actions) == ["([10.60.1.2]:tcp:80): tracked file tfB now FAULT state"])
        #expect(Self.table(core) == [0, nil, 10, 4, 22, nil, 21])

        actions = Self.set(&core, [("tfC", 1)])
        #expect(F.details(actions) == ["([10.60.1.3]:tcp:80): tracked file tfC now FAULT state",
                                       "([10.60.1.6]:tcp:80): tracked file tfC leaving FAULT state"])
        #expect(Self.table(core) == [0, nil, nil, 4, 22, 10, 21])

        actions = Self.set(&core, [("tfC", 0), ("tfD", 6)])
        #expect(Self.table(core) == [0, nil, 10, 0, 22, nil, 21])

        // A removed file counts as 0.
        actions = Self.set(&core, [("tfA", 0), ("tfB", 0)])
        #expect(F.details(actions) == ["([10.60.1.2]:tcp:80): tracked file tfB leaving FAULT state"])
        #expect(Self.table(core) == [10, 10, 10, 0, 10, nil, 10])

        actions = Self.set(&core, [("tfA", 100_000)])
        #expect(Self.table(core) == [500_010, 10, 10, 0, 0, nil, 0])

        // The same value again changes nothing.
        #expect(Self.set(&core, [("tfA", 100_000)]).isEmpty)
    }

    @Test func aFaultRunsTheNotifyScriptAndInhibitsLikeAFailedChecker() {
        let text = Self.trackFiles + F.service(servers: [
            ("10.0.0.2", "    weight 3\n    inhibit_on_failure\n    notify_down /bin/down\n    notify_up /bin/up\n    FILE_CHECK {\n      track_file tfC\n    }"),
        ])
        var core = HealthCore(config: F.config(text))
        _ = core.handle(.start, at: .zero)
        let down = core.handle(.trackFile(name: "tfC", value: 1), at: .seconds(2))
        #expect(F.scripts(down) == ["/bin/down"] && core.isAlive(F.ref()) == false)
        #expect(core.isUp(F.id()) == false)
        let up = core.handle(.trackFile(name: "tfC", value: 0), at: .seconds(3))
        #expect(F.scripts(up) == ["/bin/up"] && core.isAlive(F.ref()) == true)
        #expect(core.snapshot.realServers[F.ref()]?.weight == 3)
    }

    @Test func valuesBeforeStartSetTheStateQuietlyAndAfterStopDoNothing() {
        var core = HealthCore(config: Self.config())
        #expect(core.handle(.trackFile(name: "tfB", value: 3), at: .zero).isEmpty)
        _ = core.handle(.start, at: .zero)
        #expect(Self.table(core)[1] == nil && Self.table(core)[6] == 13)
        _ = core.handle(.stop, at: .seconds(1))
        #expect(core.handle(.trackFile(name: "tfB", value: 0), at: .seconds(2)).isEmpty)
        #expect(Self.table(core)[1] == nil)
    }

    @Test func quorumCountsTheWeightsTheFilesGive() {
        var core = HealthCore(config: Self.config(quorum: "  quorum 54"), trackFileValues: ["tfA": 1, "tfD": 3])
        _ = core.handle(.start, at: .zero)
        #expect(core.quorumHeld(0) == true)
        let lost = core.handle(.trackFile(name: "tfD", value: 5), at: .seconds(2))
        // 15 + 10 + 10 + 4 + 7 + 9 = 55; with tfD 5, 10.60.1.4 weighs 10 - 10 = 0: 51 < 54.
        #expect(F.logs(lost) == ["Lost quorum 54-0=54 > 51 for VS [10.60.0.1]:tcp:80"])
    }

    @Test func aReloadKeepsFileStateAndWeights() {
        var core = HealthCore(config: Self.config(), trackFileValues: ["tfA": 2, "tfC": 1])
        _ = core.handle(.start, at: .zero)
        let before = Self.table(core)
        #expect(before == [20, 10, nil, 10, 4, 10, 8])
        // Same configuration (in place) and a changed one (general path): nothing changes.
        let same = core.reloaded(with: Self.config(), at: .seconds(3))
        #expect(Self.table(same.core) == before)
        #expect(!same.actions.contains { if case .runScript = $0 { true } else { false } })
        let changed = core.reloaded(with: Self.config(quorum: "  quorum 2"), at: .seconds(3))
        #expect(Self.table(changed.core) == before)
        var next = changed.core
        _ = next.handle(.trackFile(name: "tfC", value: 0), at: .seconds(4))
        #expect(Self.table(next) == [20, 10, 10, 10, 4, nil, 8])
    }
}
