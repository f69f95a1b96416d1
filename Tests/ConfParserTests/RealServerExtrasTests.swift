import Foundation
import Testing
@testable import ConfParser

@Suite("RealServerExtras") struct RealServerExtrasTests {
    static let text = """
    virtual_server 10.0.0.1 80 {
      protocol TCP
      real_server 10.0.0.2 80 {
        notify_up "/bin/up.sh"
        uthreshold 100
        delay_loop 3
        TCP_CHECK {
        }
      }
      real_server 10.0.0.3 80 {
        TCP_CHECK {
        }
      }
    }
    """

    /// Twelve seldom-written settings in one box: a real server without any holds one word for them.
    @Test func aRealServerHoldsOneWordForItsExtras() {
        // Besides its checker list, which holds one checker inline.
        #expect(MemoryLayout<RealServer>.size <= 120 + MemoryLayout<CheckerList>.size)
        let plain = RealServer(address: .v4(1), location: SourceLocation(file: "k.conf", line: 1))
        #expect(plain.extrasBox == nil && plain.notifyUp == nil && plain.extras.$delayLoop.location == nil)
    }

    @Test func writtenExtrasKeepTheirValuesAndLines() throws {
        let result = ConfigLoader.load(text: Self.text)
        let servers = result.config.virtualServers[0].realServers
        #expect(servers.count == 2)
        #expect(servers[0].notifyUp?.command == "/bin/up.sh" && servers[0].extras.$notifyUp.location?.line == 4)
        #expect(servers[0].upperThreshold == 100 && servers[0].delayLoop == 3)
        #expect(servers[0].checkers[0].delayLoop == 3 && servers[0].checkers[0].$delayLoop.location?.line == 6)
        #expect(servers[1].extrasBox == nil && servers[1].upperThreshold == nil)
        // A copy written to does not change the original.
        var copy = servers[0]
        copy.upperThreshold = 7
        #expect(copy.upperThreshold == 7 && servers[0].upperThreshold == 100)
        #expect(copy.extras.$upperThreshold.location?.line == 5)
    }

    /// The JSON dump lists the extras among a real server's other fields, as before they were boxed.
    @Test func encodesAsOneFlatObject() throws {
        let result = ConfigLoader.load(text: Self.text)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(result.config.virtualServers[0].realServers[0]), as: UTF8.self)
        for fragment in [#""address":"10.0.0.2""#, #""delayLoop":3"#, #""upperThreshold":100"#, #""lowerThreshold":null"#,
                         #""port":80"#, #""weight":1"#] {
            #expect(json.contains(fragment), "\(fragment) in \(json)")
        }
        #expect(!json.contains("extras"))
    }
}
