import ConfParser
import Foundation
import HealthCheck
import IPVSSync
@testable import KeepalivedCLI
import Testing

@Suite("The daemon's check records, one per real server")
struct CheckRecordTableTests {
    /// Two virtual servers with 3 and 2 real servers.
    private static func config(realServers counts: [Int]) throws -> Config {
        var text = ""
        for (vs, count) in counts.enumerated() {
            text += "virtual_server 10.0.\(vs).100 80 {\n"
            for rs in 0..<count { text += "  real_server 10.0.\(vs).\(rs + 1) 80 { TCP_CHECK { } }\n" }
            text += "}\n"
        }
        let config = ConfigLoader.load(text: text).config
        #expect(config.virtualServers.map(\.realServers.count) == counts)
        return config
    }

    @Test("records land on their own real server, count failures since the last success, and ignore unknown references")
    func recordsPerRealServer() throws {
        let config = try Self.config(realServers: [3, 2])
        var table = CheckRecordTable(for: config)
        let first = RealServerRef(virtualServer: 0, realServer: 2)
        let second = RealServerRef(virtualServer: 1, realServer: 0)
        let time = Date(timeIntervalSince1970: 1_000)
        #expect(table[first] == nil)
        table.record(.failure("refused"), of: first, at: time)
        table.record(.failure("refused"), of: first, at: time)
        table.record(.success("connected"), of: second, at: time)
        #expect(table[first]?.consecutiveFailures == 2)
        #expect(table[first]?.succeeded == false)
        #expect(table[second]?.consecutiveFailures == 0)
        #expect(table[second]?.succeeded == true)
        #expect(table[RealServerRef(virtualServer: 0, realServer: 1)] == nil)
        #expect(table[RealServerRef(virtualServer: 1, realServer: 1)] == nil)
        table.record(.failure("refused"), of: first, at: time.addingTimeInterval(1))
        table.record(.success("ok"), of: first, at: time.addingTimeInterval(2))
        #expect(table[first]?.consecutiveFailures == 0)
        #expect(table[first]?.time == time.addingTimeInterval(2))
        // Beyond a virtual server's real servers (not the next one's first), or beyond the table.
        table.record(.failure("x"), of: RealServerRef(virtualServer: 0, realServer: 3), at: time)
        table.record(.failure("x"), of: RealServerRef(virtualServer: 2, realServer: 0), at: time)
        table.record(.failure("x"), of: RealServerRef(virtualServer: -1, realServer: 0), at: time)
        #expect(table[second]?.consecutiveFailures == 0)
        #expect(table[RealServerRef(virtualServer: 0, realServer: 3)] == nil)
    }

    @Test("a new layout keeps the records of the real servers in both")
    func laidOutKeepsRecords() throws {
        var table = CheckRecordTable(for: try Self.config(realServers: [3, 2]))
        let time = Date(timeIntervalSince1970: 1_000)
        table.record(.failure("refused"), of: RealServerRef(virtualServer: 0, realServer: 0), at: time)
        table.record(.failure("refused"), of: RealServerRef(virtualServer: 1, realServer: 1), at: time)
        let grown = table.laidOut(for: try Self.config(realServers: [4, 2]))
        #expect(grown[RealServerRef(virtualServer: 0, realServer: 0)]?.consecutiveFailures == 1)
        #expect(grown[RealServerRef(virtualServer: 0, realServer: 3)] == nil)
        #expect(grown[RealServerRef(virtualServer: 1, realServer: 1)]?.consecutiveFailures == 1)
        let shrunk = table.laidOut(for: try Self.config(realServers: [1]))
        #expect(shrunk[RealServerRef(virtualServer: 0, realServer: 0)]?.consecutiveFailures == 1)
        #expect(shrunk[RealServerRef(virtualServer: 1, realServer: 1)] == nil)
    }
}
