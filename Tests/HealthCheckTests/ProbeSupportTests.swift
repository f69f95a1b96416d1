import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
@testable import HealthCheck

#if canImport(Glibc)
import Glibc
#endif

/// What a test server does once it has read a whole request head.
enum ProbeServerBehaviour: Sendable {
    /// Writes these bytes, then closes.
    case respond(String)
    /// Writes these bytes, then resets the connection (SO_LINGER 0).
    case respondAndReset(String)
    /// Never answers.
    case silent
    /// Writes these bytes as soon as the connection is up (before any request), then closes.
    case greet(String)
}

/// What a test server saw.
final class ProbeServerLog: Sendable {
    private let state = Mutex<(requests: [String], peers: [String], serverNames: [String?])>(([], [], []))
    /// When the first request arrived and when the client first closed (on NIO's threads).
    private let times = Mutex<(request: Double?, close: Double?)>((nil, nil))

    func record(request: String, peer: String) {
        state.withLock { $0.requests.append(request); $0.peers.append(peer) }
        times.withLock { if $0.request == nil { $0.request = probeNow() } }
    }

    func recordClose() {
        times.withLock { if $0.close == nil { $0.close = probeNow() } }
    }

    /// Seconds from the first request to the client's close, as the server saw them: unlike a
    /// test's own clock, not stretched when the test waits for a busy thread pool.
    var closedAfterRequest: Double? {
        times.withLock { times in times.request.flatMap { request in times.close.map { $0 - request } } }
    }

    /// `closedAfterRequest` once the server has seen the close (it may come just after the
    /// client's result), nil if it has not within `limit` seconds.
    func waitForClose(limit: Double = 5) async -> Double? {
        let deadline = probeNow() + limit
        while probeNow() < deadline {
            if let waited = closedAfterRequest { return waited }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return closedAfterRequest
    }

    func record(serverName: String?) {
        state.withLock { $0.serverNames.append(serverName) }
    }

    var requests: [String] { state.withLock { $0.requests } }
    var peers: [String] { state.withLock { $0.peers } }
    var serverNames: [String?] { state.withLock { $0.serverNames } }
}

/// Reads a request head byte by byte and answers as told.
final class ProbeServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behaviour: ProbeServerBehaviour
    private let log: ProbeServerLog
    private var received = ""
    private var answered = false

    init(behaviour: ProbeServerBehaviour, log: ProbeServerLog) {
        self.behaviour = behaviour
        self.log = log
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .greet(let text) = behaviour {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        log.recordClose()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readString(length: buffer.readableBytes) ?? ""
        guard !answered, received.contains("\r\n\r\n") else { return }
        answered = true
        log.record(request: received, peer: context.remoteAddress?.ipAddress ?? "?")
        switch behaviour {
        case .silent, .greet:
            break
        case .respond(let text):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .respondAndReset(let text):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).assumeIsolated().whenComplete { _ in
                if let provider = context.channel as? any SocketOptionProvider {
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
                        context.close(promise: nil)
                    }
                } else {
                    context.close(promise: nil)
                }
            }
        }
    }
}

/// A server on 127.0.0.1, ephemeral port, for the duration of a test.
struct ProbeTestServer {
    let channel: any Channel
    let log: ProbeServerLog
    let port: UInt16

    static func start(group: any EventLoopGroup, behaviour: ProbeServerBehaviour, tls: NIOSSLContext? = nil) async throws -> ProbeTestServer {
        let log = ProbeServerLog()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(ProbeServerHandler(behaviour: behaviour, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ProbeTestServer(channel: channel, log: log, port: UInt16(channel.localAddress?.port ?? 0))
    }

    func stop() async {
        try? await channel.close().get()
    }

    /// The self-signed certificate of `ProbeTestCertificate` (CN probe.test), recording the SNI
    /// name each client sends into `log`.
    static func tlsContext(log: ProbeServerLog) throws -> NIOSSLContext {
        let certificate = try NIOSSLCertificate.fromPEMBytes(Array(ProbeTestCertificate.certificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(ProbeTestCertificate.keyPEM.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: certificate.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        configuration.sslContextCallback = { values, promise in
            log.record(serverName: values.serverHostname)
            promise.succeed(NIOSSLContextConfigurationOverride())
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// A port on 127.0.0.1 where nothing listens (bound once by the kernel, then released).
func probeClosedPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return UInt16(bigEndian: address.sin_port)
}

/// A listening socket whose accept queue is full, so that new connections never complete:
/// the way to make a connect time out on loopback. Close `fds` when done.
func probeFullBacklogListener() -> (port: UInt16, fds: [Int32]) {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
    listen(listener, 0)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
    var fds = [listener]
    for _ in 0..<3 {
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) } }
        fds.append(filler)
    }
    usleep(100_000)
    return (UInt16(bigEndian: address.sin_port), fds)
}

/// The monotonic clock in seconds.
func probeNow() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
