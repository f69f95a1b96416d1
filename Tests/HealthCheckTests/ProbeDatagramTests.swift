import ConfParser
import NIOCore
import NIOPosix
import Testing
@testable import HealthCheck

#if canImport(Glibc)
import Glibc
#endif

/// Answers each datagram with the datagrams `reply` makes of it.
final class ProbeDatagramServerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let reply: @Sendable ([UInt8]) -> [[UInt8]]

    init(reply: @escaping @Sendable ([UInt8]) -> [[UInt8]]) {
        self.reply = reply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        for answer in reply(bytes) {
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: answer))),
                                  promise: nil)
        }
    }
}

@Suite("ProbeDatagram")
struct ProbeDatagramTests {
    let group = MultiThreadedEventLoopGroup.singleton

    func server(_ reply: @escaping @Sendable ([UInt8]) -> [[UInt8]]) async throws -> (any Channel, UInt16) {
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProbeDatagramServerHandler(reply: reply))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, UInt16(channel.localAddress!.port!))
    }

    func endpoint(_ port: UInt16, timeout: TimeAmount = .milliseconds(500)) -> ProbeEndpoint {
        ProbeEndpoint(label: ServiceLabel(IPAddress("127.0.0.1")!, .udp, port), connectIP: IPAddress("127.0.0.1")!, connectPort: port, timeout: timeout)
    }

    func closedUDPPort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    // MARK: UDP_CHECK

    @Test func udpSilenceIsSuccessWithoutRequireReply() async throws {
        let (channel, port) = try await server { _ in [] }
        let result = await UDPProbe(endpoint: endpoint(port), check: UDPCheck(), eventLoopGroup: group).run()
        try await channel.close()
        #expect(result == .success("UDP connection to [127.0.0.1]:udp:\(port) success."))
    }

    @Test func udpPortUnreachableFails() async {
        let port = closedUDPPort()
        let result = await UDPProbe(endpoint: endpoint(port, timeout: .seconds(2)), check: UDPCheck(), eventLoopGroup: group).run()
        #expect(result == .failure("UDP connection to [127.0.0.1]:udp:\(port) failed."))
    }

    @Test func udpRequireReplyFailsOnSilence() async throws {
        let (channel, port) = try await server { _ in [] }
        var check = UDPCheck()
        check.requireReply = true
        let result = await UDPProbe(endpoint: endpoint(port), check: check, eventLoopGroup: group).run()
        try await channel.close()
        #expect(!result.succeeded)
    }

    @Test func udpReplyIsComparedUnderTheMask() async throws {
        let (channel, port) = try await server { query in [[0xAB, 0xCD] + query] }
        var check = UDPCheck()
        check.payload = [1, 2, 3]
        check.requireReply = true
        check.replyData = [0xA0, 0xCD, 0x01]
        check.replyMask = [0xF0, 0xFF, 0xFF]
        let matching = await UDPProbe(endpoint: endpoint(port, timeout: .seconds(2)), check: check, eventLoopGroup: group).run()
        check.replyData = [0xAB, 0xCE]
        check.replyMask = [0xFF, 0xFF]
        let mismatching = await UDPProbe(endpoint: endpoint(port, timeout: .seconds(2)), check: check, eventLoopGroup: group).run()
        try await channel.close()
        #expect(matching == .success("UDP connection to [127.0.0.1]:udp:\(port) success."))
        #expect(mismatching == .failure("UDP check to [127.0.0.1]:udp:\(port) reply data mismatch."))
    }

    @Test func udpReplyLengthBounds() {
        var check = UDPCheck()
        check.replyData = [1]
        check.replyMask = [0xFF]
        check.minReplyLength = 2
        check.maxReplyLength = 3
        #expect(!UDPProbe.replyMatches([1], check: check))
        #expect(UDPProbe.replyMatches([1, 9], check: check))
        #expect(!UDPProbe.replyMatches([1, 9, 9, 9], check: check))
    }

    // MARK: DNS_CHECK

    static func answer(to query: [UInt8], rcode: UInt8, id: (UInt8, UInt8)? = nil) -> [UInt8] {
        var reply = query
        if let id { reply[0] = id.0; reply[1] = id.1 }
        reply[2] = 0x81
        reply[3] = 0x80 | rcode
        return reply
    }

    @Test func dnsQueryFormat() {
        #expect(DNSProbe.query(id: 0x1234, type: 1, name: "www.example.org")
                == [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3] + Array("www".utf8) + [7] + Array("example".utf8)
                + [3] + Array("org".utf8) + [0, 0, 1, 0, 1])
        #expect(DNSProbe.query(id: 1, type: 6, name: ".").suffix(5) == [0, 0, 6, 0, 1])
    }

    @Test func dnsNoErrorAnswerSucceedsAfterSkippingOtherIDs() async throws {
        let (channel, port) = try await server { query in
            [Self.answer(to: query, rcode: 0, id: (query[0] ^ 0xff, query[1])), Self.answer(to: query, rcode: 0)]
        }
        var check = DNSCheck()
        check.type = .a
        check.name = "www.example.org"
        let result = await DNSProbe(endpoint: endpoint(port, timeout: .seconds(2)), check: check, eventLoopGroup: group).run()
        try await channel.close()
        #expect(result.succeeded)
    }

    @Test func dnsErrorRcodeFails() async throws {
        let (channel, port) = try await server { query in [Self.answer(to: query, rcode: 3)] }
        let result = await DNSProbe(endpoint: endpoint(port, timeout: .seconds(2)), check: DNSCheck(), eventLoopGroup: group).run()
        try await channel.close()
        #expect(result == .failure("DNS_CHECK ([127.0.0.1]:udp:\(port)) read error occurred. (rcode = 3)"))
    }

    @Test func dnsSilenceTimesOut() async throws {
        let (channel, port) = try await server { _ in [] }
        let result = await DNSProbe(endpoint: endpoint(port), check: DNSCheck(), eventLoopGroup: group).run()
        try await channel.close()
        #expect(result == .failure("DNS_CHECK ([127.0.0.1]:udp:\(port)) read timeout from socket"))
    }
}
