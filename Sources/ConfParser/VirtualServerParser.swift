/// The keyword table of a `virtual_server` block.

/// A virtual server while its block is read, with what its checkers may refer to.
///
/// Real servers and checkers are read in place, as the last element of their arrays (`rs`,
/// `checker`), so that the large model structs are not copied for every statement.
struct VirtualServerDraft {
    var server: VirtualServer
    let references: CheckerReferences
    /// SMTP_CHECK `host { }` blocks of the checker being read, applied once its own options are read.
    var smtpHosts: [ConfNode] = []

    init(server: VirtualServer, references: CheckerReferences) {
        self.server = server
        self.references = references
    }

    /// The real server being read.
    var rs: RealServer {
        get { server.realServers[server.realServers.count - 1] }
        _modify { yield &server.realServers[server.realServers.count - 1] }
    }

    /// The checker being read (of the real server being read).
    var checker: Checker {
        // A plain getter: a `_read` coroutine here was miscompiled at -O under AddressSanitizer
        // (use-after-free found by `make fuzz`).
        get {
            let realServer = server.realServers[server.realServers.count - 1]
            return realServer.checkers[realServer.checkers.count - 1]
        }
        _modify {
            let rsIndex = server.realServers.count - 1
            let checkerIndex = server.realServers[rsIndex].checkers.count - 1
            yield &server.realServers[rsIndex].checkers[checkerIndex]
        }
    }
}

/// Names defined earlier in the configuration that checkers refer to (keepalived resolves
/// BFD_CHECK and FILE_CHECK references while parsing, so they must come first).
struct CheckerReferences {
    var bfdInstances: [String]
    var trackFiles: [String]
    /// Each track_file's `weight` and `reverse`: a FILE_CHECK without a weight of its own uses them.
    var trackFileWeights: [String: (weight: Int, reverse: Bool)]

    init(_ config: Config) {
        bfdInstances = config.otherKeywords.compactMap { $0.keyword == "bfd_instance" ? $0.arguments.first : nil }
        trackFiles = config.trackFiles.map(\.name)
        trackFileWeights = Dictionary(config.trackFiles.map { ($0.name, ($0.weight, $0.reverse)) }, uniquingKeysWith: { first, _ in first })
    }
}

/// Ranges keepalived uses for LVS times and counts.
enum LVSRanges {
    /// A range of seconds with keepalived's printing of its bounds.
    struct Seconds {
        let range: ClosedRange<Double>
        let text: String
    }

    /// delay_loop: more than zero, microsecond resolution.
    static let delayLoop = Seconds(range: 0.000001...18446744073709.551614, text: "[0.000001, 18446744073709.551614]")
    /// connect_timeout: more than zero, at most UINT32_MAX microseconds.
    static let connectTimeout = Seconds(range: 0.000001...4294.967295, text: "[0.000001, 4294.967295]")
    /// delay_before_retry and warmup: zero allowed.
    static let delay = Seconds(range: 0...18446744073709.551614, text: "[0, 18446744073709.551614]")
    static let unsigned32: ClosedRange<Int> = 0...Int(UInt32.max)
    static let retry: ClosedRange<Int> = 1...Int(UInt32.max)
    static let weight: ClosedRange<Int> = 0...Int(Int32.max)
    /// persistence_timeout: one second to 31 days.
    static let persistence: ClosedRange<Int> = 1...2_678_400
}

extension BuildContext {
    /// A time in decimal seconds within `range`, rounded to microseconds; keepalived's wording.
    mutating func lvsSeconds(_ node: ConfNode, in range: LVSRanges.Seconds) -> Double? {
        guard let text = argument(node, 0, expecting: "time in seconds") else { return nil }
        guard let value = Self.decimal(text), value.isFinite else {
            error("invalid number '\(text)'", at: node)
            return nil
        }
        guard range.range.contains(value) else {
            error("number '\(text)' outside range \(range.text)", at: node)
            return nil
        }
        return (value * 1_000_000).rounded() / 1_000_000
    }

    /// `Double(text)`, quicker for the plain `123` / `1.5` forms that configurations use.
    static func decimal(_ text: String) -> Double? {
        var whole: UInt64 = 0
        var fraction: UInt64 = 0
        var fractionDigits = 0
        var digits = 0
        var seenDot = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = UInt64(byte - UInt8(ascii: "0"))
                if seenDot {
                    if fractionDigits < 9 {
                        fraction = fraction * 10 + digit
                        fractionDigits += 1
                    }
                } else {
                    guard whole < 100_000_000_000_000_000 else { return Double(text) }
                    whole = whole * 10 + digit
                }
                digits += 1
            case UInt8(ascii: ".") where !seenDot:
                seenDot = true
            default:
                return Double(text)
            }
        }
        guard digits > 0 else { return Double(text) }
        return Double(whole) + Double(fraction) / Self.powersOfTen[fractionDigits]
    }

    private static let powersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
}

