import ConfParser
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import DaemonSupport

#if canImport(Glibc)
import Glibc
#endif

/// The real NIO client and the alerter against an SMTP server on 127.0.0.1 written here, which
/// records every line it receives.
@Suite struct SMTPClientTests {
    static let date = "Sun, 22 Nov 2026 22:34:54 +0000"
    static let alert = SMTPAlert.vrrpInstance(routerID: "test_rid", instance: "VI_1", state: .master)

    static func settings(port: Int, timeout: Int = 5) -> SMTPSettings {
        SMTPSettings(server: SMTPServer(host: "127.0.0.1", address: IPAddress("127.0.0.1"), port: UInt16(port)),
                     routerID: "test_rid", heloName: "lb1", from: "kd@example.com",
                     recipients: ["ops@example.com", "dev@example.com"], connectTimeout: timeout)
    }

    static func alerter(_ settings: SMTPSettings, group: any EventLoopGroup, log: SMTPLogRecorder) -> SMTPAlerter {
        SMTPAlerter(settings: settings, group: group, log: { log.append($0) }, date: { SMTPClientTests.date })
    }

    @Test func sendsKeepalivedsExactConversation() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await FakeSMTPServer.start(mode: .accept, group: group)
        let log = SMTPLogRecorder()
        let alerter = Self.alerter(Self.settings(port: server.port), group: group, log: log)
        alerter.send(Self.alert)
        alerter.send(SMTPAlert.vrrpInstance(routerID: "test_rid", instance: "VI_1", state: .backup))
        try await alerter.flush().get()
        let conversation = [
            "HELO lb1", "MAIL FROM:<kd@example.com>", "RCPT TO:<ops@example.com>", "RCPT TO:<dev@example.com>",
            "DATA", "Date: \(Self.date)", "From: kd@example.com",
            "Subject: [test_rid] VRRP Instance VI_1 - Entering MASTER state", "X-Mailer: Keepalived",
            "To: ops@example.com, dev@example.com", "", "=> VRRP Instance is now owning VRRP VIPs <=", "", ".", "QUIT",
        ]
        let sessions = server.recorder.sessions
        #expect(sessions.count == 2)
        #expect(sessions.first == conversation)
        #expect(sessions.last?.contains("Subject: [test_rid] VRRP Instance VI_1 - Entering BACKUP state") == true)
        let connected = "Remote SMTP server [127.0.0.1]:\(server.port) connected."
        #expect(log.lines == [connected, "SMTP alert successfully sent.", connected, "SMTP alert successfully sent."])
        try await server.channel.close()
        try await group.shutdownGracefully()
    }

    @Test func rejectedRecipientIsLoggedAndQuits() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await FakeSMTPServer.start(mode: .rejectRecipients, group: group)
        let log = SMTPLogRecorder()
        let alerter = Self.alerter(Self.settings(port: server.port), group: group, log: log)
        alerter.send(Self.alert)
        try await alerter.flush().get()
        #expect(server.recorder.sessions == [["HELO lb1", "MAIL FROM:<kd@example.com>", "RCPT TO:<ops@example.com>", "QUIT"]])
        #expect(log.lines == [
            "Remote SMTP server [127.0.0.1]:\(server.port) connected.",
            "Error processing RCPT cmd on SMTP server [127.0.0.1]:\(server.port). SMTP status code = 550",
        ])
        try await server.channel.close()
        try await group.shutdownGracefully()
    }

    @Test func silentServerTimesOutAndSendReturnsAtOnce() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await FakeSMTPServer.start(mode: .silent, group: group)
        let log = SMTPLogRecorder()
        let alerter = Self.alerter(Self.settings(port: server.port, timeout: 1), group: group, log: log)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<3 { alerter.send(Self.alert) }
        let sendTime = clock.now - start
        #expect(sendTime < .milliseconds(100), "send blocked for \(sendTime)")
        #expect(alerter.pendingCount == 3)
        try await alerter.flush().get()
        let total = clock.now - start
        // One after another: three reply timeouts of one second each.
        #expect(total >= .milliseconds(2900), "alerts were not sent one after another: \(total)")
        let connected = "Remote SMTP server [127.0.0.1]:\(server.port) connected."
        let timeout = "Timeout reading data to remote SMTP server [127.0.0.1]:\(server.port)."
        #expect(log.lines == [connected, timeout, connected, timeout, connected, timeout])
        try await server.channel.close()
        try await group.shutdownGracefully()
    }

    @Test func refusedConnectionIsLogged() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let port = try Self.closedPort()
        let log = SMTPLogRecorder()
        let alerter = Self.alerter(Self.settings(port: port), group: group, log: log)
        alerter.send(Self.alert)
        try await alerter.flush().get()
        #expect(log.lines.count == 1)
        #expect(log.lines.first?.hasPrefix("Error connecting SMTP server [127.0.0.1]:\(port): ") == true)
        try await group.shutdownGracefully()
    }

    @Test func withoutServerOrRecipientsNothingIsSent() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await FakeSMTPServer.start(mode: .accept, group: group)
        let log = SMTPLogRecorder()
        var noRecipients = Self.settings(port: server.port)
        noRecipients.recipients = []
        var noServer = Self.settings(port: server.port)
        noServer.server = nil
        for settings in [noRecipients, noServer] {
            let alerter = Self.alerter(settings, group: group, log: log)
            alerter.send(Self.alert)
            #expect(alerter.pendingCount == 0)
            try await alerter.flush().get()
        }
        #expect(log.lines.isEmpty)
        #expect(server.recorder.sessions.isEmpty)
        try await server.channel.close()
        try await group.shutdownGracefully()
    }

    /// A port on 127.0.0.1 nothing listens on: bound, read back, closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        #expect(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Log lines collected from the alerter's closure.
