/// `virtual_server IP [PORT] | fwmark N | group NAME { ... }`: one IPVS virtual service (or, for a
/// group, one per group entry), its real servers and their health checkers.
///
/// Values keep the line they were written on (`$field.location`); after `LVSCompletion` every
/// default and completion rule of keepalived has been applied, so `scheduler`, `forwarding`,
/// `protocol`, `quorum` and the real servers' and checkers' values are final.
public struct VirtualServer: Sendable, Encodable {
    public var location: SourceLocation
    /// What the service is: an address and port, a firewall mark, or a virtual_server_group.
    public var address: VirtualServerAddress

    /// `protocol TCP|UDP|SCTP`; UDP when missing (a config error), nil for fwmark services.
    @Sourced public var `protocol`: LVSProtocol? = nil
    /// `lb_algo` / `lvs_sched`; wlc when missing (a config error).
    @Sourced public var scheduler: LVSScheduler = .wlc
    /// `lb_kind` / `lvs_method`; NAT when missing (a config error).
    @Sourced public var forwarding: ForwardingMethod = .nat
    /// `delay_loop`: seconds between checks, 60 by default.
    @Sourced public var delayLoop: Double = 60
    /// `persistence_timeout` in seconds (360 without a value); nil when not persistent.
    @Sourced public var persistenceTimeout: Int? = nil
    @Sourced public var persistenceGranularity: PersistenceGranularity? = nil
    @Sourced public var persistenceEngine: String? = nil
    /// flag-1/2/3, sh-port, sh-fallback, mh-port, mh-fallback.
    @Sourced public var schedulerFlags: SchedulerFlags = []
    /// `hashed`.
    @Sourced public var hashed = false
    /// `ops`: one-packet scheduling (UDP only).
    @Sourced public var onePacketScheduling = false
    @Sourced public var haSuspend = false
    /// `alpha`: real servers start down until their checkers succeed.
    @Sourced public var alpha = false
    /// `omega`: run quorum_down and notify_down scripts at shutdown.
    @Sourced public var omega = false
    @Sourced public var quorum: Int = 1
    @Sourced public var hysteresis: Int = 0
    @Sourced public var quorumUp: LVSScript? = nil
    @Sourced public var quorumDown: LVSScript? = nil
    public var sorryServer: SorryServer?
    /// `inhibit_on_failure`: failed real servers get weight 0 instead of being removed.
    @Sourced public var inhibitOnFailure = false
    /// `virtualhost`: default Host header for HTTP_GET/SSL_GET checkers.
    @Sourced public var virtualhost: String? = nil
    /// `smtp_alert`; nil leaves it to global_defs.
    @Sourced public var smtpAlert: Bool? = nil
    @Sourced public var ipFamily: AddressFamily? = nil
    /// `weight` (1-2147483647): the default weight of its real servers.
    @Sourced public var weight: Int? = nil
    @Sourced public var snmpName: String? = nil

    /// Defaults for the checkers of every real server (resolved into each `Checker`).
    @Sourced public var connectTimeout: Double? = nil
    @Sourced public var retry: Int? = nil
    @Sourced public var delayBeforeRetry: Double? = nil
    @Sourced public var warmup: Double? = nil

    public var realServers: [RealServer] = []
    public var otherKeywords: [RecognisedKeyword] = []

    public init(address: VirtualServerAddress, location: SourceLocation) {
        self.address = address
        self.location = location
    }

    /// keepalived's name for the service: `[10.0.0.1]:tcp:80`, `FWM 1`, or `[GROUP]:0`.
    public var displayName: String {
        switch address {
        case .address(let ip, let port): return LVSFormat.service(ip, self.protocol, port)
        case .fwmark(let mark): return LVSFormat.fwmark(mark)
        case .group(let name): return LVSFormat.group(name)
        }
    }

    /// keepalived's name for a real (or sorry) server of this service: `[RIP]:tcp:PORT`.
    public func displayName(of address: IPAddress, port: UInt16) -> String {
        LVSFormat.service(address, self.protocol, port)
    }

    /// The address family of an address service; nil for fwmark and group services.
    public var family: AddressFamily? {
        if case .address(let ip, _) = address { return ip.isIPv6 ? .inet6 : .inet }
        return nil
    }

