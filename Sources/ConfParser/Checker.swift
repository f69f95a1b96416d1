/// A health checker of a real server (`TCP_CHECK { ... }`, `HTTP_GET { ... }`, ...).

/// The checker keywords keepalived knows; the raw value is the block keyword.
public enum CheckerKind: String, CaseIterable, Sendable, Encodable {
    case tcp = "TCP_CHECK", http = "HTTP_GET", ssl = "SSL_GET", misc = "MISC_CHECK", smtp = "SMTP_CHECK"
    case dns = "DNS_CHECK", udp = "UDP_CHECK", ping = "PING_CHECK", file = "FILE_CHECK", bfd = "BFD_CHECK"

    /// Whether the checker opens connections (and so takes connect_ip, bindto, ...).
    public var connects: Bool {
        switch self {
        case .misc, .file, .bfd: return false
        default: return true
        }
    }

    /// Whether the checker polls (delay_loop, retry, ...); FILE_CHECK and BFD_CHECK are event driven.
    public var polls: Bool { self != .file && self != .bfd }

    /// keepalived's default `retry`: 3 for DNS_CHECK, 0 for MISC_CHECK, else 1.
    public var defaultRetry: Int {
        switch self {
        case .dns: return 3
        case .misc: return 0
        default: return 1
        }
    }

    /// keepalived's default `delay_before_retry`: 3 s for HTTP_GET/SSL_GET, `delay_loop` for
    /// DNS_CHECK (nil here), else 1 s.
    public var defaultDelayBeforeRetry: Double? {
        switch self {
        case .http, .ssl: return 3
        case .dns: return nil
        default: return 1
        }
    }
}

/// One health checker with its final values: after `LVSCompletion`, the timing values are
/// resolved (checker, else real server, else virtual server, else keepalived's default for the
/// checker type; `$field.location` says where a value was written, nil for a default) and, for
/// checkers that connect, `connectIP`/`connectPort` default to the real server's.
@dynamicMemberLookup
public struct Checker: Sendable, Equatable, Encodable {
    public var kind: CheckerKind
    public var location: SourceLocation

    @Sourced public var connectIP: IPAddress? = nil
    @Sourced public var connectPort: UInt16? = nil

    @Sourced public var alpha = false
    @Sourced public var connectTimeout: Double = 5
    @Sourced public var retry: Int = 1
    @Sourced public var delayBeforeRetry: Double = 1
    @Sourced public var warmup: Double = 60
    @Sourced public var delayLoop: Double = 60

    /// The seldom-written settings (`extras`, and a property each: `bindTo`, `bindPort`,
    /// `bindInterface`, `fwmark`, `logAllFailures`, `otherKeywords`), in one box made at the first write.
    var extrasBox: ImmutableBox<CheckerExtras>?
    /// What is specific to the checker type.
    public var details: CheckerDetails

    private enum CodingKeys: String, CodingKey {
        case kind, location, connectIP, connectPort, alpha, connectTimeout, retry, delayBeforeRetry, warmup, delayLoop, details
    }