final class SMTPLogRecorder: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}


/// A small SMTP server on 127.0.0.1 (port 0) for the client tests; it records each session's lines.
struct FakeSMTPServer {
    enum Mode: Sendable {
        /// Answers like a real server (multi-line greeting and HELO reply).
        case accept
        /// As `accept`, but 550 to every RCPT.
        case rejectRecipients
        /// Accepts the connection and never says anything.
        case silent
    }

    /// Lines received, one array per connection.
    final class Recorder: Sendable {
        private let storage = Mutex<[[String]]>([])
        func open() -> Int { storage.withLock { $0.append([]); return $0.count - 1 } }
        func record(_ line: String, session: Int) { storage.withLock { $0[session].append(line) } }
        var sessions: [[String]] { storage.withLock { $0 } }
    }

    let channel: any Channel
    let port: Int
    let recorder: Recorder

    static func start(mode: Mode, group: any EventLoopGroup) async throws -> FakeSMTPServer {
        let recorder = Recorder()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(SMTPLineDecoder()),
                        FakeSMTPSessionHandler(mode: mode, recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        return FakeSMTPServer(channel: channel, port: port, recorder: recorder)
    }
}

/// One server-side session of `FakeSMTPServer`.
final class FakeSMTPSessionHandler: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    private let mode: FakeSMTPServer.Mode
    private let recorder: FakeSMTPServer.Recorder
    private var session = 0
    private var inData = false

    init(mode: FakeSMTPServer.Mode, recorder: FakeSMTPServer.Recorder) {
        self.mode = mode
        self.recorder = recorder
    }

    func channelActive(context: ChannelHandlerContext) {
        session = recorder.open()
        if mode != .silent { reply("220-fake.example ESMTP\r\n220 ready", context: context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        recorder.record(line, session: session)
        guard mode != .silent else { return }
        if inData {
            if line == "." {
                inData = false
                reply("250 queued", context: context)
            }
            return
        }
        let verb = line.prefix(4).uppercased()
        switch verb {
        case "HELO": reply("250-fake.example\r\n250 HELP", context: context)
        case "MAIL": reply("250 sender ok", context: context)
        case "RCPT": reply(mode == .rejectRecipients ? "550 no such user" : "250 recipient ok", context: context)
        case "DATA":
            inData = true
            reply("354 end with .", context: context)
        case "QUIT":
            reply("221 bye", context: context)
            context.close(promise: nil)
        default: reply("500 what?", context: context)
        }
    }

    private func reply(_ text: String, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
    }
}
