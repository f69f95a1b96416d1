import ConfParser
import IPVSSync
import Testing
@testable import HealthCheck

/// Shared helpers for the health core tests: configurations from text and a virtual clock.
enum HealthCoreFixture {
    /// Loads a configuration and requires it to have no errors.
    static func config(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Config {
        let result = ConfigLoader.load(text: text)
        let errors = result.diagnostics.items.filter { $0.severity == .error }.map(\.message)
        #expect(errors == [], sourceLocation: sourceLocation)
        return result.config
    }

    /// `virtual_server 10.0.0.1 80` (TCP, NAT) with `extra` lines and real servers given as
    /// (address, body) pairs, port 80.
    static func service(vip: String = "10.0.0.1", extra: String = "", servers: [(String, String)]) -> String {
        var text = "virtual_server \(vip) 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  delay_loop 10\n\(extra)\n"
        for (address, body) in servers {
            text += "  real_server \(address) 80 {\n\(body)\n  }\n"
        }
        return text + "}\n"
    }

    static func tcpCheck(retry: Int = 1, delayBeforeRetry: Int = 2, extra: String = "") -> String {
        "    TCP_CHECK {\n      connect_timeout 3\n      retry \(retry)\n      delay_before_retry \(delayBeforeRetry)\n\(extra)\n    }"
    }

    static func id(_ vs: Int = 0, _ rs: Int = 0, _ index: Int = 0) -> CheckerID {
        CheckerID(virtualServer: vs, realServer: rs, index: index)
    }

    static func ref(_ vs: Int = 0, _ rs: Int = 0) -> RealServerRef { RealServerRef(virtualServer: vs, realServer: rs) }

    static func seconds(_ value: Double) -> Duration { .seconds(value) }

    /// The non-detail log lines of some actions; `core` words `.logActivationLines`, as the
    /// engine does.
    static func logs(_ actions: [HealthAction], of core: HealthCore? = nil) -> [String] {
        actions.flatMap { action -> [String] in
            switch action {
            case .log(let line) where !line.isDetail: return [line.text]
            case .logActivationLines: return core.map { $0.activationLines.map(\.text) } ?? ["(activation lines)"]
            default: return []
            }
        }
    }

    static func details(_ actions: [HealthAction]) -> [String] {
        actions.compactMap { action in
            if case .log(let line) = action, line.isDetail { return line.text }
            return nil
        }
    }

    static func scripts(_ actions: [HealthAction]) -> [String] {
        actions.compactMap { action in
            if case .runScript(let script, _) = action { return script.command }
            return nil
        }
    }

    static func probes(_ actions: [HealthAction]) -> [CheckerID] {
        actions.compactMap { action in
            if case .runProbe(let id) = action { return id }
            return nil
        }
    }

    /// Runs one attempt of `id` on a virtual clock: the timer at its deadline, the result
    /// `duration` later. Returns the actions of the result.
    static func attempt(_ core: inout HealthCore, _ id: CheckerID, _ result: ProbeResult, lasting duration: Double = 0,
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [HealthAction] {
        guard let due = core.nextAttempt(of: id) else {
            Issue.record("checker \(id) has no attempt scheduled", sourceLocation: sourceLocation)
            return []
        }
        #expect(core.nextDeadline == due, sourceLocation: sourceLocation)
        let started = core.handle(.timer, at: due)
        #expect(probes(started) == [id], sourceLocation: sourceLocation)
        return core.handle(.probeFinished(id, result), at: due + .seconds(duration))
    }
}

@Suite("HealthCore checker sequences")
struct HealthCoreTests {
    typealias F = HealthCoreFixture
    let rsName = "[10.0.0.2]:tcp:80"
    let vsName = "[10.0.0.1]:tcp:80"

    @Test func retriesAtExactTimesThenGoesDownAndRecovers() {
        let config = F.config(F.service(servers: [("10.0.0.2", F.tcpCheck(retry: 2, delayBeforeRetry: 2))]))
        var core = HealthCore(config: config)
        let id = F.id()
        let start = core.handle(.start, at: .zero)
        // keepalived starts each virtual server with its quorum down and gains it at once.
        #expect(F.logs(start, of: core) == ["Gained quorum 1+0=1 <= 1 for VS \(vsName)",
                                           "Activating healthchecker for service \(rsName) for VS \(vsName)"])
        #expect(start.last == .healthChanged)
        #expect(core.nextAttempt(of: id) == F.seconds(1))

        // keepalived counts each delay from the end of the attempt; the core takes off up to
        // `catchUpLimit` of the time from the attempt's due time to its end (here all of it).
        let slack = HealthCore.catchUpLimit
        let first = F.attempt(&core, id, .success("TCP connection to \(rsName) success."), lasting: 0.5)
        #expect(F.logs(first) == ["TCP connection to \(rsName) success."])
        #expect(!first.contains(.healthChanged))
        #expect(core.nextAttempt(of: id) == F.seconds(11.5) - slack)

        let failure = ProbeResult.failure("TCP connection to \(rsName) failed.")
        let retry1 = F.attempt(&core, id, failure, lasting: 0.5)
        #expect(F.logs(retry1) == [])
        #expect(F.details(retry1) == ["TCP connection to \(rsName) failed."])
        #expect(core.nextAttempt(of: id) == F.seconds(14) - slack * 2)
        #expect(core.retryCount(of: id) == 1)

        _ = F.attempt(&core, id, failure)
        #expect(core.nextAttempt(of: id) == F.seconds(16) - slack * 2)
        #expect(core.isAlive(F.ref()) == true)

        let down = F.attempt(&core, id, failure)
        #expect(F.logs(down) == ["TCP_CHECK on service \(rsName) failed after 2 retries.",
                                 "Lost quorum 1-0=1 > 0 for VS \(vsName)"])
        #expect(down.last == .healthChanged)
        #expect(core.isAlive(F.ref()) == false)
        #expect(core.snapshot.realServers[F.ref()] == RealServerHealth(alive: false, weight: 1))
        #expect(core.nextAttempt(of: id) == F.seconds(26) - slack * 2)

        // Down: tried every delay_loop without retries, failures only as detail lines.
        let stillDown = F.attempt(&core, id, failure)
        #expect(F.logs(stillDown) == [])
        #expect(F.details(stillDown) == ["TCP connection to \(rsName) failed."])
        #expect(core.nextAttempt(of: id) == F.seconds(36) - slack * 2)

        let up = F.attempt(&core, id, .success(nil), lasting: 1)
        #expect(F.logs(up) == ["TCP connection to \(rsName) success.", "Gained quorum 1+0=1 <= 1 for VS \(vsName)"])
        #expect(up.last == .healthChanged)
        #expect(core.isAlive(F.ref()) == true)
        #expect(core.nextAttempt(of: id) == F.seconds(47) - slack * 3)
    }

    /// A check that ends within `catchUpLimit` of its due time (started late on the engine's
    /// wake-up grid, or in a batch) is next due exactly a delay after its due time: it keeps its
    /// phase. One that takes longer is next due a delay after its end, less the limit.
    @Test func aQuickCheckKeepsItsPhaseAndALongOneCountsFromItsEnd() {
        let config = F.config(F.service(servers: [("10.0.0.2", F.tcpCheck(retry: 1, delayBeforeRetry: 2))]))
        var core = HealthCore(config: config)
        let id = F.id()
        _ = core.handle(.start, at: .zero)
        let due = F.seconds(1)
        #expect(F.probes(core.handle(.timer, at: due + .milliseconds(3))) == [id])
        _ = core.handle(.probeFinished(id, .success(nil)), at: due + .milliseconds(9))
        #expect(core.nextAttempt(of: id) == due + .seconds(10))
        // A failure 30 ms after its due time: the retry is due delay_before_retry after the due time.
        #expect(F.probes(core.handle(.timer, at: due + .seconds(10))) == [id])
        _ = core.handle(.probeFinished(id, .failure(nil)), at: due + .seconds(10) + .milliseconds(30))
        #expect(core.nextAttempt(of: id) == due + .seconds(12))
        // A connect that timed out after 3 s: counted from its end, less the limit.
        #expect(F.probes(core.handle(.timer, at: due + .seconds(12))) == [id])
        let end = due + .seconds(15)
        _ = core.handle(.probeFinished(id, .failure(nil)), at: end)
        #expect(core.nextAttempt(of: id) == end + .seconds(10) - HealthCore.catchUpLimit)
    }

    @Test func successResetsTheRetryCount() {
        let config = F.config(F.service(servers: [("10.0.0.2", F.tcpCheck(retry: 1, delayBeforeRetry: 3))]))
        var core = HealthCore(config: config)
        let id = F.id()
        _ = core.handle(.start, at: .zero)
        _ = F.attempt(&core, id, .success(nil))
        _ = F.attempt(&core, id, .failure(nil))
        #expect(core.retryCount(of: id) == 1)
        #expect(core.nextAttempt(of: id) == F.seconds(14))
        let ok = F.attempt(&core, id, .success(nil))
        #expect(F.logs(ok) == [], "a success while up logs nothing")
        #expect(core.retryCount(of: id) == 0)
        _ = F.attempt(&core, id, .failure(nil))
        #expect(core.isAlive(F.ref()) == true, "one failure after a success is retried again")
    }

    @Test func firstAttemptWithoutRetriesSaysFailedAndLogAllFailuresShowsReasons() {
        let config = F.config(F.service(servers: [("10.0.0.2", F.tcpCheck(retry: 0, extra: "      log_all_failures"))]))
        var core = HealthCore(config: config)
        _ = core.handle(.start, at: .zero)
        let down = F.attempt(&core, F.id(), .failure("TCP connection to \(rsName) timedout."))
        #expect(F.logs(down) == ["TCP connection to \(rsName) timedout.", "TCP_CHECK on service \(rsName) failed.",
                                 "Lost quorum 1-0=1 > 0 for VS \(vsName)"])
        #expect(core.isAlive(F.ref()) == false)
    }

    @Test func withoutAlphaServersStartUpAndWithAlphaDown() {
        let body = "    notify_up /bin/rs-up\n    notify_down /bin/rs-down\n" + F.tcpCheck(retry: 0)
        let plain = F.config(F.service(servers: [("10.0.0.2", body)]))
        var core = HealthCore(config: plain)
        #expect(core.isAlive(F.ref()) == true)
        _ = core.handle(.start, at: .zero)
        let ok = F.attempt(&core, F.id(), .success(nil))
        #expect(F.scripts(ok) == [], "the first success of a server already up notifies nothing")

        let alpha = F.config(F.service(extra: "  alpha", servers: [("10.0.0.2", body)]))
        var alphaCore = HealthCore(config: alpha)
        #expect(alphaCore.isAlive(F.ref()) == false)
        _ = alphaCore.handle(.start, at: .zero)
        #expect(alphaCore.snapshot.realServers[F.ref()]?.alive == false)
        let up = F.attempt(&alphaCore, F.id(), .success(nil))
        #expect(F.logs(up) == ["TCP connection to \(rsName) success.", "Gained quorum 1+0=1 <= 1 for VS \(vsName)"])
        #expect(F.scripts(up) == ["/bin/rs-up"])
        #expect(up.last == .healthChanged)
        #expect(alphaCore.isAlive(F.ref()) == true)

        // An alpha server whose first check fails stays down and runs notify_down.
        var failing = HealthCore(config: alpha)
        _ = failing.handle(.start, at: .zero)
        let first = F.attempt(&failing, F.id(), .failure(nil))
        #expect(F.logs(first) == ["TCP_CHECK on service \(rsName) failed."])
        #expect(F.scripts(first) == ["/bin/rs-down"])
        #expect(!first.contains(.healthChanged))
    }

    @Test func aServerIsUpOnlyWhileAllItsCheckersAre() {
        let body = "    notify_up /bin/up\n    notify_down /bin/down\n" + F.tcpCheck(retry: 0) + "\n"
            + "    HTTP_GET {\n      url {\n        path /\n      }\n      retry 0\n    }"
        let config = F.config(F.service(servers: [("10.0.0.2", body)]))
        var core = HealthCore(config: config)
        let tcp = F.id(0, 0, 0), http = F.id(0, 0, 1)
        _ = core.handle(.start, at: .zero)
        // Both first attempts are due at 1 s.
        #expect(F.probes(core.handle(.timer, at: .seconds(1))) == [tcp, http])
        let tcpDown = core.handle(.probeFinished(tcp, .failure(nil)), at: .seconds(1))
        #expect(F.scripts(tcpDown) == ["/bin/down"])
        #expect(core.isAlive(F.ref()) == false)
        let httpDown = core.handle(.probeFinished(http, .failure(nil)), at: .seconds(1))
        #expect(F.logs(httpDown) == ["HTTP_CHECK on service \(rsName) failed."])
        #expect(F.scripts(httpDown) == [] && !httpDown.contains(.healthChanged))

        #expect(F.probes(core.handle(.timer, at: .seconds(11))) == [tcp, http])
        let tcpUp = core.handle(.probeFinished(tcp, .success(nil)), at: .seconds(11))
        #expect(F.logs(tcpUp) == ["TCP connection to \(rsName) success."])
        #expect(core.isAlive(F.ref()) == false && F.scripts(tcpUp) == [])
        let httpUp = core.handle(.probeFinished(http, .success("HTTP status code success to \(rsName) url(/)")), at: .seconds(11))
        #expect(F.logs(httpUp) == ["HTTP status code success to \(rsName) url(/)",
                                   "Remote Web server \(rsName) succeed on service.",
                                   "Gained quorum 1+0=1 <= 1 for VS \(vsName)"])
        #expect(F.scripts(httpUp) == ["/bin/up"])
        #expect(core.isAlive(F.ref()) == true)
    }

    @Test func inhibitOnFailureKeepsTheServerAtWeightZero() {
        let config = F.config(F.service(extra: "  inhibit_on_failure", servers: [
            ("10.0.0.2", "    weight 5\n" + F.tcpCheck(retry: 0)), ("10.0.0.3", "    weight 2"),
        ]))
        var core = HealthCore(config: config)
        _ = core.handle(.start, at: .zero)
        _ = F.attempt(&core, F.id(), .failure(nil))
        #expect(core.snapshot.realServers[F.ref()] == RealServerHealth(alive: false, weight: 5))
        let table = DesiredState.table(from: config, health: core.snapshot)
        let destinations = table.entries.flatMap(\.destinations)
        let failed = destinations.first { $0.address == IPAddress("10.0.0.2")! }
        #expect(failed?.weight == 0 && failed?.isInhibited == true)
        #expect(destinations.first { $0.address == IPAddress("10.0.0.3")! }?.weight == 2)
    }

    @Test func miscDynamicSetsTheWeightAndMiscSchedulesFromTheAttemptStart() {
        let misc = "    weight 7\n    MISC_CHECK {\n      misc_path \"/usr/local/bin/check arg\"\n      misc_dynamic\n    }"
        let config = F.config(F.service(servers: [("10.0.0.2", misc)]))
        var core = HealthCore(config: config)
        let id = F.id()
        _ = core.handle(.start, at: .zero)
        let weighted = F.attempt(&core, id, .success(nil, dynamicWeight: 3), lasting: 2)
        #expect(F.logs(weighted) == ["Misc check for [\(rsName) VS \(vsName)] by [/usr/local/bin/check] succeeded."])
        #expect(weighted.last == .healthChanged)
        #expect(core.snapshot.realServers[F.ref()] == RealServerHealth(alive: true, weight: 3))
        #expect(core.nextAttempt(of: id) == F.seconds(11), "MISC_CHECK counts delay_loop from the attempt's start")

        let same = F.attempt(&core, id, .success(nil, dynamicWeight: 3))
        #expect(same.isEmpty)
        let back = F.attempt(&core, id, .success(nil))
        #expect(back == [.healthChanged])
        #expect(core.snapshot.realServers[F.ref()]?.weight == 7)

        // MISC_CHECK has no retries by default: one failure takes it down.
        let down = F.attempt(&core, id, .failure("exited with status 1"))
        #expect(F.logs(down) == ["Misc check for [\(rsName) VS \(vsName)] by [/usr/local/bin/check] failed (exited with status 1).",
                                 "Lost quorum 1-0=1 > 0 for VS \(vsName)"])
        #expect(core.isAlive(F.ref()) == false)
    }

    @Test func miscWordingForTimeoutsAndRetries() {
        let misc = "    MISC_CHECK {\n      misc_path /bin/check\n      retry 1\n    }"
        let config = F.config(F.service(servers: [("10.0.0.2", misc)]))
        var core = HealthCore(config: config)
        _ = core.handle(.start, at: .zero)
        _ = F.attempt(&core, F.id(), .success(nil))
        let first = F.attempt(&core, F.id(), .failure("timed out"))
        #expect(F.logs(first) == [])
        #expect(F.details(first) == ["Misc check for [\(rsName) VS \(vsName)] by [/bin/check] timed out after 1 retries."])
        let down = F.attempt(&core, F.id(), .failure("due to signal 9"))
        #expect(F.logs(down) == ["Misc check for [\(rsName) VS \(vsName)] by [/bin/check] failed after 1 retries (due to signal 9).",
                                 "Lost quorum 1-0=1 > 0 for VS \(vsName)"])
    }

    @Test func smtpAndDnsWordTheirFailuresThemselves() {
        let servers = [
            ("10.0.0.2", "    SMTP_CHECK {\n      retry 0\n    }"),
            ("10.0.0.3", "    DNS_CHECK {\n      retry 1\n      delay_before_retry 1\n    }"),
        ]
        let config = F.config(F.service(servers: servers))
        var core = HealthCore(config: config, warmupOffsets: [F.id(0, 1): .seconds(0.5)])
        _ = core.handle(.start, at: .zero)
        let smtp = F.attempt(&core, F.id(0, 0), .failure("Connection timeout to server [10.0.0.2]:25"))
        #expect(F.logs(smtp) == ["SMTP_CHECK Connection timeout to server [10.0.0.2]:25"])
        _ = F.attempt(&core, F.id(0, 1), .success(nil))
        let smtpUp = F.attempt(&core, F.id(0, 0), .success(nil))
        #expect(F.logs(smtpUp) == ["Remote SMTP server \(rsName) succeed on service."])

        let retry = F.attempt(&core, F.id(0, 1), .failure("read timeout from socket"))
        #expect(F.details(retry) == ["DNS_CHECK ([10.0.0.3]:tcp:80) read timeout from socket"])
        let down = F.attempt(&core, F.id(0, 1), .failure("read timeout from socket"))
        #expect(F.logs(down) == ["DNS_CHECK ([10.0.0.3]:tcp:80) read timeout from socket after 1 retries"])
        #expect(core.isAlive(F.ref(0, 1)) == false)
    }

    @Test func warmupOffsetsDelayFirstAttempts() {
        let config = F.config(F.service(servers: [("10.0.0.2", F.tcpCheck()), ("10.0.0.3", F.tcpCheck())]))
        var core = HealthCore(config: config, warmupOffsets: [F.id(0, 1): .seconds(4)])
        _ = core.handle(.start, at: .seconds(100))
        #expect(core.nextAttempt(of: F.id(0, 0)) == F.seconds(101))
        #expect(core.nextAttempt(of: F.id(0, 1)) == F.seconds(105))
        #expect(F.probes(core.handle(.timer, at: .seconds(101))) == [F.id(0, 0)])
        #expect(core.nextDeadline == F.seconds(105))
    }
}

/// A seedable generator for the warmup draw.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