    /// One flat object, the extras among the other fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(location, forKey: .location)
        try container.encode(_connectIP, forKey: .connectIP)
        try container.encode(_connectPort, forKey: .connectPort)
        try container.encode(_alpha, forKey: .alpha)
        try container.encode(_connectTimeout, forKey: .connectTimeout)
        try container.encode(_retry, forKey: .retry)
        try container.encode(_delayBeforeRetry, forKey: .delayBeforeRetry)
        try container.encode(_warmup, forKey: .warmup)
        try container.encode(_delayLoop, forKey: .delayLoop)
        try container.encode(details, forKey: .details)
        try extras.encode(to: encoder)
    }

    public init(kind: CheckerKind, location: SourceLocation) {
        self.kind = kind
        self.location = location
        switch kind {
        case .tcp, .ping: details = .none
        case .http, .ssl: details = .http(HTTPCheck())
        case .misc: details = .misc(MiscCheck())
        case .smtp: details = .smtp(SMTPCheck())
        case .dns: details = .dns(DNSCheck())
        case .udp: details = .udp(UDPCheck())
        case .file: details = .file(FileCheck())
        case .bfd: details = .bfd(BFDCheck())
        }
    }

    /// The type-specific options, nil when the checker is of another kind.
    public var http: HTTPCheck? { if case .http(let value) = details { return value } else { return nil } }
    public var misc: MiscCheck? { if case .misc(let value) = details { return value } else { return nil } }
    public var smtp: SMTPCheck? { if case .smtp(let value) = details { return value } else { return nil } }
    public var dns: DNSCheck? { if case .dns(let value) = details { return value } else { return nil } }
    public var udp: UDPCheck? { if case .udp(let value) = details { return value } else { return nil } }
    public var file: FileCheck? { if case .file(let value) = details { return value } else { return nil } }
    public var bfd: BFDCheck? { if case .bfd(let value) = details { return value } else { return nil } }

    /// Reads a checker block into the real server being read (SMTP_CHECK `host` blocks become one
    /// checker each).
    static func parse(_ node: ConfNode, kind: CheckerKind, into vs: inout VirtualServerDraft, context: inout BuildContext) {
        guard let children = node.children else {
            context.error("Missing '{' at beginning of configuration block", at: node)
            return
        }
        vs.rs.checkers.append(Checker(kind: kind, location: node.location))
        vs.smtpHosts = []
        Self.table(for: kind).apply(children, to: &vs, context: &context, other: \.checker.extras.otherKeywords)
        guard vs.isComplete(at: node, context: &context) else {
            vs.rs.checkers.removeLast()
            return
        }
        vs.inheritTrackFileWeight()
        if let name = vs.checker.bfd?.name, vs.rs.checkers.dropLast().contains(where: { $0.bfd?.name == name }) {
            context.error("(\(vs.label)) BFD_CHECK - RS already monitoring \(name)", at: node)
            vs.rs.checkers.removeLast()
            return
        }
        guard !vs.smtpHosts.isEmpty else {
            vs.checkLinkLocal(at: node, context: &context)
            return
        }
        context.note("The SMTP_CHECK host block is deprecated. Please define additional checkers.", at: node)
        let base = vs.rs.checkers.removeLast()
        let hosts = vs.smtpHosts
        vs.smtpHosts = []
        for host in hosts {
            var checker = base
            checker.location = host.location
            vs.rs.checkers.append(checker)
            Self.connectionTable.apply(host.children ?? [], to: &vs, context: &context, other: \.checker.extras.otherKeywords)
            vs.checkLinkLocal(at: host, context: &context)
        }
    }
}

/// The type-specific part of a checker.
/// Indirect: the payloads live in a box of their own, so a TCP_CHECK (no payload) does not carry the
/// size of the largest one (120 bytes per checker, 10,000 checkers in a big configuration).
public indirect enum CheckerDetails: Sendable, Equatable, Encodable {
    /// TCP_CHECK and PING_CHECK have no options of their own.
    case none
    /// HTTP_GET and SSL_GET.
    case http(HTTPCheck)
    case misc(MiscCheck)
    case smtp(SMTPCheck)
    case dns(DNSCheck)
    case udp(UDPCheck)
    case file(FileCheck)
    case bfd(BFDCheck)

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .none:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .http(let value): try value.encode(to: encoder)
        case .misc(let value): try value.encode(to: encoder)
        case .smtp(let value): try value.encode(to: encoder)
        case .dns(let value): try value.encode(to: encoder)
        case .udp(let value): try value.encode(to: encoder)
        case .file(let value): try value.encode(to: encoder)
        case .bfd(let value): try value.encode(to: encoder)
        }
    }
}

