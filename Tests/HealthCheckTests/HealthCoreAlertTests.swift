import ConfParser
import Testing
@testable import HealthCheck

/// The checker verdicts keepalived mails about (check_*.c: `smtp_alert(SMTP_MSG_RS, ...)`): which
/// verdicts, with which text, and the real server state the subject carries.
@Suite("HealthCore checker alerts")
struct HealthCoreAlertTests {
    typealias F = HealthCoreFixture

    static func alerts(_ actions: [HealthAction]) -> [CheckerAlert] {
        actions.compactMap { if case .checkerAlert(let alert) = $0 { alert } else { nil } }
    }

    @Test func aTCPCheckerIsMailedWhenItFlipsNotOnEveryAttempt() {
        let config = F.config(F.service(servers: [("10.0.0.2", F.tcpCheck(retry: 1, delayBeforeRetry: 2))]))
        var core = HealthCore(config: config)
        let id = F.id()
        _ = core.handle(.start, at: .zero)
        // A first success of a checker that starts up changes nothing: no mail.
        #expect(Self.alerts(F.attempt(&core, id, .success(nil))).isEmpty)
        // A failure being retried is not mailed; the final one is.
        #expect(Self.alerts(F.attempt(&core, id, .failure(nil))).isEmpty)
        #expect(Self.alerts(F.attempt(&core, id, .failure(nil)))
                == [CheckerAlert(checker: id, realServerUp: false, realServerChanged: true, body: "=> TCP CHECK failed on service <=")])
        // Failures of a checker already down are not mailed again.
        #expect(Self.alerts(F.attempt(&core, id, .failure(nil))).isEmpty)
        #expect(Self.alerts(F.attempt(&core, id, .success(nil)))
                == [CheckerAlert(checker: id, realServerUp: true, realServerChanged: true, body: "=> TCP CHECK succeed on service <=")])
    }

    @Test func aSecondFailingCheckerIsMailedWithTheServerAlreadyDown() {
        let checks = F.tcpCheck(retry: 0) + "\n" + F.tcpCheck(retry: 0, extra: "      connect_port 81")
        var core = HealthCore(config: F.config(F.service(servers: [("10.0.0.2", checks)])))
        _ = core.handle(.start, at: .zero)
        #expect(F.probes(core.handle(.timer, at: .seconds(1))) == [F.id(0, 0, 0), F.id(0, 0, 1)])
        let first = core.handle(.probeFinished(F.id(0, 0, 0), .failure(nil)), at: .seconds(1))
        #expect(Self.alerts(first).map(\.realServerChanged) == [true])
        let second = core.handle(.probeFinished(F.id(0, 0, 1), .failure(nil)), at: .seconds(1))
        // keepalived mails it too (unless no_checker_emails), with the server's state in the subject.
        #expect(Self.alerts(second) == [CheckerAlert(checker: F.id(0, 0, 1), realServerUp: false, realServerChanged: false,
                                                     body: "=> TCP CHECK failed on service <=")])
        // One checker recovering leaves the server down: mailed, subject still DOWN.
        let back = core.handle(.timer, at: .seconds(11))
        #expect(F.probes(back).count == 2)
        let recovered = core.handle(.probeFinished(F.id(0, 0, 0), .success(nil)), at: .seconds(11))
        #expect(Self.alerts(recovered).map(\.realServerUp) == [false])
        #expect(Self.alerts(recovered).map(\.body) == ["=> TCP CHECK succeed on service <="])
    }

    @Test func miscCheckMailsItsFirstVerdictAndSaysHowTheScriptEnded() {
        let misc = "    MISC_CHECK {\n      misc_path /bin/check\n    }"
        var core = HealthCore(config: F.config(F.service(servers: [("10.0.0.2", misc)])))
        let id = F.id()
        _ = core.handle(.start, at: .zero)
        // check_misc.c mails the first verdict even when it changes nothing.
        #expect(Self.alerts(F.attempt(&core, id, .success(nil)))
                == [CheckerAlert(checker: id, realServerUp: true, realServerChanged: false, body: "=> MISC CHECK succeeded on service <=")])
        #expect(Self.alerts(F.attempt(&core, id, .success(nil))).isEmpty)
        let timedOut = F.attempt(&core, id, .failure("Misc check for [[10.0.0.2]:tcp:80] timed out"))
        #expect(Self.alerts(timedOut).map(\.body) == ["=> MISC CHECK timed out on service <="])
    }

    @Test func alertTextsPerCheckerKind() throws {
        func body(_ block: String, up: Bool, _ message: String? = nil) throws -> String? {
            let config = F.config(F.service(servers: [("10.0.0.2", block)]))
            let core = HealthCore(config: config)
            let settings = try #require(core.slots[F.id()]?.settings)
            return CheckerWording.alertBody(settings, up: up, up ? .success(nil) : .failure(message))
        }
        let http = "    HTTP_GET {\n      url {\n        path /\n      }\n    }"
        #expect(try body(http, up: true) == "=> CHECK succeed on service <=")
        #expect(try body(http, up: false) == "=> CHECK failed on service : HTTP request failed <=")
        let smtp = "    SMTP_CHECK {\n    }"
        #expect(try body(smtp, up: false, "SMTP_CHECK Bad HELO response from server [10.0.0.2]:tcp:80")
                == "=> CHECK failed on service : Bad HELO response from server [10.0.0.2]:tcp:80 <=")
        #expect(try body(smtp, up: false) == "=> CHECK failed on service <=")
        #expect(try body("    UDP_CHECK {\n    }", up: false) == "=> UDP CHECK failed on service <=")
        #expect(try body("    PING_CHECK {\n    }", up: true) == "=> ICMP CHECK succeed on service <=")
        #expect(try body("    DNS_CHECK {\n      name example.com\n    }", up: false) == "=> DNS_CHECK: failed on service <=")
    }
}
