/// Value types shared by the LVS side of the configuration: protocols, schedulers, forwarding
/// methods, notify scripts, and keepalived's way of printing services.

/// The layer-4 protocol of a virtual service (`protocol TCP|UDP|SCTP`).
public enum LVSProtocol: String, Sendable, Encodable, CaseIterable, Hashable {
    case tcp = "TCP", udp = "UDP", sctp = "SCTP"

    /// The lower-case name keepalived prints in `[IP]:tcp:PORT`.
    public var logName: String {
        switch self {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        }
    }

    /// The IP protocol number (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP).
    public var ipProtocolNumber: UInt16 {
        switch self {
        case .tcp: return 6
        case .udp: return 17
        case .sctp: return 132
        }
    }
}

/// An IPVS scheduler (`lb_algo` / `lvs_sched`); the raw value is the kernel's scheduler name.
public enum LVSScheduler: String, Sendable, Encodable, CaseIterable, Hashable {
    case rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos
}

/// `ip_family inet|inet6`, and the family of `fwmark N inet6` in a virtual_server_group.
public enum AddressFamily: String, Sendable, Encodable, Hashable {
    case inet, inet6
}

/// The scheduler flags of a virtual service (`-b` in ipvsadm). `sh-fallback` and `mh-fallback`
/// are flag-1, `sh-port` and `mh-port` are flag-2.
public struct SchedulerFlags: OptionSet, Sendable, Encodable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// IP_VS_SVC_F_SCHED1 (sh-fallback, mh-fallback).
    public static let flag1 = SchedulerFlags(rawValue: 0x0008)
    /// IP_VS_SVC_F_SCHED2 (sh-port, mh-port).
    public static let flag2 = SchedulerFlags(rawValue: 0x0010)
    /// IP_VS_SVC_F_SCHED3.
    public static let flag3 = SchedulerFlags(rawValue: 0x0020)

    public func encode(to encoder: any Encoder) throws {
        var names: [String] = []
        if contains(.flag1) { names.append("flag-1") }
        if contains(.flag2) { names.append("flag-2") }
        if contains(.flag3) { names.append("flag-3") }
        var container = encoder.singleValueContainer()
        try container.encode(names)
    }
}

/// An LVS forwarding method (`lb_kind` / `lvs_method` and `sorry_server_lvs_method`):
/// `NAT`, `DR`, or `TUN [type ipip|gue port N|gre [nocsum|csum|remcsum]]`.
public struct ForwardingMethod: Sendable, Encodable, Hashable {
    public enum Kind: String, Sendable, Encodable, Hashable {
        case nat = "NAT", dr = "DR", tun = "TUN"
    }

    public enum TunnelType: String, Sendable, Encodable, Hashable {
        case ipip, gue, gre
    }

    public enum TunnelChecksum: String, Sendable, Encodable, Hashable {
        case nocsum, csum, remcsum
    }

    public var kind: Kind
    /// The tunnel type for TUN (ipip when not given); nil for NAT and DR.
    public var tunnelType: TunnelType?
    /// The destination port of a GUE tunnel.
    public var tunnelPort: UInt16?
    /// The checksum option of a GUE or GRE tunnel.
    public var tunnelChecksum: TunnelChecksum?

    public init(kind: Kind, tunnelType: TunnelType? = nil, tunnelPort: UInt16? = nil, tunnelChecksum: TunnelChecksum? = nil) {
        self.kind = kind
        self.tunnelType = tunnelType ?? (kind == .tun ? .ipip : nil)
        self.tunnelPort = tunnelPort
        self.tunnelChecksum = tunnelChecksum
    }

    public static let nat = ForwardingMethod(kind: .nat)
    public static let dr = ForwardingMethod(kind: .dr)

