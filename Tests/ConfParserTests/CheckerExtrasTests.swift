import Foundation
import Testing
@testable import ConfParser

@Suite("CheckerExtras") struct CheckerExtrasTests {
    static let text = """
    virtual_server 10.0.0.1 80 {
      protocol TCP
      real_server 10.0.0.2 80 {
        TCP_CHECK {
          connect_timeout 3
          bindto 10.0.0.9
          bind_port 4000
          fwmark 7
          log_all_failures on
        }
      }
      real_server 10.0.0.3 80 {
        TCP_CHECK {
          connect_timeout 3
        }
      }
    }
    """

    /// Six seldom-written settings in one box: a checker without any holds one word for them.
    @Test func aCheckerHoldsOneWordForItsExtras() {
        #expect(MemoryLayout<Checker>.size <= 168)
        let plain = Checker(kind: .tcp, location: SourceLocation(file: "k.conf", line: 1))
        #expect(plain.extrasBox == nil && plain.bindTo == nil && plain.otherKeywords.isEmpty)
    }

    @Test func writtenExtrasKeepTheirValuesAndLines() {
        let result = ConfigLoader.load(text: Self.text)
        let first = result.config.virtualServers[0].realServers[0].checkers[0]
        let second = result.config.virtualServers[0].realServers[1].checkers[0]
        #expect(first.bindTo == IPAddress("10.0.0.9") && first.extras.$bindTo.location?.line == 6)
        #expect(first.bindPort == 4000 && first.fwmark == 7 && first.logAllFailures == true)
        #expect(first.extras.$logAllFailures.location?.line == 9)
        #expect(second.extrasBox == nil && second.bindTo == nil && second.fwmark == nil)
        // A copy written to does not change the original.
        var copy = first
        copy.fwmark = 9
        #expect(copy.fwmark == 9 && first.fwmark == 7 && copy.extras.$fwmark.location?.line == 8)
        #expect(copy != first)
    }

    /// Extras written on other lines compare equal once the locations are cleared; other values do not.
    @Test func comparingAcrossAReloadIgnoresWhereExtrasWereWritten() {
        let moved = ConfigLoader.load(text: "\n\n" + Self.text).config.virtualServers[0].realServers[0].checkers[0]
        let first = ConfigLoader.load(text: Self.text).config.virtualServers[0].realServers[0].checkers[0]
        #expect(moved != first)
        #expect(moved.hasSameSettings(as: first))
        var other = first
        other.bindPort = 4001
        #expect(!other.hasSameSettings(as: first))
        // Clearing the locations of a checker without extras leaves it without a box.
        let plain = ConfigLoader.load(text: Self.text).config.virtualServers[0].realServers[1].checkers[0]
        #expect(plain.withoutLocations.extrasBox == nil)
    }

    /// The JSON dump lists the extras among a checker's other fields, as before they were boxed.
    @Test func encodesAsOneFlatObject() throws {
        let result = ConfigLoader.load(text: Self.text)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(result.config.virtualServers[0].realServers[0].checkers[0]), as: UTF8.self)
        for fragment in [#""bindTo":"10.0.0.9""#, #""bindPort":4000"#, #""fwmark":7"#, #""connectTimeout":3"#,
                         #""bindInterface":null"#, #""kind":"TCP_CHECK""#] {
            #expect(json.contains(fragment), "\(fragment) in \(json)")
        }
        #expect(!json.contains("extras"))
    }
}
