import ConfParser
import IPVSSync
import Testing
@testable import HealthCheck

@Suite("HealthCore reload")
struct HealthCoreReloadTests {
    typealias F = HealthCoreFixture

    let before = F.service(servers: [
        ("10.0.0.2", "    notify_up /bin/up\n    notify_down /bin/down\n" + F.tcpCheck(retry: 0)),
        ("10.0.0.3", F.tcpCheck(retry: 0)),
    ])

    /// A new virtual server first (shifting indices), 10.0.0.2 unchanged plus a new HTTP_GET,
    /// 10.0.0.3's checker changed, 10.0.0.4 new with alpha.
    let after = F.service(vip: "10.0.0.50", servers: [("10.0.0.7", "    alpha\n" + F.tcpCheck())])
        + F.service(servers: [
            ("10.0.0.4", "    alpha\n" + F.tcpCheck()),
            ("10.0.0.2", "    notify_up /bin/up\n    notify_down /bin/down\n" + F.tcpCheck(retry: 0)
                + "\n    HTTP_GET {\n      url {\n        path /\n      }\n      retry 2\n    }"),
            ("10.0.0.3", F.tcpCheck(retry: 3)),
        ])

    func running() -> HealthCore {
        var core = HealthCore(config: F.config(before))
        _ = core.handle(.start, at: .zero)
        #expect(F.probes(core.handle(.timer, at: .seconds(1))) == [F.id(0, 0), F.id(0, 1)])
        _ = core.handle(.probeFinished(F.id(0, 0), .failure(nil)), at: .seconds(1))
        _ = core.handle(.probeFinished(F.id(0, 1), .success(nil)), at: .seconds(1))
        #expect(core.isAlive(F.ref(0, 0)) == false)
        return core
    }

    @Test func unchangedCheckersKeepTheirStateAndScheduleOthersStartFresh() {
        let old = running()
        let change = old.reloaded(with: F.config(after), at: .seconds(5))
        var core = change.core
        let kept = F.id(1, 1, 0), added = F.id(1, 1, 1), changed = F.id(1, 2, 0), alpha = F.id(1, 0, 0)
        #expect(change.carriedOver == [F.id(0, 0, 0): kept])
        #expect(core.isUp(kept) == false)
        #expect(core.nextAttempt(of: kept) == F.seconds(11), "the schedule is carried over")
        #expect(core.isAlive(F.ref(1, 1)) == false, "the failed server stays down")
        #expect(core.retryCount(of: added) == 2, "beside a failed checker one failure is enough")
        #expect(core.nextAttempt(of: added) == F.seconds(6))
        #expect(core.isAlive(F.ref(1, 2)) == true)
        #expect(core.nextAttempt(of: changed) == F.seconds(6))
        #expect(core.retryCount(of: changed) == 0)
        #expect(core.isAlive(F.ref(1, 0)) == false, "a new alpha server starts down")
        #expect(core.isAlive(F.ref(0, 0)) == false)
        #expect(core.quorumHeld(1) == true)
        #expect(core.quorumHeld(0) == false)

        #expect(F.scripts(change.actions) == [], "nothing changed state")
        #expect(change.actions.last == .healthChanged)
        #expect(F.logs(change.actions).count == 5)
        #expect(F.logs(change.actions).allSatisfy { $0.hasPrefix("Activating healthchecker") })

        // The carried-over down checker recovers with one success; the server needs its new
        // HTTP_GET to be up as well (it is, having never failed).
        #expect(F.probes(core.handle(.timer, at: .seconds(6))) == [F.id(0, 0, 0), alpha, added, changed])
        for id in [alpha, added, changed, F.id(0, 0, 0)] {
            _ = core.handle(.probeFinished(id, .success(nil)), at: .seconds(6))
        }
        let recovered = F.attempt(&core, kept, .success(nil))
        #expect(F.scripts(recovered) == ["/bin/up"])
        #expect(core.isAlive(F.ref(1, 1)) == true)
    }

