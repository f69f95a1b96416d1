import ConfParser

/// A real server as keepalived names it in log lines, `[RIP]:tcp:PORT`: kept as its parts and worded
/// when a line needs it (as a string, each of 10,000 probes held 64 bytes of heap).
public struct ServiceLabel: Sendable, Equatable, CustomStringConvertible {
    public var address: IPAddress
    public var `protocol`: LVSProtocol?
    public var port: UInt16

    public init(_ address: IPAddress, _ protocol: LVSProtocol?, _ port: UInt16) {
        self.address = address
        self.protocol = `protocol`
        self.port = port
    }

    /// `[RIP]:tcp:PORT`, as `VirtualServer.displayName(of:port:)` words it.
    public var description: String { LVSFormat.service(address, self.protocol, port) }
}
