import ConfParser
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// DNS_CHECK: one query (`type`, `name`, class IN, recursion desired) over UDP to the endpoint;
/// the first reply with the query's ID and the QR bit must have rcode 0 (NOERROR), within
/// `connect_timeout`. The answer section itself is not examined (as keepalived).
public struct DNSProbe: HealthProbe {
    /// Where and how to connect.
    public let endpoint: ProbeEndpoint
    /// The DNS_CHECK options (`type`, `name`).
    public let check: DNSCheck
    let eventLoopGroup: any EventLoopGroup

    public init(endpoint: ProbeEndpoint, check: DNSCheck, eventLoopGroup: any EventLoopGroup) {
        self.endpoint = endpoint
        self.check = check
        self.eventLoopGroup = eventLoopGroup
    }

    public func run() async -> ProbeResult {
        let id = UInt16.random(in: 0...UInt16.max)
        let query = Self.query(id: id, type: check.type.code, name: check.name)
        let exchange = ProbeDatagramExchange(endpoint: endpoint, payload: query) { reply in
            reply.count >= 12 && UInt16(reply[0]) << 8 | UInt16(reply[1]) == id && reply[2] & 0x80 != 0
        }
        let prefix = "DNS_CHECK (\(endpoint.label))"
        switch await exchange.run(on: eventLoopGroup.next()) {
        case nil: return .failure("\(prefix) connection error.")
        case .refused?: return .failure("\(prefix) failed to read socket; errno \(ECONNREFUSED) (Connection refused)")
        case .silence?: return .failure("\(prefix) read timeout from socket")
        case .reply(let reply)?:
            let rcode = Int(reply[3] & 0x0f)
            guard rcode == 0 else { return .failure("\(prefix) read error occurred. (rcode = \(rcode))") }
            return .success(nil)
        }
    }

    /// The query datagram: header (ID, RD, one question) and the question.
    static func query(id: UInt16, type: UInt16, name: String) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".", omittingEmptySubsequences: true) {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        bytes.append(0)
        bytes += [UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        return bytes
    }
}
