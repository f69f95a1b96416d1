import ConfParser
import NIOCore
import NIOPosix

/// UDP_CHECK: send one datagram (`payload`, else 32 random bytes) from a connected socket and
/// wait `connect_timeout`. Without `require_reply`, silence is success and an ICMP error (the
/// kernel's ECONNREFUSED) is failure; with it, a reply must arrive and, when reply data is given,
/// have a length in min...max_reply_length and match the data where the mask says to compare.
public struct UDPProbe: HealthProbe {
    /// Where and how to connect.
    public let endpoint: ProbeEndpoint
    /// The UDP_CHECK options.
    public let check: UDPCheck
    let eventLoopGroup: any EventLoopGroup

    public init(endpoint: ProbeEndpoint, check: UDPCheck, eventLoopGroup: any EventLoopGroup) {
        self.endpoint = endpoint
        self.check = check
        self.eventLoopGroup = eventLoopGroup
    }

    /// What the attempt saw.
    enum Observation: Sendable, Equatable {
        case reply([UInt8])
        case silence
        case refused
    }

    public func run() async -> ProbeResult {
        let label = endpoint.label
        let failed = ProbeResult.failure("UDP connection to \(label) failed.")
        guard let observation = await observe() else { return failed }
        switch observation {
        case .refused:
            return failed
        case .silence:
            return check.requireReply ? failed : .success("UDP connection to \(label) success.")
        case .reply(let bytes):
            guard Self.replyMatches(bytes, check: check) else {
                return .failure("UDP check to \(label) reply data mismatch.")
            }
            return .success("UDP connection to \(label) success.")
        }
    }

    /// keepalived compares only when reply data is given: the length must be within the bounds,
    /// and the first min(length, data length) bytes must match under the mask.
    static func replyMatches(_ reply: [UInt8], check: UDPCheck) -> Bool {
        guard let data = check.replyData else { return true }
        guard reply.count >= check.minReplyLength, reply.count <= check.maxReplyLength else { return false }
        let mask = check.replyMask ?? [UInt8](repeating: 0xff, count: data.count)
        for index in 0..<min(reply.count, data.count) where (reply[index] ^ data[index]) & mask[index] != 0 {
            return false
        }
        return true
    }

    private func observe() async -> Observation? {
        let payload = check.payload ?? (0..<32).map { _ in UInt8.random(in: 0...255) }
        return await ProbeDatagramExchange(endpoint: endpoint, payload: payload).run(on: eventLoopGroup.next())
    }
}

/// One datagram sent from a socket connected to the endpoint, and what came back within the
/// endpoint's timeout: the first reply `accept` takes, silence, or an ICMP error.
struct ProbeDatagramExchange: Sendable {
    var endpoint: ProbeEndpoint
    var payload: [UInt8]
    /// Which replies count; the others are ignored (DNS_CHECK skips replies with another ID).
    var accept: @Sendable ([UInt8]) -> Bool = { _ in true }

    /// nil when the socket could not be set up.
    func run(on eventLoop: any EventLoop) async -> UDPProbe.Observation? {
        let completion = ProbeCompletion<UDPProbe.Observation?>(eventLoop: eventLoop)
        let accept = accept
        do {
            let local = try endpoint.bindAddress()
                ?? SocketAddress(ipAddress: endpoint.connectIP.isIPv6 ? "::" : "0.0.0.0", port: 0)
            let remote = try endpoint.connectAddress()
            let channel = try await DatagramBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPProbeHandler(completion: completion, accept: accept))
                    }
                }
                .bind(to: local).get()
            try await channel.connect(to: remote).get()
            eventLoop.scheduleTask(in: endpoint.timeout) { completion.complete(.silence) }
            channel.writeAndFlush(ByteBuffer(bytes: payload)).whenFailure { _ in completion.complete(.refused) }
            let observation = try? await completion.future.get()
            try? await channel.close().get()
            return observation ?? nil
        } catch {
            return nil
        }
    }
}

/// Reports the first datagram or socket error of a UDP_CHECK socket.
final class UDPProbeHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let completion: ProbeCompletion<UDPProbe.Observation?>
    private let accept: @Sendable ([UInt8]) -> Bool

    init(completion: ProbeCompletion<UDPProbe.Observation?>, accept: @escaping @Sendable ([UInt8]) -> Bool) {
        self.completion = completion
        self.accept = accept
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
        if accept(bytes) { completion.complete(.reply(bytes)) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        completion.complete(.refused)
    }
}