extension IPAddress {
    /// `IPAddress(text)`, quicker for the dotted quads that fill large configurations.
    static func fromConfig(_ text: String) -> IPAddress? {
        if let value = parseIPv4(text) { return .v4(value) }
        return IPAddress(text)
    }
}

extension VirtualServer {
    typealias Handler = KeywordTable<VirtualServerDraft>.Handler

    /// Sets a flag keyword that takes no value (keepalived ignores anything after it).
    static func flag(_ path: any WritableKeyPath<VirtualServer, Sourced<Bool>> & Sendable) -> Handler {
        { draft, node, _ in draft.server[keyPath: path].set(true, at: node.location) }
    }

    /// A scheduler flag that only applies to the sh (and mh) schedulers.
    static func hashFlag(_ flag: SchedulerFlags?) -> Handler {
        { draft, node, context in
            let scheduler = draft.server.$scheduler
            guard scheduler.location != nil, scheduler.wrappedValue == .sh || scheduler.wrappedValue == .mh else {
                context.error("\(node.keyword) only applies to sh scheduler - ignoring", at: node)
                return
            }
            if let flag {
                draft.server.$schedulerFlags.set(draft.server.schedulerFlags.union(flag), at: node.location)
            } else {
                draft.server.$hashed.set(true, at: node.location)
            }
        }
    }

    static func schedulerFlag(_ flag: SchedulerFlags) -> Handler {
        { draft, node, _ in draft.server.$schedulerFlags.set(draft.server.schedulerFlags.union(flag), at: node.location) }
    }

    static let scheduler: Handler = { draft, node, context in
        guard let text = context.argument(node, 0, expecting: "scheduler") else { return }
        guard let scheduler = LVSScheduler(rawValue: text) else {
            context.error("Invalid lvs_scheduler '\(text)' - ignoring", at: node)
            return
        }
        draft.server.$scheduler.set(scheduler, at: node.location)
    }

    static let forwarding: Handler = { draft, node, context in
        guard let method = ForwardingMethod.parse(node, for: "virtual server", context: &context) else { return }
        draft.server.$forwarding.set(method, at: node.location)
    }

    static func quorumScript(_ path: any WritableKeyPath<VirtualServer, Sourced<LVSScript?>> & Sendable) -> Handler {
        { draft, node, context in
            if draft.server[keyPath: path].wrappedValue != nil {
                context.error("(\(draft.server.displayName)) \(node.keyword) script already specified - ignoring \(context.rest(node))", at: node)
                return
            }
            guard let script = LVSScript.parse(node, for: node.keyword, context: &context) else { return }
            draft.server[keyPath: path].set(script, at: node.location)
        }
    }

