import ConfParser
import IPVSSync
import Testing
@testable import HealthCheck

/// The reload in place (same servers and checkers, other values changed) must end where the
/// general reload, which builds a new core and matches every checker, ends.
@Suite("HealthCore reload in place")
struct HealthCoreInPlaceReloadTests {
    typealias F = HealthCoreFixture

    static func servers(weight: Int = 1, dynamicWeight: Bool = false) -> [(String, String)] {
        [
            ("10.0.0.2", "    weight 3\n    notify_up /bin/up\n    notify_down /bin/down\n" + F.tcpCheck(retry: 0)),
            ("10.0.0.3", "    weight \(weight)\n" + F.tcpCheck(retry: 0)),
            ("10.0.0.4", "    weight 2\n" + F.tcpCheck(retry: 2)
                + "\n    MISC_CHECK {\n      misc_path /bin/true\n\(dynamicWeight ? "      misc_dynamic\n" : "")    }"),
        ]
    }

    /// Started; 10.0.0.2 failed (down), 10.0.0.3 up, 10.0.0.4's TCP_CHECK still in flight.
    func running(_ text: String) -> HealthCore {
        var core = HealthCore(config: F.config(text))
        _ = core.handle(.start, at: .zero)
        _ = core.handle(.timer, at: .seconds(1))
        _ = core.handle(.probeFinished(F.id(0, 0), .failure(nil)), at: .seconds(1))
        _ = core.handle(.probeFinished(F.id(0, 1), .success(nil)), at: .seconds(1))
        _ = core.handle(.probeFinished(F.id(0, 2, 1), .success(nil)), at: .seconds(1))
        #expect(core.isAlive(F.ref(0, 0)) == false)
        return core
    }

    /// Everything observable of two cores and their reload actions is the same.
    func expectSame(_ inPlace: HealthReload, _ matched: HealthReload, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(inPlace.carriedOver == matched.carriedOver, sourceLocation: sourceLocation)
        #expect(inPlace.actions == matched.actions, sourceLocation: sourceLocation)
        #expect(inPlace.core.checkerIDs == matched.core.checkerIDs, sourceLocation: sourceLocation)
        for id in matched.core.checkerIDs {
            #expect(inPlace.core.isUp(id) == matched.core.isUp(id), "\(id)", sourceLocation: sourceLocation)
            #expect(inPlace.core.nextAttempt(of: id) == matched.core.nextAttempt(of: id), "\(id)", sourceLocation: sourceLocation)
            #expect(inPlace.core.retryCount(of: id) == matched.core.retryCount(of: id), "\(id)", sourceLocation: sourceLocation)
        }
        #expect(inPlace.core.snapshot.realServers == matched.core.snapshot.realServers, sourceLocation: sourceLocation)
        #expect(inPlace.core.snapshot.quorum == matched.core.snapshot.quorum, sourceLocation: sourceLocation)
        #expect(inPlace.core.nextDeadline == matched.core.nextDeadline, sourceLocation: sourceLocation)
    }

    func bothReloads(from old: HealthCore, to text: String) -> (inPlace: HealthReload?, matched: HealthReload) {
        let config = F.config(text)
        let inPlace = old.reloadedInPlace(virtualServers: config.virtualServers, checkerLogAllFailures: false, at: .seconds(5))
        let matched = old.reloadedByMatching(virtualServers: config.virtualServers, checkerLogAllFailures: false,
                                             at: .seconds(5), warmupOffsets: [:])
        return (inPlace, matched)
    }

    @Test func aChangedWeightMovedLinesAndANewQuorumReloadInPlace() throws {
        let old = running(F.service(servers: Self.servers()))
        let changed = "# a comment moves every line\n\n"
            + F.service(extra: "  quorum 20\n  hysteresis 1\n  sorry_server 10.0.0.9 80", servers: Self.servers(weight: 7))
        let (inPlace, matched) = bothReloads(from: old, to: changed)
        let reload = try #require(inPlace, "same servers and checkers: the reload runs in place")
        expectSame(reload, matched)
        #expect(reload.core.snapshot.realServers[F.ref(0, 1)]?.weight == 7)
        #expect(reload.carriedOver.count == 4)
        #expect(F.logs(reload.actions).contains { $0.contains("quorum") }, "the new quorum (capped at the total weight, 12) is lost at once")
        #expect(old.reloaded(with: F.config(changed), at: .seconds(5)).actions == reload.actions, "reloaded(with:) takes it")
    }

