import Foundation
import Testing
import VRRP
@testable import DaemonSupport

@Suite("Status report")
struct StatusReportTests {
    @Test("text rendering: one aligned line per instance and per real server")
    func textGolden() {
        let expected = """
        VRRP instances:
          INSTANCE  INTERFACE  VRID  STATE   PRIO  BASE  MASTER    LAST TRANSITION       SENT  RECEIVED  ERRORS
          VI_1      eth0       51    MASTER  100   100   10.0.0.1  2026-11-22T10:00:00Z  12    0         0
          VI_2      eth1       52    BACKUP  90    100   10.0.1.2  -                     0     340       3

        Virtual servers:
          [10.0.0.100]:tcp:80  quorum up  sorry server inactive
            REAL SERVER            ALIVE  WEIGHT  FAILURES  LAST CHECK            RESULT
            [192.168.1.10]:tcp:80  yes    1       0         2026-11-22T10:00:05Z  TCP connect succeeded
            [192.168.1.11]:tcp:80  no     -       3         2026-11-22T10:00:06Z  TCP connection failed
          FWM 5  quorum down  sorry server active
            no real servers

        """
        #expect(StatusTextRenderer.render(StatusFixtures.report) == expected)
    }

    @Test("an empty report says so")
    func textEmpty() {
        #expect(StatusTextRenderer.render(StatusReport()) == "VRRP instances: none\n\nVirtual servers: none\n")
    }

    @Test("JSON has sorted keys and ISO 8601 dates, and reads back equal")
    func jsonRoundTrip() throws {
        let text = try StatusFixtures.report.jsonText()
        #expect(text.contains("\"lastTransition\" : \"2026-11-22T10:00:00Z\""))
        #expect(text.contains("\"state\" : \"MASTER\""))
        let authentication = try #require(text.range(of: "\"authenticationErrors\""))
        let effective = try #require(text.range(of: "\"effectivePriority\""))
        #expect(authentication.lowerBound < effective.lowerBound)
        let decoded = try StatusReport.decode(from: Data(text.utf8))
        #expect(decoded == StatusFixtures.report)
    }
}
