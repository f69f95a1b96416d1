import Dispatch
import Foundation
import NIOCore
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why the status socket could not be set up.
public enum StatusServerError: Error, Sendable, CustomStringConvertible {
    /// Another process answers on the path (a keepalivedd already running).
    case alreadyRunning(socketPath: String)
    /// Binding, restricting or moving the socket into place failed.
    case setupFailed(socketPath: String, reason: String)

    public var description: String {
        switch self {
        case .alreadyRunning(let path): "another process already answers on the status socket \(path)"
        case .setupFailed(let path, let reason): "cannot create the status socket \(path): \(reason)"
        }
    }
}

/// The daemon's side of `keepalivedd status`: a Unix stream socket, root-only through its mode
/// 0600, that answers every connection with the provider's `StatusReport` as JSON and closes.
///
/// The socket is bound under a temporary name, restricted to 0600 and only then renamed to
/// `socketPath`, so it never appears with a wider mode. The provider runs on a global Dispatch
/// queue, never on the engines' queues nor on the event loop.
public final class StatusServer: Sendable {
    /// keepalivedd's default status socket.
    public static let defaultSocketPath = "/run/keepalivedd.sock"

    public let socketPath: String
    private let group: any EventLoopGroup
    private let provider: @Sendable () -> StatusReport
    private let channel = Mutex<(any Channel)?>(nil)

    /// - Parameters:
    ///   - socketPath: where the socket is created (and removed on `stop()`).
    ///   - group: the event loops to serve on (NIO's shared singleton by default).
    ///   - provider: asked for a fresh report on each connection.
    public init(socketPath: String = StatusServer.defaultSocketPath,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                provider: @escaping @Sendable () -> StatusReport) {
        self.socketPath = socketPath
        self.group = group
        self.provider = provider
    }

    /// Creates the socket and starts answering (blocks until bound; call from a plain thread).
    public func start() throws(StatusServerError) {
        if StatusClient.isAnswering(socketPath: socketPath) {
            throw .alreadyRunning(socketPath: socketPath)
        }
        let temporary = socketPath + ".\(getpid()).new"
        let provider = self.provider
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 32)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(StatusReplyHandler(provider: provider))
                }
            }
        let bound: any Channel
        do {
            bound = try bootstrap.bind(unixDomainSocketPath: temporary, cleanupExistingSocketFile: true).wait()
        } catch {
            throw .setupFailed(socketPath: socketPath, reason: "\(error)")
        }
        if chmod(temporary, 0o600) != 0 || rename(temporary, socketPath) != 0 {
            let reason = String(cString: strerror(errno))
            try? bound.close().wait()
            unlink(temporary)
            throw .setupFailed(socketPath: socketPath, reason: reason)
        }
        channel.withLock { $0 = bound }
    }

    /// Stops answering and removes the socket file (blocks until closed; not from an event loop).
    public func stop() {
        let bound = channel.withLock { current -> (any Channel)? in
            defer { current = nil }
            return current
        }
        guard let bound else { return }
        try? bound.close().wait()
        unlink(socketPath)
    }
}

/// Writes one report on a new connection, then closes it; whatever the client sends is ignored.
final class StatusReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let provider: @Sendable () -> StatusReport

    init(provider: @escaping @Sendable () -> StatusReport) {
        self.provider = provider
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let provider = self.provider
        DispatchQueue.global().async {
            var bytes = (try? provider().jsonData()) ?? Data()
            bytes.append(UInt8(ascii: "\n"))
            channel.writeAndFlush(ByteBuffer(bytes: bytes)).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
