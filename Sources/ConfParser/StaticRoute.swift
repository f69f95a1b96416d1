/// One route of `static_routes` or of a vrrp_instance's `virtual_routes`, in the grammar of
/// `ip route add` (long option names only):
/// `[TYPE] [to] PREFIX [via [inet|inet6] ADDR] [dev IF] [src ADDR] [from PREFIX] [table T]
/// [metric N] [scope S] [protocol P] [tos T] [onlink] [mtu [lock] N] ... [no_track]
/// [track_group G] [nexthop via ADDR dev IF weight N onlink ...]...`.
public struct StaticRoute: Sendable, Encodable, Equatable {
    public var location: SourceLocation
    public var family: RouteFamily = .inet
    /// Route type (`blackhole`, `unreachable`, ...); unicast unless given.
    public var type: RouteType = .unicast
    /// Destination; `default` / `all` / `any` is the zero prefix of the route's family.
    public var destination: IPPrefix
    /// `from PREFIX`: source prefix (IPv6 source routing).
    public var source: IPPrefix?
    /// `src ADDR`: preferred source address.
    public var preferredSource: IPAddress?
    /// `via ADDR` (or the deprecated `gw`): gateway.
    public var via: IPAddress?
    /// `dev` / `oif`: output interface.
    public var device: String?
    /// Routing table, main (254) unless given.
    public var table: UInt32 = 254
    /// `metric` / `priority` / `preference`.
    public var metric: UInt32?
    /// Scope number (`scope`): nil means universe (0, the kernel default for gateway routes).
    public var scope: UInt8?
    /// Routing protocol number; keepalived's own (18) for tracked routes.
    public var routeProtocol: UInt8?
    /// `tos` / `dsfield`.
    public var tos: UInt8?
    public var onlink = false
    /// `nexthop ...` groups (multipath), or the two gateways of the deprecated `via A or B`.
    public var nexthops: [RouteNexthop] = []
    /// `no_track`: a deleted route does not take the VRRP instance out of MASTER. keepalived also
    /// sets it for routes it cannot track (no `dev`).
    public var noTrack = false
    /// `track_group` (static routes only).
    public var trackGroup: String?
    /// `append` / `prepend`: how the route is added next to matching routes (prepend by default).
    public var append = false
    /// `vrf NAME`.
    public var vrf: String?
    /// Other attributes passed to the kernel as written (mtu, advmss, rtt, realms, encap, ...).
    public var options: [RouteOption] = []

    public init(location: SourceLocation, destination: IPPrefix) {
        self.location = location
        self.destination = destination
    }

    /// One line of the route grammar; nil (with the error reported) when keepalived drops it.
    /// `static_routes` passes `trackGroups` (the names of the `track_group` blocks defined so far),
    /// which enables the static-only `track_group` option; `virtual_routes` passes none.
    static func parseLine(_ node: ConfNode, trackGroups: Set<String>? = nil, context: inout BuildContext) -> StaticRoute? {
        var parser = RouteParser(node: node, trackGroups: trackGroups)
        return parser.parse(&context)
    }
}

/// IPv4 or IPv6 for a route or rule (`inet` / `inet6`).
public enum RouteFamily: String, Sendable, Encodable, Equatable {
    case inet
    case inet6

    init(_ address: IPAddress) { self = address.isIPv6 ? .inet6 : .inet }

    /// The zero address of the family, for `default` / `all` / `any`.
    var anyAddress: IPAddress { self == .inet ? .v4(0) : .v6(0, 0) }
}

/// Route types of `ip route`.
public enum RouteType: String, Sendable, Encodable, Equatable, CaseIterable {
    case unicast, local, broadcast, anycast, multicast, blackhole, unreachable, prohibit, `throw`, nat, xresolve
}

/// One `nexthop` of a multipath route.
public struct RouteNexthop: Sendable, Encodable, Equatable {
    public var via: IPAddress?
    public var device: String?
    /// 1...256.
    public var weight: Int?
    public var onlink = false
    /// `realms [FROM/]TO` as written.
    public var realms: String?
    /// `encap TYPE ...` as written.
    public var encap: [String] = []

    public init(via: IPAddress? = nil, device: String? = nil) {
        self.via = via
        self.device = device
    }
}

/// A route attribute kept as written: `mtu lock 1400` is name "mtu", lock true, value "1400".
public struct RouteOption: Sendable, Encodable, Equatable {
    public var name: String
    public var lock = false
    /// The value word(s); empty for a bare option.
    public var value: [String]

    public init(name: String, lock: Bool = false, value: [String]) {
        self.name = name
        self.lock = lock
        self.value = value
    }
}