    /// The family of the service as keepalived settles it: the address's, else `ip_family`, else
    /// the one `persistence_granularity` implies, else that of the first real server that is not
    /// tunnelled (nil while there is none).
    public var serviceFamily: AddressFamily? {
        if let family { return family }
        if let ipFamily { return ipFamily }
        switch persistenceGranularity {
        case .netmask?: return .inet
        case .prefixLength?: return .inet6
        case nil: break
        }
        for index in realServers.indices {
            let own = realServers[index].$forwarding
            let kind = own.location != nil ? own.wrappedValue.kind : forwarding.kind
            if kind != .tun { return realServers[index].address.isIPv6 ? .inet6 : .inet }
        }
        return nil
    }

    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {
        guard let address = VirtualServerAddress.parse(node, context: &context) else { return }
        var draft = VirtualServerDraft(server: VirtualServer(address: address, location: node.location),
                                       references: CheckerReferences(config))
        let children = context.block(node)
        draft.server.realServers.reserveCapacity(children.reduce(0) { $0 + ($1.keyword == "real_server" ? 1 : 0) })
        Self.table.apply(children, to: &draft, context: &context, other: \.server.otherKeywords)
        var server = draft.server
        if let sorry = server.sorryServer, let family = server.serviceFamily, sorry.address.isIPv6 != (family == .inet6) {
            if sorry.forwarding.kind != .tun {
                context.diagnostics.error("Address family of virtual server and sorry server \(sorry.address) don't match - skipping sorry server.",
                                          at: sorry.location)
                server.sorryServer = nil
            }
        }
        config.virtualServers.append(server)
    }
}

/// What a virtual_server stands for.
public enum VirtualServerAddress: Sendable, Encodable, Hashable, CustomStringConvertible {
    /// `virtual_server IP [PORT]`; port 0 when not given (persistent services only).
    case address(IPAddress, port: UInt16)
    /// `virtual_server fwmark N`.
    case fwmark(UInt32)
    /// `virtual_server group NAME`.
    case group(String)

    public var description: String {
        switch self {
        case .address(let ip, let port): return "\(ip) \(port)"
        case .fwmark(let mark): return "fwmark \(mark)"
        case .group(let name): return "group \(name)"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func parse(_ node: ConfNode, context: inout BuildContext) -> VirtualServerAddress? {
        guard let first = context.argument(node, 0, expecting: "IP address, 'fwmark N' or 'group NAME'") else { return nil }
        switch first {
        case "fwmark":
            guard let text = context.argument(node, 1, expecting: "fwmark") else { return nil }
            guard let mark = BuildContext.parseInteger(text), (0...Int(UInt32.max)).contains(mark) else {
                context.error("virtual server fwmark '\(text)' must be in [0, \(UInt32.max)] - ignoring", at: node)
                return nil
            }
            return .fwmark(UInt32(mark))
        case "group":
            guard let name = context.argument(node, 1, expecting: "group name") else { return nil }
            return .group(name)
        default:
            let portText = node.arguments.count > 1 ? node.arguments[1] : nil
            guard let ip = IPAddress.fromConfig(first) else {
                let shown = portText.map { "\(first)/\($0)" } ?? first
                context.error("Invalid virtual server IP address\(portText == nil ? "" : "/port") \(shown) - skipping", at: node)
                return nil
            }
            guard let portText else { return .address(ip, port: 0) }
            guard let port = context.integer(portText, at: node, in: 1...65535) else {
                context.error("Invalid virtual server IP address/port \(first)/\(portText) - skipping", at: node)
                return nil
            }
            return .address(ip, port: UInt16(port))
        }
    }
}

/// `sorry_server IP [PORT]` with `sorry_server_inhibit` and `sorry_server_lvs_method`.
public struct SorryServer: Sendable, Encodable {
    public var location: SourceLocation
    public var address: IPAddress
    /// The port; after completion the service port where keepalived forces it, 0 for fwmark.
    @Sourced public var port: UInt16 = 0
    @Sourced public var inhibit = false
    /// The forwarding method: `sorry_server_lvs_method`, else the virtual server's as it was
    /// when `sorry_server` was read (keepalived's rule).
    @Sourced public var forwarding: ForwardingMethod = .nat

    public init(address: IPAddress, location: SourceLocation) {
        self.address = address
        self.location = location
    }
}
