import ConfParser
import Dispatch
import NIOCore
import NIOPosix

/// How TCP_CHECK ends a connection it has made.
public enum TCPCheckClose: String, Sendable, CaseIterable {
    /// A RST (SO_LINGER 0), as HAProxy ends its health checks: no FIN exchange and no TIME_WAIT
    /// socket left on the director (10,000 checks a second would keep about 600,000, beyond the
    /// kernel's table), and less of the kernel's work per check. The default.
    case reset
    /// keepalived's orderly close (FIN), for real servers that log connections reset by a peer.
    case fin
}

/// TCP_CHECK: one connect to `connect_ip:connect_port` within `connect_timeout`; the connection is
/// closed as soon as it is established (`close` says how).
///
/// The engine runs it on its own queue (`QueueProbe`): a non-blocking socket in the queue's epoll
/// set, no task and no NIO channel per attempt. `run(on:)` (the same check on NIO) serves callers
/// outside an engine. The probe holds no event loop group: the engine keeps one probe per checker
/// (10,000 in a large configuration) and never uses one.
public struct TCPProbe: QueueProbe {
    /// Where and how to connect.
    public let endpoint: ProbeEndpoint
    /// How an established connection is ended (on the engine's queue; `run(on:)` always sends a FIN).
    public let close: TCPCheckClose

    public init(endpoint: ProbeEndpoint, close: TCPCheckClose = .reset) {
        self.endpoint = endpoint
        self.close = close
    }

    public func start(on context: ProbeQueue, completion: @escaping @Sendable (ProbeResult) -> Void) -> any ProbeAttempt {
        TCPConnectAttempt.begin(endpoint, closing: close, on: context, completion: completion)
    }

    /// The check on NIO's shared event loops.
    public func run() async -> ProbeResult {
        await run(on: MultiThreadedEventLoopGroup.singleton)
    }

    /// The check on one of `eventLoopGroup`'s loops.
    public func run(on eventLoopGroup: any EventLoopGroup) async -> ProbeResult {
        do {
            let channel = try await endpoint.bootstrap(on: eventLoopGroup.next())
                .connect(to: endpoint.connectAddress()).get()
            try? await channel.close().get()
            return Self.success(label: endpoint.label)
        } catch {
            return Self.result(of: ProbeConnectFailure(error), label: endpoint.label)
        }
    }

    static func success(label: ServiceLabel) -> ProbeResult {
        ProbeResult(succeeded: true, message: ProbeMessage(tcp: .success, to: label))
    }

    static func result(of failure: ProbeConnectFailure, label: ServiceLabel) -> ProbeResult {
        switch failure {
        case .timeout: return ProbeResult(succeeded: false, message: ProbeMessage(tcp: .timeout, to: label))
        case .bind: return .failure("TCP socket bind failed. Rescheduling.")
        case .error, .unreachable: return ProbeResult(succeeded: false, message: ProbeMessage(tcp: .failed, to: label))
        }
    }
}
