/// Keyword tables of the checker blocks: the options all connecting checkers share, and each
/// checker type's own.

extension Checker {
    typealias Handler = KeywordTable<VirtualServerDraft>.Handler
    typealias Handlers = [String: Handler]

    /// connect_ip, connect_port, bindto, bind_port, bind_if, fwmark, connect_timeout.
    static let connectionHandlers: Handlers = [
        "connect_ip": { draft, node, context in
            guard let ip = connectionAddress(node, pairedWith: draft.checker.bindTo, named: "bindto", context: &context) else { return }
            draft.checker.$connectIP.set(ip, at: node.location)
        },
        "connect_port": { draft, node, context in
            guard let port = connectionPort(node, context: &context) else { return }
            draft.checker.$connectPort.set(port, at: node.location)
        },
        "bindto": { draft, node, context in
            guard let ip = connectionAddress(node, pairedWith: draft.target, named: "connect_ip", context: &context) else { return }
            draft.checker.extras.$bindTo.set(ip, at: node.location)
        },
        "bind_port": { draft, node, context in
            guard let port = connectionPort(node, context: &context) else { return }
            draft.checker.extras.$bindPort.set(port, at: node.location)
        },
        "bind_if": { draft, node, context in
            guard let name = context.argument(node, expecting: "interface name") else { return }
            draft.checker.extras.$bindInterface.set(name, at: node.location)
        },
        "fwmark": { draft, node, context in
            guard let text = context.argument(node, expecting: "fwmark") else { return }
            guard let mark = BuildContext.parseInteger(text), LVSRanges.unsigned32.contains(mark) else {
                context.error("Invalid fwmark connection value '\(text)'", at: node)
                return
            }
            draft.checker.extras.$fwmark.set(UInt32(mark), at: node.location)
        },
        "connect_timeout": { draft, node, context in
            guard let value = context.lvsSeconds(node, in: LVSRanges.connectTimeout) else { return }
            draft.checker.$connectTimeout.set(value, at: node.location)
        },
    ]

    /// The address of `connect_ip` / `bindto`, which must have the family of the address it pairs
    /// with (`other`, keyword `otherName`) when that is known; nil when reported.
    static func connectionAddress(_ node: ConfNode, pairedWith other: IPAddress?, named otherName: String,
                                  context: inout BuildContext) -> IPAddress? {
        guard let text = context.argument(node, expecting: "IP address") else { return nil }
        guard let ip = IPAddress.fromConfig(text) else {
            context.error("Invalid \(node.keyword) address \(text) - ignoring", at: node)
            return nil
        }
        if let other, other.isIPv6 != ip.isIPv6 {
            context.error("\(node.keyword) address \(text) does not match address family of \(otherName) - skipping", at: node)
            return nil
        }
        return ip
    }

    /// The port of `connect_port` / `bind_port` (1...65535); nil when reported.
    static func connectionPort(_ node: ConfNode, context: inout BuildContext) -> UInt16? {
        guard let text = context.argument(node, expecting: "port") else { return nil }
        guard let port = BuildContext.parseInteger(text), (1...65535).contains(port) else {
            context.error("Invalid checker \(node.keyword) '\(text)'", at: node)
            return nil
        }
        return UInt16(port)
    }

    /// alpha, retry, delay_before_retry, warmup, delay_loop, log_all_failures (MISC_CHECK has these).
    static let timingHandlers: Handlers = [
        "alpha": { draft, node, context in
            guard let value = context.bool(node) else { return }
            draft.checker.$alpha.set(value, at: node.location)
        },
        "retry": { draft, node, context in
            guard let value = context.integer(node, in: LVSRanges.unsigned32) else { return }
            draft.checker.$retry.set(value, at: node.location)
        },
        "delay_before_retry": { draft, node, context in
            guard let value = context.lvsSeconds(node, in: LVSRanges.delay) else { return }
            draft.checker.$delayBeforeRetry.set(value, at: node.location)
        },
        "warmup": { draft, node, context in
            guard let value = context.lvsSeconds(node, in: LVSRanges.delay) else { return }
            draft.checker.$warmup.set(value, at: node.location)
        },
        "delay_loop": { draft, node, context in
            guard let value = context.lvsSeconds(node, in: LVSRanges.delayLoop) else { return }
            draft.checker.$delayLoop.set(value, at: node.location)
        },
        "log_all_failures": { draft, node, context in
            guard let value = context.bool(node) else { return }
            draft.checker.extras.$logAllFailures.set(value, at: node.location)
        },
    ]

    static func merged(_ tables: Handlers...) -> Handlers {
        tables.reduce(into: Handlers()) { result, table in result.merge(table) { _, new in new } }
    }

    static let connectionTable = KeywordTable<VirtualServerDraft>(merged(connectionHandlers, timingHandlers))
    static let httpTable = KeywordTable<VirtualServerDraft>(merged(connectionHandlers, timingHandlers, httpHandlers))
    static let smtpTable = KeywordTable<VirtualServerDraft>(merged(connectionHandlers, timingHandlers, smtpHandlers))
    static let dnsTable = KeywordTable<VirtualServerDraft>(merged(connectionHandlers, timingHandlers, dnsHandlers))
    static let udpTable = KeywordTable<VirtualServerDraft>(merged(connectionHandlers, timingHandlers, udpHandlers))
    static let miscTable = KeywordTable<VirtualServerDraft>(merged(timingHandlers, miscHandlers))
    static let fileTable = KeywordTable<VirtualServerDraft>(fileHandlers)
    static let bfdTable = KeywordTable<VirtualServerDraft>(merged(["alpha": timingHandlers["alpha"]!], bfdHandlers))

    static func table(for kind: CheckerKind) -> KeywordTable<VirtualServerDraft> {
        switch kind {
        case .tcp, .ping: return connectionTable
        case .http, .ssl: return httpTable
        case .smtp: return smtpTable
        case .dns: return dnsTable
        case .udp: return udpTable
        case .misc: return miscTable
        case .file: return fileTable
        case .bfd: return bfdTable
        }
    }
}
