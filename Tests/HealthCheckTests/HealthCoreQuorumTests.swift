import ConfParser
import IPVSSync
import Testing
@testable import HealthCheck

@Suite("HealthCore quorum, ha_suspend and omega")
struct HealthCoreQuorumTests {
    typealias F = HealthCoreFixture
    let vsName = "[10.0.0.1]:tcp:80"

    /// Four real servers of weight 1 with one TCP_CHECK each (no retries); quorum 3,
    /// hysteresis 1, a sorry server and quorum scripts.
    func quorumConfig(alpha: Bool = false) -> Config {
        let extra = """
              quorum 3
              hysteresis 1
              quorum_up /bin/q-up
              quorum_down /bin/q-down
              sorry_server 10.0.0.9 80
            \(alpha ? "  alpha" : "")
            """
        let servers = (2...5).map { ("10.0.0.\($0)", F.tcpCheck(retry: 0)) }
        return F.config(F.service(extra: extra, servers: servers))
    }

    /// Brings every checker through its first attempt at 1 s with the given results.
    func firstRound(_ core: inout HealthCore, _ results: [Bool]) -> [HealthAction] {
        let ids = (0..<results.count).map { F.id(0, $0) }
        #expect(F.probes(core.handle(.timer, at: .seconds(1))) == ids)
        var actions: [HealthAction] = []
        for (id, ok) in zip(ids, results) {
            actions += core.handle(.probeFinished(id, ok ? .success(nil) : .failure(nil)), at: .seconds(1))
        }
        return actions
    }

    /// All due probes at `time`, with the results given per real server index.
    func round(_ core: inout HealthCore, at time: Double, _ results: [Int: Bool]) -> [HealthAction] {
        let started = Set(F.probes(core.handle(.timer, at: .seconds(time))))
        #expect(started == Set(results.keys.map { F.id(0, $0) }))
        var actions: [HealthAction] = []
        for (rs, ok) in results.sorted(by: { $0.key < $1.key }) {
            actions += core.handle(.probeFinished(F.id(0, rs), ok ? .success(nil) : .failure(nil)), at: .seconds(time))
        }
        return actions
    }

