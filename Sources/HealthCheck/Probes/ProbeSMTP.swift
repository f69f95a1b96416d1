import ConfParser
import NIOCore
import NIOPosix

/// SMTP_CHECK: connect, expect a `220` greeting, send `HELO helo_name`, expect `250`, send
/// `QUIT` and read its answer. The whole exchange is bounded by `connect_timeout`.
public struct SMTPProbe: HealthProbe {
    /// Where and how to connect.
    public let endpoint: ProbeEndpoint
    /// `helo_name`.
    public let heloName: String
    let eventLoopGroup: any EventLoopGroup

    public init(endpoint: ProbeEndpoint, heloName: String = SMTPCheck.defaultHeloName, eventLoopGroup: any EventLoopGroup) {
        self.endpoint = endpoint
        self.heloName = heloName
        self.eventLoopGroup = eventLoopGroup
    }

    public func run() async -> ProbeResult {
        let eventLoop = eventLoopGroup.next()
        let completion = ProbeCompletion<ProbeResult>(eventLoop: eventLoop)
        let label = endpoint.label.description
        let deadline = NIODeadline.now() + endpoint.timeout
        let heloName = heloName
        do {
            try endpoint.bootstrap(on: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            SMTPProbeHandler(label: label, heloName: heloName, deadline: deadline, completion: completion))
                    }
                }
                .connect(to: endpoint.connectAddress())
                .whenFailure { error in
                    switch ProbeConnectFailure(error) {
                    case .timeout: completion.complete(.failure("Connection timeout to server \(label)"))
                    case .bind: completion.complete(.failure("SMTP_CHECK socket bind failed. Rescheduling."))
                    case .error, .unreachable: completion.complete(.failure("Error connecting to server \(label)"))
                    }
                }
        } catch {
            return .failure("Error connecting to server \(label)")
        }
        return (try? await completion.future.get()) ?? .failure("Read failure from server \(label)")
    }
}

/// The SMTP conversation, one line at a time; keepalived looks only at the first three digits of
/// the first line of each answer.
final class SMTPProbeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Stage { case banner, helo, quit, done }

    private let label: String
    private let heloName: String
    private let deadline: NIODeadline
    private let completion: ProbeCompletion<ProbeResult>
    private var stage = Stage.banner
    private var line: [UInt8] = []
    private var timeout: Scheduled<Void>?

    init(label: String, heloName: String, deadline: NIODeadline, completion: ProbeCompletion<ProbeResult>) {
        self.label = label
        self.heloName = heloName
        self.deadline = deadline
        self.completion = completion
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            finish(context: context, .failure("Read timeout from server \(label)"))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        line.append(contentsOf: buffer.readableBytesView)
        guard line.contains(UInt8(ascii: "\n")) else { return }
        let status = Self.status(of: line)
        line = []
        switch stage {
        case .banner:
            guard status == 220 else { return finish(context: context, .failure("Bad greeting banner from server \(label)")) }
            stage = .helo
            send(context: context, "HELO \(heloName)\r\n")
        case .helo:
            guard status == 250 else { return finish(context: context, .failure("Bad HELO response from server \(label)")) }
            stage = .quit
            send(context: context, "QUIT\r\n")
        case .quit:
            finish(context: context, .success("Remote SMTP server \(label) succeed on service."))
        case .done:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(context: context, .failure("Read failure from server \(label)"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context: context, .failure("Read failure from server \(label)"))
        context.fireChannelInactive()
    }

    private func send(context: ChannelHandlerContext, _ text: String) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
    }

    private func finish(context: ChannelHandlerContext, _ result: ProbeResult) {
        guard stage != .done else { return }
        stage = .done
        timeout?.cancel()
        completion.complete(result)
        context.close(promise: nil)
    }

    /// The three-digit code at the start of `line`, -1 when there is none.
    static func status(of line: [UInt8]) -> Int {
        guard line.count >= 3, line[0..<3].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return -1 }
        return line[0..<3].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
