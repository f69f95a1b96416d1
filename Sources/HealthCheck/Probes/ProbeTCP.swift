import ConfParser
import Dispatch
import NIOCore
import NIOPosix

/// TCP_CHECK: one connect to `connect_ip:connect_port` within `connect_timeout`; the connection is
/// closed as soon as it is established.
///
/// The engine runs it on its own queue (`QueueProbe`): a non-blocking socket in the queue's epoll
/// set, no task and no NIO channel per attempt. `run()` (the same check on NIO) serves callers
/// outside an engine.
public struct TCPProbe: QueueProbe {
    /// Where and how to connect.
    public let endpoint: ProbeEndpoint
    let eventLoopGroup: any EventLoopGroup

    public init(endpoint: ProbeEndpoint, eventLoopGroup: any EventLoopGroup) {
        self.endpoint = endpoint
        self.eventLoopGroup = eventLoopGroup
    }

    public func start(on context: ProbeQueue, completion: @escaping @Sendable (ProbeResult) -> Void) -> any ProbeAttempt {
        TCPConnectAttempt.begin(endpoint, on: context, completion: completion)
    }

    public func run() async -> ProbeResult {
        do {
            let channel = try await endpoint.bootstrap(on: eventLoopGroup.next())
                .connect(to: endpoint.connectAddress()).get()
            try? await channel.close().get()
            return Self.success(label: endpoint.label)
        } catch {
            return Self.result(of: ProbeConnectFailure(error), label: endpoint.label)
        }
    }

    static func success(label: String) -> ProbeResult {
        ProbeResult(succeeded: true, message: ProbeMessage("TCP connection to ", label, " success."))
    }

    static func result(of failure: ProbeConnectFailure, label: String) -> ProbeResult {
        switch failure {
        case .timeout: return ProbeResult(succeeded: false, message: ProbeMessage("TCP connection to ", label, " timeout."))
        case .bind: return .failure("TCP socket bind failed. Rescheduling.")
        case .error, .unreachable: return ProbeResult(succeeded: false, message: ProbeMessage("TCP connection to ", label, " failed."))
        }
    }
}