    @Test func quorumIsLostBelowQuorumMinusHysteresisAndGainedAtQuorumPlusHysteresis() {
        let config = quorumConfig()
        var core = HealthCore(config: config)
        let start = core.handle(.start, at: .zero)
        #expect(F.logs(start).first == "Gained quorum 3+1=4 <= 4 for VS \(vsName)")
        #expect(F.logs(start, of: core).dropFirst().allSatisfy { $0.hasPrefix("Activating") })
        #expect(F.scripts(start) == ["/bin/q-up"])
        #expect(core.quorumHeld(0) == true)

        // 4 -> 3 -> 2: still >= 3-1.
        let two = firstRound(&core, [false, false, true, true])
        #expect(F.logs(two) == ["TCP_CHECK on service [10.0.0.2]:tcp:80 failed.",
                                "TCP_CHECK on service [10.0.0.3]:tcp:80 failed.",
                                "TCP connection to [10.0.0.4]:tcp:80 success.",
                                "TCP connection to [10.0.0.5]:tcp:80 success."])
        #expect(core.quorumHeld(0) == true)

        let one = round(&core, at: 11, [0: false, 1: false, 2: false, 3: true])
        #expect(F.logs(one) == ["TCP_CHECK on service [10.0.0.4]:tcp:80 failed.",
                                "Lost quorum 3-1=2 > 1 for VS \(vsName)"])
        #expect(F.scripts(one) == ["/bin/q-down"])
        #expect(core.quorumHeld(0) == false)
        #expect(core.snapshot.quorum == [0: false])

        // The desired table has the sorry server instead of the live server.
        let lost = DesiredState.table(from: config, health: core.snapshot).entries.flatMap(\.destinations)
        #expect(lost.map(\.address) == [IPAddress("10.0.0.9")!])
        #expect(lost.first?.isSorryServer == true)

        // 1 -> 2 -> 3: below 3+1, quorum stays lost.
        let three = round(&core, at: 21, [0: true, 1: true, 2: false, 3: true])
        #expect(!F.logs(three).contains { $0.contains("quorum") })
        #expect(core.quorumHeld(0) == false)

        let four = round(&core, at: 31, [0: true, 1: true, 2: true, 3: true])
        #expect(F.logs(four) == ["TCP connection to [10.0.0.4]:tcp:80 success.",
                                 "Gained quorum 3+1=4 <= 4 for VS \(vsName)"])
        #expect(F.scripts(four) == ["/bin/q-up"])
        #expect(four.last == .healthChanged)
        #expect(core.quorumHeld(0) == true)
        let held = DesiredState.table(from: config, health: core.snapshot).entries.flatMap(\.destinations)
        #expect(held.count == 4 && !held.contains { $0.isSorryServer })
    }

    @Test func startingWithoutQuorumAndASorryServerSaysSo() {
        var core = HealthCore(config: quorumConfig(alpha: true))
        let start = core.handle(.start, at: .zero)
        // keepalived prints the threshold it compared with (Q+H) under its "Q-H" label.
        #expect(F.logs(start).first == "Starting with quorum down 3-1=4 > 0 for VS \(vsName)")
        #expect(F.scripts(start) == ["/bin/q-down"])
        #expect(core.snapshot.quorum == [0: false])
        let up = firstRound(&core, [true, true, true, true])
        #expect(F.logs(up).last == "Gained quorum 3+1=4 <= 4 for VS \(vsName)")
    }

    /// The quorum decisions among the actions (what the daemon mails about).
    func notices(_ actions: [HealthAction]) -> [QuorumNotice] {
        actions.compactMap { if case .quorumChanged(let notice) = $0 { notice } else { nil } }
    }

    func notice(up: Bool, starting: Bool, threshold: Int, weight: Int) -> QuorumNotice {
        QuorumNotice(virtualServer: 0, isUp: up, starting: starting, quorum: 3, hysteresis: 1,
                     threshold: threshold, weight: weight)
    }

    @Test func everyQuorumDecisionIsNoticedWithKeepalivedsNumbers() {
        var core = HealthCore(config: quorumConfig())
        #expect(notices(core.handle(.start, at: .zero)) == [notice(up: true, starting: true, threshold: 4, weight: 4)])
        // 4 -> 2: still held, nothing to notice.
        #expect(notices(firstRound(&core, [false, false, true, true])).isEmpty)
        #expect(notices(round(&core, at: 11, [0: false, 1: false, 2: false, 3: true]))
                == [notice(up: false, starting: false, threshold: 2, weight: 1)])
        #expect(notices(round(&core, at: 21, [0: true, 1: true, 2: false, 3: true])).isEmpty)
        let regained = round(&core, at: 31, [0: true, 1: true, 2: true, 3: true])
        #expect(notices(regained) == [notice(up: true, starting: false, threshold: 4, weight: 4)])
        // The notice comes after the script, before the table is recomputed.
        #expect(regained.suffix(2).last == .healthChanged)

        var alpha = HealthCore(config: quorumConfig(alpha: true))
        #expect(notices(alpha.handle(.start, at: .zero)) == [notice(up: false, starting: true, threshold: 4, weight: 0)])
    }

    @Test func haSuspendPausesCheckersWhileTheAddressIsNotLocal() {
        let config = F.config(F.service(extra: "  ha_suspend", servers: [("10.0.0.2", F.tcpCheck())]))
        var core = HealthCore(config: config)
        let start = core.handle(.start, at: .zero)
        #expect(F.logs(start, of: core) == ["Gained quorum 1+0=1 <= 1 for VS \(vsName)",
                                           "Deactivating healthchecker for service [10.0.0.2]:tcp:80 for VS \(vsName)"])
        #expect(F.probes(core.handle(.timer, at: .seconds(1))) == [])
        #expect(core.nextDeadline == F.seconds(11))

        let added = core.handle(.virtualAddress(virtualServer: 0, isLocal: true), at: .seconds(5))
        #expect(F.logs(added) == ["Activating healthchecker for service [10.0.0.2]:tcp:80 for VS \(vsName)"])
        #expect(F.probes(core.handle(.timer, at: .seconds(11))) == [F.id()])
        _ = core.handle(.probeFinished(F.id(), .success(nil)), at: .seconds(11))

        let removed = core.handle(.virtualAddress(virtualServer: 0, isLocal: false), at: .seconds(12))
        #expect(F.logs(removed) == ["Suspending healthchecker for service [10.0.0.2]:tcp:80 for VS \(vsName)"])
        #expect(F.probes(core.handle(.timer, at: .seconds(21))) == [])

        var local = HealthCore(config: config, localVirtualServers: [0])
        #expect(F.logs(local.handle(.start, at: .zero), of: local).dropFirst().first?.hasPrefix("Activating") == true)
    }

    @Test func omegaRunsNotifyDownAndQuorumDownAtShutdown() {
        let body = "    notify_down /bin/rs-down\n" + F.tcpCheck(retry: 0)
        let servers = [("10.0.0.2", body), ("10.0.0.3", body)]
        let omega = F.config(F.service(extra: "  omega\n  quorum_down /bin/q-down", servers: servers))
        var core = HealthCore(config: omega)
        _ = core.handle(.start, at: .zero)
        _ = core.handle(.timer, at: .seconds(1))
        _ = core.handle(.probeFinished(F.id(0, 0), .failure(nil)), at: .seconds(1))
        _ = core.handle(.probeFinished(F.id(0, 1), .success(nil)), at: .seconds(1))
        let stop = core.handle(.stop, at: .seconds(2))
        #expect(stop == [.runScript(omega.virtualServers[0].realServers[1].notifyDown!, .realServerDown(F.ref(0, 1))),
                         .runScript(omega.virtualServers[0].quorumDown!, .quorumDown(virtualServer: 0))])
        #expect(core.nextDeadline == nil)
        #expect(core.handle(.timer, at: .seconds(11)).isEmpty)

        let plain = F.config(F.service(extra: "  quorum_down /bin/q-down", servers: servers))
        var quiet = HealthCore(config: plain)
        _ = quiet.handle(.start, at: .zero)
        #expect(quiet.handle(.stop, at: .seconds(1)).isEmpty)
    }
}
