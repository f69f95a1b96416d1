/// `real_server IP [PORT] { ... }` inside a virtual_server: one IPVS destination and its checkers.
///
/// After `LVSCompletion`, `port`, `forwarding`, `inhibitOnFailure` and `alpha` are final (inherited
/// from the virtual server where not set); the timing values here are only what was written and
/// are resolved into each `Checker`.
@dynamicMemberLookup
public struct RealServer: Sendable, Encodable {
    public var location: SourceLocation
    public var address: IPAddress
    /// The port. When not written: the service port (NAT), 0 for fwmark services, and for group
    /// services 0, meaning "the port of each group entry". Forced to the service port on non-NAT
    /// address services.
    @Sourced public var port: UInt16 = 0
    /// `weight`, 0-2147483647; the virtual server's `weight` when not set, else 1.
    @Sourced public var weight: Int = 1
    @Sourced public var forwarding: ForwardingMethod = .nat
    @Sourced public var inhibitOnFailure = false
    @Sourced public var alpha = false
    /// The seldom-written settings (`extras`, and a property each: `notifyUp`, `upperThreshold`,
    /// `delayLoop`, ...), in one box made at the first write.
    var extrasBox: ImmutableBox<RealServerExtras>?

    public var checkers: CheckerList = []
    public var otherKeywords: [RecognisedKeyword] = []

    private enum CodingKeys: String, CodingKey {
        case location, address, port, weight, forwarding, inhibitOnFailure, alpha, checkers, otherKeywords
    }

    /// One flat object, the extras among the other fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(location, forKey: .location)
        try container.encode(address, forKey: .address)
        try container.encode(_port, forKey: .port)
        try container.encode(_weight, forKey: .weight)
        try container.encode(_forwarding, forKey: .forwarding)
        try container.encode(_inhibitOnFailure, forKey: .inhibitOnFailure)
        try container.encode(_alpha, forKey: .alpha)
        try container.encode(checkers, forKey: .checkers)
        try container.encode(otherKeywords, forKey: .otherKeywords)
        try extras.encode(to: encoder)
    }

    public init(address: IPAddress, location: SourceLocation) {
        self.address = address
        self.location = location
    }

    /// The same destination: address and port.
    func isSameDestination(as other: RealServer) -> Bool {
        address == other.address && port == other.port
    }

    static func parse(_ node: ConfNode, into vs: inout VirtualServerDraft, context: inout BuildContext) {
        guard let text = context.argument(node, 0, expecting: "IP address") else { return }
        let portText = node.arguments.count > 1 ? node.arguments[1] : nil
        guard let ip = IPAddress.fromConfig(text) else {
            context.error("Invalid real server ip address/port \(text)/\(portText ?? "") - skipping", at: node)
            return
        }
        var port: UInt16?
        if let portText {
            guard let value = context.integer(portText, at: node, in: 1...65535) else {
                context.error("Invalid real server ip address/port \(text)/\(portText) - skipping", at: node)
                return
            }
            port = UInt16(value)
        }
        guard let children = node.children else {
            context.error("Missing '{' at beginning of configuration block", at: node)
            return
        }
        let serviceFamily = vs.server.serviceFamily
        vs.server.realServers.append(RealServer(address: ip, location: node.location))
        if let port { vs.rs.$port.set(port, at: node.location) }
        Self.table.apply(children, to: &vs, context: &context, other: \.rs.otherKeywords)

        if let family = serviceFamily, ip.isIPv6 != (family == .inet6) {
            let method = vs.rs.$forwarding.location != nil ? vs.rs.forwarding : vs.server.forwarding
            if method.kind != .tun {
                context.error("Address family of virtual server and real server \(ip) don't match - skipping real server.", at: node)
                vs.server.realServers.removeLast()
            }
        }
    }
}

extension RealServer {
    typealias Handler = KeywordTable<VirtualServerDraft>.Handler

    static func notify(_ path: any WritableKeyPath<RealServer, Sourced<LVSScript?>> & Sendable) -> Handler {
        { draft, node, context in
            guard let script = LVSScript.parse(node, for: node.keyword, context: &context) else { return }
            draft.rs[keyPath: path].set(script, at: node.location)
        }
    }

    static func threshold(_ path: any WritableKeyPath<RealServer, Sourced<UInt32?>> & Sendable) -> Handler {
        { draft, node, context in
            guard let value = context.integer(node, in: LVSRanges.unsigned32) else { return }
            draft.rs[keyPath: path].set(UInt32(value), at: node.location)
        }
    }

    static func boolean(_ path: any WritableKeyPath<RealServer, Sourced<Bool>> & Sendable) -> Handler {
        { draft, node, context in
            guard let value = context.bool(node) else { return }
            draft.rs[keyPath: path].set(value, at: node.location)
        }
    }

    static func checker(_ kind: CheckerKind) -> Handler {
        { draft, node, context in
            Checker.parse(node, kind: kind, into: &draft, context: &context)
        }
    }

    static let table: KeywordTable<VirtualServerDraft> = {
        var handlers: [String: Handler] = [
            "weight": { draft, node, context in
                guard let value = context.integer(node, in: LVSRanges.weight) else { return }
                draft.rs.$weight.set(value, at: node.location)
            },
            "inhibit_on_failure": boolean(\.$inhibitOnFailure),
            "alpha": boolean(\.$alpha),
            "notify_up": notify(\.extras.$notifyUp),
            "notify_down": notify(\.extras.$notifyDown),
            "uthreshold": threshold(\.extras.$upperThreshold),
            "lthreshold": threshold(\.extras.$lowerThreshold),
            "lvs_method": { draft, node, context in
                guard let method = ForwardingMethod.parse(node, for: "real server", context: &context) else { return }
                draft.rs.$forwarding.set(method, at: node.location)
            },
            "smtp_alert": { draft, node, context in
                guard let value = context.bool(node) else { return }
                draft.rs.extras.$smtpAlert.set(value, at: node.location)
            },
            "virtualhost": { draft, node, context in
                guard let host = node.arguments.first else {
                    context.error("real server virtualhost missing", at: node)
                    return
                }
                draft.rs.extras.$virtualhost.set(host, at: node.location)
            },
            "snmp_name": { draft, node, context in
                guard node.arguments.count == 1 else {
                    context.error("real server snmp_name missing or extra parameters", at: node)
                    return
                }
                draft.rs.extras.$snmpName.set(node.arguments[0], at: node.location)
            },
            "delay_loop": { draft, node, context in
                guard let value = context.lvsSeconds(node, in: LVSRanges.delayLoop) else { return }
                draft.rs.extras.$delayLoop.set(value, at: node.location)
            },
            "connect_timeout": { draft, node, context in
                guard let value = context.lvsSeconds(node, in: LVSRanges.connectTimeout) else { return }
                draft.rs.extras.$connectTimeout.set(value, at: node.location)
            },
            "retry": { draft, node, context in
                guard let value = context.integer(node, in: LVSRanges.retry) else { return }
                draft.rs.extras.$retry.set(value, at: node.location)
            },
            "delay_before_retry": { draft, node, context in
                guard let value = context.lvsSeconds(node, in: LVSRanges.delay) else { return }
                draft.rs.extras.$delayBeforeRetry.set(value, at: node.location)
            },
            "warmup": { draft, node, context in
                guard let value = context.lvsSeconds(node, in: LVSRanges.delay) else { return }
                draft.rs.extras.$warmup.set(value, at: node.location)
            },
        ]
        for kind in CheckerKind.allCases { handlers[kind.rawValue] = checker(kind) }
        return KeywordTable(handlers)
    }()
}
