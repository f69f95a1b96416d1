import ConfParser
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import HealthCheck

/// A scripted SMTP server: sends the banner, then answers each received line with the next reply.
final class ProbeSMTPServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let banner: String
    private var replies: [String]
    private let log: ProbeServerLog
    private var pending = ""

    init(banner: String, replies: [String], log: ProbeServerLog) {
        self.banner = banner
        self.replies = replies
        self.log = log
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: banner)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readString(length: buffer.readableBytes) ?? ""
        // "\r\n" is one Character: look for the line feed byte.
        while let end = pending.utf8.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(pending.utf8[...end])!
            pending = String(pending.utf8[pending.utf8.index(after: end)...])!
            log.record(request: line, peer: "")
            guard !replies.isEmpty else { return context.close(promise: nil) }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: replies.removeFirst())), promise: nil)
        }
    }
}

@Suite("ProbeSMTP")
struct ProbeSMTPTests {
    let group = MultiThreadedEventLoopGroup.singleton

    func run(banner: String, replies: [String]) async throws -> (ProbeResult, [String], UInt16) {
        let log = ProbeServerLog()
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProbeSMTPServerHandler(banner: banner, replies: replies, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = UInt16(channel.localAddress!.port!)
        let endpoint = ProbeEndpoint(label: ServiceLabel(IPAddress("127.0.0.1")!, .tcp, port), connectIP: IPAddress("127.0.0.1")!, connectPort: port,
                                     timeout: .seconds(2))
        let result = await SMTPProbe(endpoint: endpoint, heloName: "checker.example.org", eventLoopGroup: group).run()
        try await channel.close()
        return (result, log.requests, port)
    }

    @Test func fullConversationSucceeds() async throws {
        let (result, lines, port) = try await run(banner: "220-mx.example.org ESMTP\r\n", replies: ["250 hello\r\n", "221 bye\r\n"])
        #expect(result == .success("Remote SMTP server [127.0.0.1]:tcp:\(port) succeed on service."))
        #expect(lines == ["HELO checker.example.org\r\n", "QUIT\r\n"])
    }

    @Test func badBannerFails() async throws {
        let (result, lines, port) = try await run(banner: "554 go away\r\n", replies: [])
        #expect(result == .failure("Bad greeting banner from server [127.0.0.1]:tcp:\(port)"))
        #expect(lines.isEmpty)
    }

    @Test func badHeloAnswerFails() async throws {
        let (result, _, port) = try await run(banner: "220 mx\r\n", replies: ["500 what\r\n"])
        #expect(result == .failure("Bad HELO response from server [127.0.0.1]:tcp:\(port)"))
    }

    @Test func closeBeforeQuitAnswerFails() async throws {
        let (result, _, port) = try await run(banner: "220 mx\r\n", replies: ["250 ok\r\n"])
        #expect(result == .failure("Read failure from server [127.0.0.1]:tcp:\(port)"))
    }
}
