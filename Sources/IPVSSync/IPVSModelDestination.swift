import ConfParser

/// How IPVS forwards to a destination: IP_VS_CONN_F_* method plus, for tunnels, the tunnel type,
/// port (GUE) and encapsulation flags.
public struct IPVSForwarding: Sendable, Hashable, CustomStringConvertible {
    public enum Method: UInt32, Sendable, Hashable {
        /// NAT (IP_VS_CONN_F_MASQ).
        case masquerade = 0
        case localNode = 1
        /// TUN (IP_VS_CONN_F_TUNNEL).
        case tunnel = 2
        /// DR (IP_VS_CONN_F_DROUTE).
        case route = 3
        case bypass = 4
    }

    public enum TunnelType: UInt8, Sendable, Hashable {
        case ipip = 0, gue = 1, gre = 2
    }

    public var method: Method
    /// Tunnel fields; always ipip / 0 / 0 for other methods (what the kernel dumps for them).
    public var tunnelType: TunnelType
    /// The GUE destination port (host order; IPVS_DEST_ATTR_TUN_PORT is big-endian).
    public var tunnelPort: UInt16
    /// IP_VS_TUNNEL_ENCAP_FLAG_* bits.
    public var tunnelFlags: UInt16

    public init(method: Method, tunnelType: TunnelType = .ipip, tunnelPort: UInt16 = 0, tunnelFlags: UInt16 = 0) {
        self.method = method
        let tunnel = method == .tunnel
        self.tunnelType = tunnel ? tunnelType : .ipip
        self.tunnelPort = tunnel ? tunnelPort : 0
        self.tunnelFlags = tunnel ? tunnelFlags : 0
    }

    public static let masquerade = IPVSForwarding(method: .masquerade)
    public static let route = IPVSForwarding(method: .route)
    public static let tunnel = IPVSForwarding(method: .tunnel)

    /// The configured method: NAT = masquerade, DR = route, TUN = tunnel with its type and options.
    public init(_ method: ForwardingMethod) {
        switch method.kind {
        case .nat: self = .masquerade
        case .dr: self = .route
        case .tun:
            let type: TunnelType
            switch method.tunnelType ?? .ipip {
            case .ipip: type = .ipip
            case .gue: type = .gue
            case .gre: type = .gre
            }
            let flags: UInt16
            switch method.tunnelChecksum {
            case nil, .nocsum?: flags = IPVSConstants.tunnelFlagNoChecksum
            case .csum?: flags = IPVSConstants.tunnelFlagChecksum
            case .remcsum?: flags = IPVSConstants.tunnelFlagRemoteChecksum
            }
            self.init(method: .tunnel, tunnelType: type, tunnelPort: method.tunnelPort ?? 0, tunnelFlags: flags)
        }
    }

    /// The IPVS_DEST_ATTR_FWD_METHOD value.
    public var connectionFlags: UInt32 { method.rawValue }

    /// ipvsadm's name: Masq, Local, Tunnel, Route, Bypass.
    public var description: String {
        switch method {
        case .masquerade: return "Masq"
        case .localNode: return "Local"
        case .tunnel: return "Tunnel"
        case .route: return "Route"
        case .bypass: return "Bypass"
        }
    }
}

/// What identifies a destination within a service: its address (and so family) and port.
public struct IPVSDestinationKey: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var family: IPVSAddressFamily { IPVSAddressFamily(address) }

    public var description: String { "[\(address)]:\(port)" }
}

/// One real server of a virtual service as IPVS holds it.
///
/// `isSorryServer`, `isInhibited`, `isAliveAtWeightZero` and `logName` are annotations for keepalived's log lines (a
/// sorry server; held at weight 0 by inhibit_on_failure or sorry_server_inhibit; the name keepalived
/// prints when it is not the destination's own, as in group services); they are not part of
/// equality and dumps leave them unset.
public struct IPVSDestination: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public var forwarding: IPVSForwarding
    /// 0...Int32.max (the kernel rejects larger values).
    public var weight: UInt32
    /// Upper connection threshold; 0 = none.
    public var upperThreshold: UInt32
    /// Lower connection threshold; 0 = none.
    public var lowerThreshold: UInt32
    public var isSorryServer: Bool
    public var isInhibited: Bool
    /// Up, but at weight 0 (e.g. FILE_CHECK took its weight down): leaving 0 is a weight change,
    /// not keepalived's `Enabling` of an inhibited server.
    public var isAliveAtWeightZero = false
    public var logName: String?

    public init(address: IPAddress, port: UInt16, forwarding: IPVSForwarding = .masquerade, weight: UInt32 = 1,
                upperThreshold: UInt32 = 0, lowerThreshold: UInt32 = 0, isSorryServer: Bool = false, isInhibited: Bool = false) {
        self.address = address
        self.port = port
        self.forwarding = forwarding
        self.weight = weight
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
        self.isSorryServer = isSorryServer
        self.isInhibited = isInhibited
    }

    public var key: IPVSDestinationKey { IPVSDestinationKey(address: address, port: port) }

    /// The destination's own family (may differ from the service's for tunnels).
    public var family: IPVSAddressFamily { IPVSAddressFamily(address) }

    public var description: String { "[\(address)]:\(port)" }

    /// True when IPVS_CMD_SET_DEST has nothing to change.
    public func hasSameSettings(as other: IPVSDestination) -> Bool {
        forwarding == other.forwarding && weight == other.weight
            && upperThreshold == other.upperThreshold && lowerThreshold == other.lowerThreshold
    }

    public static func == (lhs: IPVSDestination, rhs: IPVSDestination) -> Bool {
        lhs.address == rhs.address && lhs.port == rhs.port && lhs.hasSameSettings(as: rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(address)
        hasher.combine(port)
    }

    /// keepalived's name for it within `service`: `logName`, else `[RIP]:tcp:PORT`.
    public func displayName(in service: IPVSService) -> String {
        logName ?? LVSFormat.service(address, service.key.protocol, port)
    }
}