    @Test func aChangedCheckerOfAFailedServerBringsItBack() {
        let old = running()
        let changed = F.service(servers: [
            ("10.0.0.2", "    notify_up /bin/up\n    notify_down /bin/down\n" + F.tcpCheck(retry: 1)),
            ("10.0.0.3", F.tcpCheck(retry: 0)),
        ])
        let change = old.reloaded(with: F.config(changed), at: .seconds(5))
        #expect(change.carriedOver == [F.id(0, 1, 0): F.id(0, 1, 0)])
        #expect(change.core.isAlive(F.ref(0, 0)) == true)
        #expect(F.scripts(change.actions) == ["/bin/up"])
        #expect(change.core.nextAttempt(of: F.id(0, 1, 0)) == F.seconds(11))
    }

    @Test func reloadBeforeStartOnlyReplacesTheConfiguration() {
        let idle = HealthCore(config: F.config(before))
        let change = idle.reloaded(with: F.config(after), at: .seconds(3))
        #expect(change.actions.isEmpty && change.carriedOver.isEmpty)
        #expect(change.core.phase == .idle)
        #expect(change.core.checkerIDs.count == 5)
    }

    @Test func quorumStateIsCarriedAcrossReloads() {
        let servers = (2...3).map { ("10.0.0.\($0)", F.tcpCheck(retry: 0)) }
        let config = F.config(F.service(extra: "  quorum 2\n  sorry_server 10.0.0.9 80", servers: servers))
        var core = HealthCore(config: config)
        _ = core.handle(.start, at: .zero)
        _ = core.handle(.timer, at: .seconds(1))
        let lost = core.handle(.probeFinished(F.id(0, 0), .failure(nil)), at: .seconds(1))
        _ = core.handle(.probeFinished(F.id(0, 1), .success(nil)), at: .seconds(1))
        #expect(F.logs(lost).contains("Lost quorum 2-0=2 > 1 for VS [10.0.0.1]:tcp:80"))
        let change = core.reloaded(with: config, at: .seconds(4))
        #expect(change.core.quorumHeld(0) == false)
        #expect(!F.logs(change.actions).contains { $0.contains("quorum") }, "the sorry server is already in")
        #expect(change.carriedOver.count == 2)
    }

    /// keepalived's clear_diff_services: gone virtual and real servers are logged; live ones among
    /// them run notify_down and are mailed about; a dead one only logged.
    @Test func removedServersAreLoggedAndLiveOnesNotified() {
        var old = running()
        let second = F.service(vip: "10.0.0.60", servers: [("10.0.0.8", "    notify_down /bin/down8\n" + F.tcpCheck(retry: 0))])
        let reload = old.reloaded(with: F.config(before + second), at: .seconds(2))
        old = reload.core
        // Now drop 10.0.0.2 (dead), 10.0.0.3 (alive) and the whole second virtual server (alive).
        let change = old.reloaded(with: F.config(F.service(servers: [("10.0.0.9", F.tcpCheck())])), at: .seconds(3))
        #expect(F.logs(change.actions).prefix(3) == ["service [10.0.0.2]:tcp:80 no longer exist",
                                                     "service [10.0.0.3]:tcp:80 no longer exist",
                                                     "Removing Virtual Server [10.0.0.60]:tcp:80"])
        #expect(F.scripts(change.actions) == ["/bin/down8"])
        let removed = change.actions.compactMap { action -> RealServerRef? in
            if case .realServerRemoved(let ref) = action { return ref }
            return nil
        }
        #expect(removed == [F.ref(0, 1), F.ref(1, 0)])
        // A reload that keeps every server removes nothing.
        let same = old.reloaded(with: F.config(before + second), at: .seconds(3))
        #expect(!same.actions.contains { if case .realServerRemoved = $0 { true } else { false } })
        #expect(!F.logs(same.actions).contains { $0.contains("no longer exist") })
    }
}
