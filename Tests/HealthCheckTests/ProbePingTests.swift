import ConfParser
import NIOCore
import Testing
@testable import HealthCheck

#if canImport(Glibc)
import Glibc
#endif

@Suite("ProbePing")
struct ProbePingTests {
    @Test func echoRequestChecksumVerifies() {
        let packet = ProbeICMP.echoRequest(identifier: 0x1234, sequence: 0x0102, isIPv6: false)
        #expect(packet[0] == 8 && packet[1] == 0)
        #expect(Array(packet[4..<8]) == [0x12, 0x34, 0x01, 0x02])
        // A packet with a correct checksum sums to zero.
        #expect(ProbeICMP.checksum(packet) == 0)
    }

    @Test func checksumOfKnownBytes() {
        // RFC 1071's example words 0001 f203 f4f5 f6f7 sum to 0xddf2; the checksum is its complement.
        #expect(ProbeICMP.checksum([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == ~UInt16(0xddf2))
    }

    @Test func echoReplyMatching() {
        let ipHeader: [UInt8] = [0x45] + [UInt8](repeating: 0, count: 19)
        let reply: [UInt8] = [0, 0, 0, 0, 0x12, 0x34, 0x01, 0x02]
        #expect(ProbeICMP.isEchoReply(ipHeader + reply, identifier: 0x1234, sequence: 0x0102, isIPv6: false))
        #expect(!ProbeICMP.isEchoReply(ipHeader + reply, identifier: 0x1235, sequence: 0x0102, isIPv6: false))
        #expect(!ProbeICMP.isEchoReply(ipHeader + [8] + reply.dropFirst(), identifier: 0x1234, sequence: 0x0102, isIPv6: false))
        #expect(ProbeICMP.isEchoReply([129, 0, 0, 0, 0x12, 0x34, 0x01, 0x02], identifier: 0x1234, sequence: 0x0102, isIPv6: true))
    }

    /// Needs root (raw ICMP socket).
    @Test(.enabled(if: geteuid() == 0)) func loopbackAnswers() async {
        let endpoint = ProbeEndpoint(label: ServiceLabel(IPAddress("127.0.0.1")!, .tcp, 0), connectIP: IPAddress("127.0.0.1")!, connectPort: 0, timeout: .seconds(2))
        let result = await PingProbe(endpoint: endpoint).run()
        #expect(result == .success("ICMP connection to [127.0.0.1]:tcp:0 success."))
        let v6 = ProbeEndpoint(label: ServiceLabel(IPAddress("::1")!, .tcp, 0), connectIP: IPAddress("::1")!, connectPort: 0, timeout: .seconds(2))
        #expect(await PingProbe(endpoint: v6).run() == .success("ICMP connection to [::1]:tcp:0 success."))
    }
}