    /// Reads `NAT|DR|TUN [type ...]` from the node's arguments; `what` is "virtual server",
    /// "real server" or "sorry server" as keepalived names it in its messages.
    static func parse(_ node: ConfNode, for what: String, context: inout BuildContext) -> ForwardingMethod? {
        guard let word = context.argument(node, 0, expecting: "forwarding method NAT|DR|TUN") else { return nil }
        switch word {
        case "NAT": return .nat
        case "DR": return .dr
        case "TUN": break
        default:
            context.error("PARSER : unknown [\(word)] routing method for \(what).", at: node)
            return nil
        }
        var method = ForwardingMethod(kind: .tun)
        let args = node.arguments
        var index = 1
        guard index < args.count else { return method }
        guard args[index] == "type" else {
            context.error("Invalid tunnel option \(args[index]) for \(what).", at: node)
            return method
        }
        index += 1
        guard index < args.count else {
            context.error("Missing tunnel type for \(what).", at: node)
            return method
        }
        guard let type = TunnelType(rawValue: args[index]) else {
            context.error("Unknown tunnel type \(args[index]) for \(what).", at: node)
            return method
        }
        method.tunnelType = type
        index += 1
        if type == .gue {
            guard index < args.count, args[index] == "port" else {
                context.error("gue tunnels require port, otherwise cannot have port.", at: node)
                return method
            }
            index += 1
            guard index < args.count else {
                context.error("Missing port for \(what) gue tunnel.", at: node)
                return method
            }
            guard let port = context.integer(args[index], at: node, in: 1...65535) else {
                context.error("Invalid gue tunnel port \(args[index]) for \(what).", at: node)
                return method
            }
            method.tunnelPort = UInt16(port)
            index += 1
        }
        guard index < args.count else { return method }
        guard let checksum = TunnelChecksum(rawValue: args[index]) else {
            context.error("Invalid tunnel option \(args[index]) for \(what).", at: node)
            return method
        }
        switch (type, checksum) {
        case (.ipip, _):
            context.error("ipip tunnels do not support checksum option.", at: node)
            return method
        case (.gre, .remcsum):
            context.error("gre tunnels do not support remote checksum option.", at: node)
            return method
        default:
            method.tunnelChecksum = checksum
        }
        if index + 1 < args.count {
            context.error("Invalid tunnel option \(args[index + 1]) for \(what).", at: node)
        }
        return method
    }
}

/// A script run by the checker process (`quorum_up`, `quorum_down`, `notify_up`, `notify_down`,
/// `misc_path`): the command line and the optional user and group to run it as.
///
/// Its fields live in one shared immutable object (a setter makes a new one): a script is
/// optional in every real server twice over and a payload of every health action, so a reference
/// keeps those 8 bytes where the fields inline took 56.
public struct LVSScript: Sendable, Encodable, Hashable {
    private final class Fields: Sendable {
        let command: String
        let user: String?
        let group: String?
        let location: SourceLocation

        init(command: String, user: String?, group: String?, location: SourceLocation) {
            self.command = command
            self.user = user
            self.group = group
            self.location = location
        }
    }

    private var fields: Fields

    /// The command line (a quoted string is one word, so it may hold arguments).
    public var command: String {
        get { fields.command }
        set { fields = Fields(command: newValue, user: user, group: group, location: location) }
    }

    public var user: String? {
        get { fields.user }
        set { fields = Fields(command: command, user: newValue, group: group, location: location) }
    }

    public var group: String? {
        get { fields.group }
        set { fields = Fields(command: command, user: user, group: newValue, location: location) }
    }

    public var location: SourceLocation {
        get { fields.location }
        set { fields = Fields(command: command, user: user, group: group, location: newValue) }
    }

    public init(command: String, user: String? = nil, group: String? = nil, location: SourceLocation) {
        fields = Fields(command: command, user: user, group: group, location: location)
    }

    public static func == (a: LVSScript, b: LVSScript) -> Bool {
        a.fields === b.fields
            || (a.command == b.command && a.user == b.user && a.group == b.group && a.location == b.location)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(command)
        hasher.combine(user)
        hasher.combine(group)
        hasher.combine(location)
    }

    private enum CodingKeys: String, CodingKey {
        case command, user, group, location
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encodeIfPresent(user, forKey: .user)
        try container.encodeIfPresent(group, forKey: .group)
        try container.encode(location, forKey: .location)
    }

    /// Reads `COMMAND [USER [GROUP]]` and records the script for the script-security check.
    static func parse(_ node: ConfNode, for what: String, context: inout BuildContext) -> LVSScript? {
        guard let command = context.argument(node, 0, expecting: "script") else { return nil }
        let args = node.arguments
        context.script(command, at: node, for: what, user: args.count > 1 ? args[1] : nil)
        return LVSScript(command: command, user: args.count > 1 ? args[1] : nil,
                         group: args.count > 2 ? args[2] : nil, location: node.location)
    }
}

/// `persistence_granularity`: a netmask for IPv4 services, a prefix length for IPv6 ones.
public enum PersistenceGranularity: Sendable, Encodable, Hashable, CustomStringConvertible {
    case netmask(IPAddress)
    case prefixLength(Int)

    public var description: String {
        switch self {
        case .netmask(let mask): return mask.description
        case .prefixLength(let length): return String(length)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// keepalived's printing of LVS services and servers, for messages and logs.
public enum LVSFormat {
    /// `[10.0.0.1]:tcp:80`; `none` when the protocol is not (yet) known.
    public static func service(_ address: IPAddress, _ proto: LVSProtocol?, _ port: UInt16) -> String {
        "[\(address)]:\(proto?.logName ?? "none"):\(port)"
    }

    /// `FWM 1`.
    public static func fwmark(_ mark: UInt32) -> String {
        "FWM \(mark)"
    }

    /// A virtual server using a group: `[NAME]:0`.
    public static func group(_ name: String) -> String {
        "[\(name)]:0"
    }
}
