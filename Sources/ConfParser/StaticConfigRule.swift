/// One rule of `static_rules` or of a vrrp_instance's `virtual_rules`, in the grammar of
/// `ip rule add`: `[not] [from PREFIX] [to PREFIX] [tos T] [fwmark M[/MASK]] [iif IF] [oif IF]
/// [priority N] [uidrange A-B] [ipproto P] [sport A[-B]] [dport A[-B]] [l3mdev] [protocol N]
/// (table T | goto N | nop | blackhole | unreachable | prohibit) [realms R]
/// [suppress_prefixlength N] [suppress_ifgroup G] [no_track] [track_group G]`.
public struct StaticRule: Sendable, Encodable, Equatable {
    public var location: SourceLocation
    public var family: RouteFamily = .inet
    /// `not`: the selector is inverted.
    public var invert = false
    public var from: IPPrefix?
    public var to: IPPrefix?
    public var action: RuleAction = .table(254)
    /// `preference` / `priority` / `order`; when missing keepalived assigns one (from 16384 down).
    public var priority: UInt32 = 0
    /// Whether `priority` was assigned because the line had none.
    public var priorityAssigned = false
    public var tos: UInt8?
    public var fwmark: UInt32?
    public var fwmask: UInt32?
    /// `realms [FROM/]TO` as written.
    public var realms: String?
    public var suppressPrefixLength: Int?
    public var suppressInterfaceGroup: UInt32?
    /// `iif` / `dev`.
    public var inputInterface: String?
    public var outputInterface: String?
    public var tunnelID: UInt64?
    public var uidRange: NumberRange?
    public var l3mdev = false
    /// Rule protocol number; keepalived's own (18) for tracked rules.
    public var ruleProtocol: UInt8?
    /// `ipproto`: the IP protocol number.
    public var ipProtocol: UInt8?
    public var sourcePorts: NumberRange?
    public var destinationPorts: NumberRange?
    public var noTrack = false
    /// `track_group` (static rules only).
    public var trackGroup: String?

    public init(location: SourceLocation) {
        self.location = location
    }

    /// One line of the rule grammar; nil (with the error reported) when keepalived drops it.
    /// `static_rules` passes `trackGroups` (the names of the `track_group` blocks defined so far),
    /// which enables the static-only `track_group` option; `virtual_rules` passes none.
    static func parseLine(_ node: ConfNode, trackGroups: Set<String>? = nil, context: inout BuildContext) -> StaticRule? {
        var parser = RuleParser(node: node, trackGroups: trackGroups)
        return parser.parse(&context)
    }

    /// The message keepalived gives when it picks a preference, used to number them in order.
    static let assignedPriorityMessage = "Rule has no preference specified - setting to "
}

/// What a rule does with matching packets.
public enum RuleAction: Sendable, Equatable, Encodable {
    /// `table` / `lookup`: look up this routing table.
    case table(UInt32)
    /// `l3mdev`: look up the table of the L3 master device.
    case l3mdev
    case goto(UInt32)
    case nop
    case blackhole
    case unreachable
    case prohibit

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .table(let table): try container.encode("table \(table)")
        case .l3mdev: try container.encode("l3mdev")
        case .goto(let target): try container.encode("goto \(target)")
        case .nop: try container.encode("nop")
        case .blackhole: try container.encode("blackhole")
        case .unreachable: try container.encode("unreachable")
        case .prohibit: try container.encode("prohibit")
        }
    }
}

/// `A-B` for uid and port ranges (keepalived 2.2.7 rejects a single number, even for ports).
public struct NumberRange: Sendable, Encodable, Equatable {
    public var start: UInt32
    public var end: UInt32

    public init(start: UInt32, end: UInt32) {
        self.start = start
        self.end = end
    }

    /// `A-B`, each part at most `max`.
    static func parse(_ text: String, max: UInt32) -> NumberRange? {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let start = UInt32(parts[0]), start <= max,
              let end = UInt32(parts[1]), end <= max else { return nil }
        return NumberRange(start: start, end: end)
    }
}
