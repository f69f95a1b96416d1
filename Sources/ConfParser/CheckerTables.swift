/// Keyword tables of the checker blocks: the options all connecting checkers share, and each
/// checker type's own.

extension Checker {
    typealias Handler = KeywordTable<VirtualServerDraft>.Handler
    typealias Handlers = [String: Handler]

    /// connect_ip, connect_port, bindto, bind_port, bind_if, fwmark, connect_timeout.
    static let connectionHandlers: Handlers = [
        "connect_ip": { draft, node, context in
            guard let text = context.argument(node, expecting: "IP address") else { return }
            guard let ip = IPAddress.fromConfig(text) else {
                context.error("Invalid connect_ip address \(text) - ignoring", at: node)
                return
            }
            if let bind = draft.checker.bindTo, bind.isIPv6 != ip.isIPv6 {
                context.error("connect_ip address \(text) does not match address family of bindto - skipping", at: node)
                return
            }
            draft.checker.$connectIP.set(ip, at: node.location)
        },
        "connect_port": { draft, node, context in
            guard let text = context.argument(node, expecting: "port") else { return }
            guard let port = BuildContext.parseInteger(text), (1...65535).contains(port) else {
                context.error("Invalid checker connect_port '\(text)'", at: node)
                return
            }
            draft.checker.$connectPort.set(UInt16(port), at: node.location)
        },
        "bindto": { draft, node, context in
            guard let text = context.argument(node, expecting: "IP address") else { return }
            guard let ip = IPAddress.fromConfig(text) else {
                context.error("Invalid bindto address \(text) - ignoring", at: node)
                return
            }
            if draft.target.isIPv6 != ip.isIPv6 {
                context.error("bindto address \(text) does not match address family of connect_ip - skipping", at: node)
                return
            }
            draft.checker.$bindTo.set(ip, at: node.location)
        },
        "bind_port": { draft, node, context in
            guard let text = context.argument(node, expecting: "port") else { return }
            guard let port = BuildContext.parseInteger(text), (1...65535).contains(port) else {
                context.error("Invalid checker bind_port '\(text)'", at: node)
                return
            }
            draft.checker.$bindPort.set(UInt16(port), at: node.location)
        },
        "bind_if": { draft, node, context in
            guard let name = context.argument(node, expecting: "interface name") else { return }
            draft.checker.$bindInterface.set(name, at: node.location)
        },
        "fwmark": { draft, node, context in
            guard let text = context.argument(node, expecting: "fwmark") else { return }
            guard let mark = BuildContext.parseInteger(text), LVSRanges.unsigned32.contains(mark) else {
                context.error("Invalid fwmark connection value '\(text)'", at: node)
                return
            }
            draft.checker.$fwmark.set(UInt32(mark), at: node.location)
        },
        "connect_timeout": { draft, node, context in
            guard let value = context.lvsSeconds(node, in: LVSRanges.connectTimeout) else { return }
            draft.checker.$connectTimeout.set(value, at: node.location)
        },
    ]

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
            draft.checker.$logAllFailures.set(value, at: node.location)
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
