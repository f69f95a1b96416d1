import ConfParser
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends one message to one SMTP server over SwiftNIO: connects within `connectTimeout`, drives an
/// `SMTPConversation`, waits at most `replyTimeout` for each reply and `exchangeTimeout` for the
/// whole exchange. Never blocks the caller: the result is a future.
public struct SMTPClient: Sendable {
    public var server: SMTPServer
    public var heloName: String
    public var connectTimeout: TimeAmount
    public var replyTimeout: TimeAmount
    public var exchangeTimeout: TimeAmount

    /// A client for `server`; keepalived uses `smtp_connect_timeout` for the connection and for
    /// each reply, and the exchange as a whole is bounded too.
    public init(server: SMTPServer, heloName: String, connectTimeout: TimeAmount,
                replyTimeout: TimeAmount? = nil, exchangeTimeout: TimeAmount? = nil) {
        self.server = server
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout ?? connectTimeout
        self.exchangeTimeout = exchangeTimeout ?? .seconds(max(60, 4 * connectTimeout.nanoseconds / 1_000_000_000))
    }

    /// keepalived's name for the server before connecting: `[127.0.0.1]:25`.
    public var displayName: String { "[\(server.host)]:\(server.port)" }

    /// Sends `message` on `eventLoop`. `onConnected` receives the server's name (with the address
    /// connected to) once the TCP connection is up. The future fails with an `SMTPError`.
    public func send(_ message: SMTPMessage, on eventLoop: any EventLoop,
                     onConnected: @escaping @Sendable (String) -> Void) -> EventLoopFuture<Void> {
        let done = eventLoop.makePromise(of: Void.self)
        let conversation = SMTPConversation(heloName: heloName, message: message)
        let timeouts = (reply: replyTimeout, exchange: exchangeTimeout)
        let port = server.port
        let fallbackName = displayName
        let connected = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = SMTPClientHandler(
                        conversation: conversation, done: done, replyTimeout: timeouts.reply,
                        exchangeTimeout: timeouts.exchange,
                        onConnected: { address in
                            onConnected(address?.ipAddress.map { "[\($0)]:\(port)" } ?? fallbackName)
                        })
                    try channel.pipeline.syncOperations.addHandlers(ByteToMessageHandler(SMTPLineDecoder()), handler)
                }
            }
            .connect(host: server.host, port: Int(server.port))
        connected.whenFailure { error in
            done.fail(SMTPClient.connectError(error))
        }
        return done.futureResult
    }

    static func connectError(_ error: any Error) -> SMTPError {
        if let channelError = error as? ChannelError, case .connectTimeout = channelError { return .connectTimeout }
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first { return connectError(first.error) }
            if let dns = connection.dnsAError ?? connection.dnsAAAAError {
                return .connectFailed("cannot resolve \(connection.host): \(dns)")
            }
        }
        if let ioError = error as? IOError { return .connectFailed(String(cString: strerror(ioError.errnoCode))) }
        return .connectFailed(String(describing: error))
    }
}

/// Splits the server's bytes into lines (CRLF or LF), refusing absurdly long ones.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String
    static let maximumLineLength = 4096

    struct LineTooLong: Error {}

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > SMTPLineDecoder.maximumLineLength { throw LineTooLong() }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Drives one `SMTPConversation` on its channel and completes `done` when the channel closes:
/// success once the server took the message, else the first error seen.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    private var conversation: SMTPConversation
    private let done: EventLoopPromise<Void>
    private let replyTimeout: TimeAmount
    private let exchangeTimeout: TimeAmount
    private let onConnected: (SocketAddress?) -> Void
    private var delivered = false
    private var firstError: SMTPError?
    private var replyTimer: Scheduled<Void>?
    private var exchangeTimer: Scheduled<Void>?

    init(conversation: SMTPConversation, done: EventLoopPromise<Void>, replyTimeout: TimeAmount,
         exchangeTimeout: TimeAmount, onConnected: @escaping (SocketAddress?) -> Void) {
        self.conversation = conversation
        self.done = done
        self.replyTimeout = replyTimeout
        self.exchangeTimeout = exchangeTimeout
        self.onConnected = onConnected
    }

    func channelActive(context: ChannelHandlerContext) {
        onConnected(context.channel.remoteAddress)
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        exchangeTimer = context.eventLoop.scheduleTask(in: exchangeTimeout) {
            bound.value.handler.timedOut(context: bound.value.context)
        }
        armReplyTimer(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        armReplyTimer(context: context)
        perform(conversation.receive(line: line), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(conversation.connectionClosed(), context: context)
        replyTimer?.cancel()
        exchangeTimer?.cancel()
        if delivered {
            done.succeed(())
        } else {
            done.fail(firstError ?? .connectionClosed)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is SMTPLineDecoder.LineTooLong {
            record(.malformedReply("line longer than \(SMTPLineDecoder.maximumLineLength) bytes"))
        } else {
            record(.writeFailed(String(describing: error)))
        }
        context.close(promise: nil)
    }

    private func perform(_ actions: [SMTPConversation.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let lines):
                var buffer = context.channel.allocator.buffer(capacity: lines.reduce(0) { $0 + $1.utf8.count + 2 })
                for line in lines {
                    buffer.writeString(line)
                    buffer.writeStaticString("\r\n")
                }
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            case .delivered:
                delivered = true
            case .failed(let error):
                record(error)
            case .close:
                context.close(promise: nil)
            }
        }
    }

    private func record(_ error: SMTPError) {
        if firstError == nil && !delivered { firstError = error }
    }

    private func armReplyTimer(context: ChannelHandlerContext) {
        replyTimer?.cancel()
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        replyTimer = context.eventLoop.scheduleTask(in: replyTimeout) {
            bound.value.handler.timedOut(context: bound.value.context)
        }
    }

    private func timedOut(context: ChannelHandlerContext) {
        record(.readTimeout)
        context.close(promise: nil)
    }
}
