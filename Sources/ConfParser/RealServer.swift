/// `real_server IP [PORT] { ... }` inside a virtual_server: one IPVS destination and its checkers.
///
/// After `LVSCompletion`, `port`, `forwarding`, `inhibitOnFailure` and `alpha` are final (inherited
/// from the virtual server where not set); the timing values here are only what was written and
/// are resolved into each `Checker`.
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
    @SparseSourced public var notifyUp: LVSScript? = nil
    @SparseSourced public var notifyDown: LVSScript? = nil
    /// `uthreshold`: maximum number of connections.
    @SparseSourced public var upperThreshold: UInt32? = nil
    /// `lthreshold`: minimum number of connections.
    @SparseSourced public var lowerThreshold: UInt32? = nil
    @SparseSourced public var smtpAlert: Bool? = nil
    @SparseSourced public var virtualhost: String? = nil
    @SparseSourced public var snmpName: String? = nil

    /// Checker defaults written on the real server (resolved into each `Checker`).
    @SparseSourced public var delayLoop: Double? = nil
    @SparseSourced public var connectTimeout: Double? = nil
    @SparseSourced public var retry: Int? = nil
    @SparseSourced public var delayBeforeRetry: Double? = nil
    @SparseSourced public var warmup: Double? = nil

    public var checkers: [Checker] = []
    public var otherKeywords: [RecognisedKeyword] = []

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
            "notify_up": notify(\.$notifyUp),
            "notify_down": notify(\.$notifyDown),
            "uthreshold": threshold(\.$upperThreshold),
            "lthreshold": threshold(\.$lowerThreshold),
            "lvs_method": { draft, node, context in
                guard let method = ForwardingMethod.parse(node, for: "real server", context: &context) else { return }
                draft.rs.$forwarding.set(method, at: node.location)
            },
            "smtp_alert": { draft, node, context in
                guard let value = context.bool(node) else { return }
                draft.rs.$smtpAlert.set(value, at: node.location)
            },
            "virtualhost": { draft, node, context in
                guard let host = node.arguments.first else {
                    context.error("real server virtualhost missing", at: node)
                    return
                }
                draft.rs.$virtualhost.set(host, at: node.location)
            },
            "snmp_name": { draft, node, context in
                guard node.arguments.count == 1 else {
                    context.error("real server snmp_name missing or extra parameters", at: node)
                    return
                }
                draft.rs.$snmpName.set(node.arguments[0], at: node.location)
            },
            "delay_loop": { draft, node, context in
                guard let value = context.lvsSeconds(node, in: LVSRanges.delayLoop) else { return }
                draft.rs.$delayLoop.set(value, at: node.location)
            },
            "connect_timeout": { draft, node, context in
                guard let value = context.lvsSeconds(node, in: LVSRanges.connectTimeout) else { return }
                draft.rs.$connectTimeout.set(value, at: node.location)
            },
            "retry": { draft, node, context in
                guard let value = context.integer(node, in: LVSRanges.retry) else { return }
                draft.rs.$retry.set(value, at: node.location)
            },
            "delay_before_retry": { draft, node, context in
                guard let value = context.lvsSeconds(node, in: LVSRanges.delay) else { return }
                draft.rs.$delayBeforeRetry.set(value, at: node.location)
            },
            "warmup": { draft, node, context in
                guard let value = context.lvsSeconds(node, in: LVSRanges.delay) else { return }
                draft.rs.$warmup.set(value, at: node.location)
            },
        ]
        for kind in CheckerKind.allCases { handlers[kind.rawValue] = checker(kind) }
        return KeywordTable(handlers)
    }()
}
