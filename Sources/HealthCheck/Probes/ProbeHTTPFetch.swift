import Crypto
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// What one GET of one url gave.
enum HTTPFetchOutcome: Sendable, Equatable {
    /// A complete response: its status code and, when asked for, the MD5 of its body (32
    /// lower-case hex digits) and the body itself (its first `BodyPattern.bodyLimit` bytes).
    case response(status: Int, md5: String?, body: [UInt8]? = nil)
    case failed(HTTPFetchFailure)
}

/// Why a GET gave no complete response, in keepalived's categories.
enum HTTPFetchFailure: Sendable, Equatable {
    case connect(ProbeConnectFailure)
    /// TLS handshake failed, or timed out.
    case tlsHandshake
    /// The connection was up but no (parsable) response arrived before it closed.
    case noData
    /// No response head before `connect_timeout`.
    case responseTimeout
    /// A response head but no complete body before `connect_timeout`.
    case bodyTimeout
    /// Reset, closed before the end of the body, or a malformed response.
    case readError

    /// keepalived's line for this failure of a checker of `label`.
    func message(label: String, isTLS: Bool) -> String {
        switch self {
        case .connect(.timeout): return "Timeout connecting server \(label)."
        case .connect(.error): return "Error connecting server \(label)."
        case .connect(.unreachable): return "HTTP_CHECK - network unreachable server \(label)."
        case .connect(.bind): return "WEB socket bind failed. Rescheduling"
        case .tlsHandshake: return "SSL handshake/communication error connecting to server \(label)."
        case .noData: return "Read, no data received from  server \(label)."
        case .responseTimeout: return "Timeout WEB read server \(label)."
        case .bodyTimeout: return "Timeout HTTP read server \(label)."
        case .readError: return isTLS ? "SSL read error from server \(label)." : "Read error with server \(label)."
        }
    }
}

/// One GET over one connection: connect (and TLS), send `request`, read the whole response.
/// Everything, from the connect to the end of the body, is bounded by the endpoint's timeout.
struct HTTPFetch: Sendable {
    var endpoint: ProbeEndpoint
    var request: HTTPRequestHead
    /// The TLS context for SSL_GET, nil for HTTP_GET.
    var tls: NIOSSLContext?
    /// Server Name Indication to send (SSL_GET with `enable_sni`).
    var serverName: String?
    var computeDigest: Bool
    /// Keep the body (for `regex`).
    var keepBody = false

    func run(on eventLoop: any EventLoop) async -> HTTPFetchOutcome {
        let completion = ProbeCompletion<HTTPFetchOutcome>(eventLoop: eventLoop)
        let deadline = NIODeadline.now() + endpoint.timeout
        do {
            let address = try endpoint.connectAddress()
            let request = request, tls = tls, serverName = serverName, computeDigest = computeDigest
            try endpoint.bootstrap(on: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tls {
                            try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        }
                        try sync.addHTTPClientHandlers()
                        try sync.addHandler(HTTPFetchHandler(request: request, isTLS: tls != nil, computeDigest: computeDigest, keepBody: keepBody,
                                                             deadline: deadline, completion: completion))
                    }
                }
                .connect(to: address)
                .whenFailure { error in
                    if error is NIOSSLExtraError || error is NIOSSLError {
                        completion.complete(.failed(.tlsHandshake))
                    } else {
                        completion.complete(.failed(.connect(ProbeConnectFailure(error))))
                    }
                }
        } catch {
            return .failed(.connect(.error))
        }
        return (try? await completion.future.get()) ?? .failed(.readError)
    }
}

/// The last handler of an HTTP_GET/SSL_GET pipeline: sends the request, hashes the body, and
/// reports the outcome once. Lives on the channel's event loop.
final class HTTPFetchHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: HTTPRequestHead
    private let isTLS: Bool
    private let computeDigest: Bool
    private let keepBody: Bool
    private let deadline: NIODeadline
    private let completion: ProbeCompletion<HTTPFetchOutcome>

    private var isActive = false
    private var handshakeDone = false
    private var head: HTTPResponseHead?
    private var md5: Insecure.MD5?
    private var body: [UInt8]?
    private var finished = false
    private var timeout: Scheduled<Void>?

    init(request: HTTPRequestHead, isTLS: Bool, computeDigest: Bool, keepBody: Bool = false, deadline: NIODeadline,
         completion: ProbeCompletion<HTTPFetchOutcome>) {
        self.request = request
        self.isTLS = isTLS
        self.computeDigest = computeDigest
        self.keepBody = keepBody
        self.deadline = deadline
        self.completion = completion
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timedOut(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        isActive = true
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        handshakeDone = true
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
            if computeDigest { md5 = Insecure.MD5() }
            if keepBody { body = [] }
        case .body(let buffer):
            buffer.withUnsafeReadableBytes { md5?.update(bufferPointer: $0) }
            if let kept = body?.count, kept < BodyPattern.bodyLimit {
                body?.append(contentsOf: buffer.readableBytesView.prefix(BodyPattern.bodyLimit - kept))
            }
        case .end:
            guard let head else { return finish(context: context, .failed(.noData)) }
            let digest = md5.map { ProbeHex.string(Array($0.finalize())) }
            finish(context: context, .response(status: Int(head.status.code), md5: digest, body: body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // keepalived does not insist on TLS close_notify: the decoder still ends the body at EOF.
        if case .uncleanShutdown? = error as? NIOSSLError { return }
        if isTLS && !tlsEstablished(context) {
            finish(context: context, .failed(.tlsHandshake))
        } else if head == nil && error is HTTPParserError {
            finish(context: context, .failed(.noData))
        } else {
            finish(context: context, .failed(.readError))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if isTLS && !tlsEstablished(context) {
            finish(context: context, .failed(.tlsHandshake))
        } else {
            finish(context: context, .failed(head == nil ? .noData : .readError))
        }
        context.fireChannelInactive()
    }

    private func timedOut(context: ChannelHandlerContext) {
        let failure: HTTPFetchFailure
        if !isActive {
            failure = .connect(.timeout)
        } else if isTLS && !tlsEstablished(context) {
            failure = .connect(.timeout)
        } else {
            failure = head == nil ? .responseTimeout : .bodyTimeout
        }
        finish(context: context, .failed(failure))
    }

    /// Whether the TLS handshake completed: a response byte arrived, or the server's certificate
    /// is known (it is sent in every handshake keepalivedd makes).
    private func tlsEstablished(_ context: ChannelHandlerContext) -> Bool {
        if handshakeDone { return true }
        let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
        handshakeDone = certificate != nil
        return handshakeDone
    }

    private func finish(context: ChannelHandlerContext, _ outcome: HTTPFetchOutcome) {
        guard !finished else { return }
        finished = true
        timeout?.cancel()
        completion.complete(outcome)
        context.close(promise: nil)
    }
}

/// A promise completed at most once, from its event loop.
final class ProbeCompletion<Value: Sendable>: Sendable {
    private let promise: EventLoopPromise<Value>
    private let done: NIOLoopBoundBox<Bool>

    init(eventLoop: any EventLoop) {
        promise = eventLoop.makePromise()
        done = .makeBoxSendingValue(false, eventLoop: eventLoop)
    }

    var future: EventLoopFuture<Value> { promise.futureResult }

    /// Completes with `value` unless already completed. Call on the event loop.
    func complete(_ value: Value) {
        guard !done.value else { return }
        done.value = true
        promise.succeed(value)
    }
}

/// Lower-case hex, as keepalived prints digests.
enum ProbeHex {
    static func string(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