    @Test func aMiscDynamicWeightSurvivesTheReload() throws {
        var old = running(F.service(servers: Self.servers(dynamicWeight: true)))
        _ = old.handle(.timer, at: .seconds(1))
        _ = old.handle(.probeFinished(F.id(0, 2, 1), .success(nil)), at: .seconds(1))
        let (inPlace, matched) = bothReloads(from: old, to: F.service(servers: Self.servers(weight: 5, dynamicWeight: true)))
        expectSame(try #require(inPlace), matched)
    }

    /// A virtual server kept from the last read shares its real servers' storage with the running
    /// one and is not compared checker by checker; the outcome stays the general path's.
    @Test func aKeptVirtualServerSharingItsStorageReloadsInPlace() throws {
        let text = F.service(servers: Self.servers()) + F.service(vip: "10.0.0.60", servers: Self.servers())
        let config = F.config(text)
        var old = HealthCore(config: config)
        _ = old.handle(.start, at: .zero)
        _ = old.handle(.timer, at: .seconds(1))
        _ = old.handle(.probeFinished(F.id(0, 0), .failure(nil)), at: .seconds(1))
        var servers = config.virtualServers
        servers[1] = F.config(F.service(vip: "10.0.0.60", servers: Self.servers(weight: 9))).virtualServers[0]
        #expect(HealthCore.sharesStorage(servers[0].realServers, old.virtualServers[0].realServers))
        #expect(!HealthCore.sharesStorage(servers[1].realServers, old.virtualServers[1].realServers))
        let inPlace = try #require(old.reloadedInPlace(virtualServers: servers, checkerLogAllFailures: false, at: .seconds(5)))
        expectSame(inPlace, old.reloadedByMatching(virtualServers: servers, checkerLogAllFailures: false,
                                                   at: .seconds(5), warmupOffsets: [:]))
        #expect(inPlace.core.snapshot.realServers[F.ref(1, 1)]?.weight == 9)
        #expect(inPlace.changedVirtualServers == [1], "the kept virtual server is not looked at again")
        #expect(inPlace.core.snapshot(ofVirtualServers: [1]).realServers.keys.sorted { $0.realServer < $1.realServer }
                == (0..<3).map { F.ref(1, $0) })
        // A changed checker in the other virtual server still takes the general path.
        servers[1] = F.config(F.service(vip: "10.0.0.60", servers: Self.servers() + [("10.0.0.5", F.tcpCheck())])).virtualServers[0]
        #expect(old.reloadedInPlace(virtualServers: servers, checkerLogAllFailures: false, at: .seconds(5)) == nil)
    }

    @Test func anyStructuralChangeTakesTheGeneralPath() {
        let old = running(F.service(servers: Self.servers()))
        var reordered = Self.servers()
        reordered.swapAt(0, 1)
        let changes = [
            F.service(servers: reordered),
            F.service(servers: Array(Self.servers().dropLast())),
            F.service(servers: Self.servers() + [("10.0.0.5", F.tcpCheck())]),
            F.service(servers: [Self.servers()[0], ("10.0.0.3", F.tcpCheck(retry: 1))] + Self.servers().suffix(1)),
            F.service(vip: "10.0.0.60", servers: Self.servers()),
            F.service(extra: "  ha_suspend", servers: Self.servers()),
        ]
        for text in changes {
            #expect(bothReloads(from: old, to: text).inPlace == nil, "\(text)")
        }
        let idle = HealthCore(config: F.config(F.service(servers: Self.servers())))
        #expect(bothReloads(from: idle, to: F.service(servers: Self.servers())).inPlace == nil, "not running")
    }
}
