import ConfParser
import NIOCore
import NIOPosix

/// TCP_CHECK: one connect to `connect_ip:connect_port` within `connect_timeout`; the connection is
/// closed as soon as it is established.
public struct TCPProbe: HealthProbe {
    /// Where and how to connect.
    public let endpoint: ProbeEndpoint
    let eventLoopGroup: any EventLoopGroup

    public init(endpoint: ProbeEndpoint, eventLoopGroup: any EventLoopGroup) {
        self.endpoint = endpoint
        self.eventLoopGroup = eventLoopGroup
    }

    public func run() async -> ProbeResult {
        do {
            let channel = try await endpoint.bootstrap(on: eventLoopGroup.next())
                .connect(to: endpoint.connectAddress()).get()
            try? await channel.close().get()
            return .success("TCP connection to \(endpoint.label) success.")
        } catch {
            switch ProbeConnectFailure(error) {
            case .timeout: return .failure("TCP connection to \(endpoint.label) timeout.")
            case .bind: return .failure("TCP socket bind failed. Rescheduling.")
            case .error, .unreachable: return .failure("TCP connection to \(endpoint.label) failed.")
            }
        }
    }
}
