import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Why the metrics server could not start.
public struct MetricsServerError: Error, CustomStringConvertible {
    /// The address as `host:port`.
    public let address: String
    /// What the system said.
    public let reason: String

    public var description: String { "cannot serve metrics on \(address): \(reason)" }
}

/// The `/metrics` HTTP/1.1 endpoint (SwiftNIO), on one event loop thread of its own.
public final class MetricsServer: Sendable {
    /// The address to listen on, as given (`::` for all addresses).
    public let host: String
    /// The port to listen on, as given (0 for any free port).
    public let port: Int

    private let render: @Sendable () -> String

    private enum State {
        case idle
        case running(group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int)
        case stopped
    }

    private let state = Mutex(State.idle)

    /// A server that answers `/metrics` with `render()`.
    public init(host: String, port: Int, render: @escaping @Sendable () -> String) {
        self.host = host
        self.port = port
        self.render = render
    }

    /// A server for `metrics` at a `--metrics` address (see ``MetricsAddress/parse(_:)``).
    public convenience init(address: String, metrics: DaemonMetrics) throws {
        let (host, port) = try MetricsAddress.parse(address)
        self.init(host: host, port: port) { metrics.render() }
    }

    /// The port actually bound (useful with port 0), or nil when not running.
    public var boundPort: Int? {
        state.withLock { state in
            if case .running(_, _, let port) = state { return port }
            return nil
        }
    }

    /// Binds and starts serving; returns the bound port. Throws ``MetricsServerError`` when the address
    /// cannot be bound. For all addresses (`::`) on a host without IPv6, falls back to `0.0.0.0`.
    @discardableResult
    public func start() throws -> Int {
        if let port = boundPort { return port }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel: any Channel
        do {
            channel = try bind(group: group, host: host)
        } catch let first {
            guard host == MetricsAddress.allAddresses, let fallback = try? bind(group: group, host: "0.0.0.0") else {
                try? group.syncShutdownGracefully()
                throw MetricsServerError(address: MetricsAddress.describe(host: host, port: port), reason: "\(first)")
            }
            channel = fallback
        }
        let bound = channel.localAddress?.port ?? port
        state.withLock { $0 = .running(group: group, channel: channel, port: bound) }
        return bound
    }

    /// Stops listening, closes open connections and ends the server's thread. Safe to call twice.
    public func stop() {
        let previous = state.withLock { state -> State in
            defer { state = .stopped }
            return state
        }
        guard case .running(let group, let channel, _) = previous else { return }
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    private func bind(group: MultiThreadedEventLoopGroup, host: String) throws -> any Channel {
        let render = self.render
        return try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(render: render))
                }
            }
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port)
            .wait()
    }
}