    static let table = KeywordTable<VirtualServerDraft>([
        "delay_loop": { draft, node, context in
            guard let value = context.lvsSeconds(node, in: LVSRanges.delayLoop) else { return }
            draft.server.$delayLoop.set(value, at: node.location)
        },
        "lb_algo": scheduler,
        "lvs_sched": scheduler,
        "lb_kind": forwarding,
        "lvs_method": forwarding,
        "persistence_timeout": { draft, node, context in
            guard !node.arguments.isEmpty else {
                draft.server.$persistenceTimeout.set(360, at: node.location)
                return
            }
            guard let value = context.integer(node, in: LVSRanges.persistence) else { return }
            draft.server.$persistenceTimeout.set(value, at: node.location)
        },
        "persistence_granularity": { draft, node, context in
            guard let text = context.argument(node, expecting: "netmask") else { return }
            let family = draft.server.serviceFamily
            // Without a family yet, a dotted quad makes the service IPv4, anything else IPv6.
            if family == nil, let mask = IPAddress.fromConfig(text), !mask.isIPv6 {
                draft.server.$persistenceGranularity.set(.netmask(mask), at: node.location)
            } else if family != .inet {
                guard let length = BuildContext.parseInteger(text), (1...128).contains(length) else {
                    context.error("Invalid IPv6 persistence_granularity specified - \(text)", at: node)
                    return
                }
                draft.server.$persistenceGranularity.set(.prefixLength(length), at: node.location)
            } else {
                // inet_aton's forms: a dotted quad, or one number for the whole address.
                if let mask = IPAddress(text), !mask.isIPv6 {
                    draft.server.$persistenceGranularity.set(.netmask(mask), at: node.location)
                } else if let number = UInt32(text) {
                    draft.server.$persistenceGranularity.set(.netmask(.v4(number)), at: node.location)
                } else {
                    context.error("Invalid IPv4 persistence_granularity specified - \(text)", at: node)
                }
            }
        },
        "persistence_engine": { draft, node, context in
            guard let name = context.argument(node, expecting: "persistence engine name") else { return }
            draft.server.$persistenceEngine.set(name, at: node.location)
        },
        "protocol": { draft, node, context in
            guard let text = context.argument(node, expecting: "protocol") else { return }
            guard let proto = LVSProtocol(rawValue: text.uppercased()) else {
                context.error("Unknown protocol \(text) - ignoring", at: node)
                return
            }
            draft.server.$protocol.set(proto, at: node.location)
        },
        "ops": flag(\.$onePacketScheduling),
        "ha_suspend": flag(\.$haSuspend),
        "alpha": flag(\.$alpha),
        "omega": flag(\.$omega),
        "inhibit_on_failure": flag(\.$inhibitOnFailure),
        "hashed": hashFlag(nil),
        "sh-port": hashFlag(.flag2),
        "sh-fallback": hashFlag(.flag1),
        "mh-port": hashFlag(.flag2),
        "mh-fallback": hashFlag(.flag1),
        "flag-1": schedulerFlag(.flag1),
        "flag-2": schedulerFlag(.flag2),
        "flag-3": schedulerFlag(.flag3),
        "virtualhost": { draft, node, context in
            guard let host = node.arguments.first else {
                context.error("virtual server virtualhost missing", at: node)
                return
            }
            draft.server.$virtualhost.set(host, at: node.location)
        },
        "quorum": { draft, node, context in
            guard let value = context.integer(node, in: 1...Int(UInt32.max)) else { return }
            draft.server.$quorum.set(value, at: node.location)
        },
        "hysteresis": { draft, node, context in
            guard let value = context.integer(node, in: LVSRanges.unsigned32) else { return }
            draft.server.$hysteresis.set(value, at: node.location)
        },
        "quorum_up": quorumScript(\.$quorumUp),
        "quorum_down": quorumScript(\.$quorumDown),
        "ip_family": { draft, node, context in
            guard let text = context.argument(node, expecting: "inet|inet6") else { return }
            guard let family = AddressFamily(rawValue: text) else {
                context.error("unknown address family \(text)", at: node)
                return
            }
            if let own = draft.server.serviceFamily, own != family {
                context.error("Virtual server specified family \(text) conflicts with server family", at: node)
                return
            }
            draft.server.$ipFamily.set(family, at: node.location)
        },
        "sorry_server": { draft, node, context in
            guard let text = context.argument(node, expecting: "IP address") else { return }
            guard let ip = IPAddress.fromConfig(text) else {
                context.error("Invalid sorry server IP address \(text) - skipping", at: node)
                return
            }
            var sorry = SorryServer(address: ip, location: node.location)
            // keepalived takes the service's method as it is at this point (NAT when not yet set).
            sorry.$forwarding = Sourced(wrappedValue: draft.server.forwarding)
            if node.arguments.count > 1 {
                guard let port = context.integer(node, 1, in: 1...65535) else { return }
                sorry.$port.set(UInt16(port), at: node.location)
            }
            draft.server.sorryServer = sorry
        },
        "sorry_server_inhibit": { draft, node, context in
            guard draft.server.sorryServer != nil else {
                context.error("Ignoring sorry_server inhibit used before or without sorry_server", at: node)
                return
            }
            guard let value = context.bool(node) else { return }
            draft.server.sorryServer?.$inhibit.set(value, at: node.location)
        },
        "sorry_server_lvs_method": { draft, node, context in
            guard draft.server.sorryServer != nil else {
                context.error("sorry_server forwarding used without sorry_server", at: node)
                return
            }
            guard let method = ForwardingMethod.parse(node, for: "sorry server", context: &context) else { return }
            draft.server.sorryServer?.$forwarding.set(method, at: node.location)
        },
        "retry": { draft, node, context in
            guard let value = context.integer(node, in: LVSRanges.retry) else { return }
            draft.server.$retry.set(value, at: node.location)
        },
        "delay_before_retry": { draft, node, context in
            guard let value = context.lvsSeconds(node, in: LVSRanges.delay) else { return }
            draft.server.$delayBeforeRetry.set(value, at: node.location)
        },
        "warmup": { draft, node, context in
            guard let value = context.lvsSeconds(node, in: LVSRanges.delay) else { return }
            draft.server.$warmup.set(value, at: node.location)
        },
        "connect_timeout": { draft, node, context in
            guard let value = context.lvsSeconds(node, in: LVSRanges.connectTimeout) else { return }
            draft.server.$connectTimeout.set(value, at: node.location)
        },
        "smtp_alert": { draft, node, context in
            guard let value = context.bool(node) else { return }
            draft.server.$smtpAlert.set(value, at: node.location)
        },
        "weight": { draft, node, context in
            guard let value = context.integer(node, in: 1...Int(Int32.max)) else { return }
            draft.server.$weight.set(value, at: node.location)
        },
        "snmp_name": { draft, node, context in
            guard node.arguments.count == 1 else {
                context.error("virtual server snmp_name missing or extra parameters", at: node)
                return
            }
            draft.server.$snmpName.set(node.arguments[0], at: node.location)
        },
        "real_server": { draft, node, context in
            RealServer.parse(node, into: &draft, context: &context)
        },
    ])
}