/// Reading the checker in place: what its handlers need.
extension VirtualServerDraft {
    /// The address the checker being read will connect to.
    var target: IPAddress { checker.connectIP ?? rs.address }

    /// The real server being read as keepalived names it in messages: `[RIP]:proto:PORT`.
    var label: String { LVSFormat.service(rs.address, server.protocol, rs.port) }

    /// Mutates the HTTP part in place (without copying its URL list).
    mutating func http(_ body: (inout HTTPCheck) -> Void) {
        guard case .http(var value) = checker.details else { return }
        checker.details = .none
        body(&value)
        checker.details = .http(value)
    }

    mutating func misc(_ body: (inout MiscCheck) -> Void) {
        guard case .misc(var value) = checker.details else { return }
        body(&value)
        checker.details = .misc(value)
    }

    mutating func smtp(_ body: (inout SMTPCheck) -> Void) {
        guard case .smtp(var value) = checker.details else { return }
        body(&value)
        checker.details = .smtp(value)
    }

    mutating func dns(_ body: (inout DNSCheck) -> Void) {
        guard case .dns(var value) = checker.details else { return }
        body(&value)
        checker.details = .dns(value)
    }

    mutating func udp(_ body: (inout UDPCheck) -> Void) {
        guard case .udp(var value) = checker.details else { return }
        checker.details = .none
        body(&value)
        checker.details = .udp(value)
    }

    mutating func file(_ body: (inout FileCheck) -> Void) {
        guard case .file(var value) = checker.details else { return }
        body(&value)
        checker.details = .file(value)
    }

    mutating func bfd(_ body: (inout BFDCheck) -> Void) {
        guard case .bfd(var value) = checker.details else { return }
        body(&value)
        checker.details = .bfd(value)
    }

    /// A FILE_CHECK without a `weight` of its own takes its track_file's weight and `reverse`
    /// (an explicit `weight 0` is kept: a non-zero value is then a failure).
    mutating func inheritTrackFileWeight() {
        guard case .file(let file) = checker.details, file.$weight.location == nil,
              let inherited = references.trackFileWeights[file.trackFile] else { return }
        self.file {
            $0.weight = inherited.weight
            $0.reverse = inherited.reverse
        }
    }

    /// keepalived's end-of-block checks that drop a checker.
    func isComplete(at node: ConfNode, context: inout BuildContext) -> Bool {
        switch checker.details {
        case .http(let http) where http.urls.isEmpty:
            context.error("HTTP/SSL_GET checker has no urls specified - ignoring", at: node)
            return false
        case .misc(let misc) where misc.script == nil:
            context.error("No script path has been specified for MISC_CHECKER - skipping", at: node)
            return false
        case .file(let file) where file.trackFile.isEmpty:
            context.error("FILE_CHECK has no track_file specified - ignoring", at: node)
            return false
        case .bfd(let bfd) where bfd.name.isEmpty:
            context.error("(\(label)) No name has been specified for BFD_CHECKER - skipping", at: node)
            return false
        case .udp(let udp) where udp.minReplyLength > udp.maxReplyLength:
            context.error("UDP_CHECK min_reply length \(udp.minReplyLength) > max_reply_length \(udp.maxReplyLength) - will always fail", at: node)
            return true
        default:
            return true
        }
    }

    /// An IPv6 link-local target needs `bind_if` to say which link.
    func checkLinkLocal(at node: ConfNode, context: inout BuildContext) {
        guard checker.kind.connects, checker.bindInterface == nil else { return }
        if target.isLinkLocalIPv6 {
            context.error("Checker link local address \(target) requires a bind_if", at: node)
        } else if let bind = checker.bindTo, bind.isLinkLocalIPv6 {
            context.error("Checker link local address \(bind) requires a bind_if", at: node)
        }
    }
}

extension IPAddress {
    /// fe80::/10.
    var isLinkLocalIPv6: Bool {
        if case .v6(let high, _) = self { return high >> 54 == 0x3fa }
        return false
    }
}
