import ConfParser
import IPVSSync

/// keepalived 2.2's log lines for checker verdicts, per checker kind (check_tcp.c, check_http.c,
/// check_smtp.c, check_misc.c, check_dns.c, check_udp.c, check_ping.c).
///
/// Probes report why one attempt failed (`ProbeResult.failureMessage`) and, for most kinds, what
/// to log on success; the core adds the lines that depend on the retry sequence.
enum CheckerWording {
    /// Lines for a success that brings the checker up (or is its first verdict).
    /// `wasUp`: the checker's state before (HTTP logs its per-url lines only when it was down).
    static func upLines(_ settings: CheckerSettings, _ names: CheckerNames, _ result: ProbeResult,
                        wasUp: Bool) -> [HealthLogLine] {
        let service = names.service
        let probeLines = lines(of: result.successMessage)
        switch settings.kind {
        case .tcp: return plain(probeLines, default: "TCP connection to \(service) success.")
        case .udp: return plain(probeLines, default: "UDP connection to \(service) success.")
        case .ping: return plain(probeLines, default: "ICMP connection to \(service) success.")
        case .http, .ssl:
            let summary = "Remote Web server \(service) succeed on service."
            let perURL = wasUp ? [] : probeLines.filter { $0 != summary }
            return (perURL + [summary]).map { HealthLogLine($0) }
        case .smtp:
            return [HealthLogLine("Remote SMTP server \(service) succeed on service.")]
        case .misc:
            return [HealthLogLine("Misc check for [\(service) VS \(names.virtualServer)] by [\(settings.scriptName)] succeeded.")]
        case .dns, .file, .bfd:
            return []
        }
    }

    /// Lines for a failed attempt that counts (the checker is up or has not run yet).
    /// `isFinal`: the retries are exhausted and the checker goes down; `hasRun`: an earlier
    /// attempt finished (keepalived says "failed." rather than "failed after N retries." for a
    /// first attempt without retries).
    static func failureLines(_ settings: CheckerSettings, _ names: CheckerNames, _ result: ProbeResult,
                             isFinal: Bool, hasRun: Bool) -> [HealthLogLine] {
        let service = names.service
        let quiet = !settings.logAllFailures
        let retries = settings.retry
        switch settings.kind {
        case .tcp, .udp, .http, .ssl, .ping:
            var out = lines(of: result.failureMessage).map { HealthLogLine($0, isDetail: quiet) }
            guard isFinal else { return out }
            let counted = hasRun && retries > 0
            switch settings.kind {
            case .ping:
                out.append(HealthLogLine(counted
                    ? "ICMP CHECK on service \(service) of \(names.virtualServer) failed after \(retries) retries."
                    : "ICMP CHECK on service \(service) failed."))
            default:
                let label = settings.kind == .tcp ? "TCP_CHECK" : settings.kind == .udp ? "UDP_CHECK" : "HTTP_CHECK"
                out.append(HealthLogLine(counted
                    ? "\(label) on service \(service) failed after \(retries) retries."
                    : "\(label) on service \(service) failed."))
            }
            return out
        case .smtp:
            let reason = stripping(result.failureMessage, prefix: "SMTP_CHECK ") ?? "Unknown error"
            return [HealthLogLine("SMTP_CHECK \(reason)", isDetail: quiet && !isFinal)]
        case .dns:
            let prefix = "DNS_CHECK (\(service)) "
            let reason = stripping(result.failureMessage, prefix: prefix) ?? "connection failure."
            let suffix = isFinal && hasRun ? " after \(retries) retries" : ""
            return [HealthLogLine(prefix + reason + suffix, isDetail: quiet && !isFinal)]
        case .misc:
            let exit = MiscExit(result.failureMessage)
            let after = retries > 0 ? " after \(retries) retries" : ""
            let reason = exit.reason.map { " (\($0))" } ?? ""
            let text = "Misc check for [\(service) VS \(names.virtualServer)] by [\(settings.scriptName)] \(exit.type)\(after)\(reason)."
            return [HealthLogLine(text, isDetail: quiet && !isFinal)]
        case .file, .bfd:
            return []
        }
    }

    /// keepalived's alert mail text for a checker's verdict; nil for kinds it does not mail about.
    static func alertBody(_ settings: CheckerSettings, up: Bool, _ result: ProbeResult) -> String? {
        let outcome = up ? "succeed" : "failed"
        switch settings.kind {
        case .tcp: return "=> TCP CHECK \(outcome) on service <="
        case .udp: return "=> UDP CHECK \(outcome) on service <="
        case .ping: return "=> ICMP CHECK \(outcome) on service <="
        case .dns: return "=> DNS_CHECK: \(outcome) on service <="
        case .http, .ssl: return up ? "=> CHECK succeed on service <=" : "=> CHECK failed on service : HTTP request failed <="
        case .smtp:
            guard !up else { return "=> CHECK succeed on service <=" }
            return stripping(result.failureMessage, prefix: "SMTP_CHECK ").map { "=> CHECK failed on service : \($0) <=" }
                ?? "=> CHECK failed on service <="
        case .misc: return "=> MISC CHECK \(up ? "succeeded" : MiscExit(result.failureMessage).type) on service <="
        case .file, .bfd: return nil
        }
    }

    /// A failed attempt of a checker already down: keepalived says nothing; the reason is a
    /// detail line.
    static func quietFailureLines(_ result: ProbeResult) -> [HealthLogLine] {
        lines(of: result.failureMessage).map { HealthLogLine($0, isDetail: true) }
    }

    /// How a MISC_CHECK program ended, read from the probe's failure message: `timed out`,
    /// `exited with status N` or `due to signal N`.
    struct MiscExit: Equatable {
        var type: String
        var reason: String?

        init(_ message: String?) {
            let text = message ?? ""
            if text.contains("timed out") || text.contains("timeout") {
                type = "timed out"
                reason = nil
                return
            }
            type = "failed"
            reason = nil
            for phrase in ["exited with status", "due to signal"] {
                guard let range = text.range(of: phrase) else { continue }
                let digits = text[range.upperBound...].drop(while: { $0 == " " }).prefix(while: { $0 == "-" || $0.isNumber })
                if let code = Int(digits) { reason = "\(phrase) \(code)" }
                return
            }
        }
    }

    private static func lines(of message: String?) -> [String] {
        guard let message, !message.isEmpty else { return [] }
        return message.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    private static func plain(_ probeLines: [String], default text: String) -> [HealthLogLine] {
        (probeLines.isEmpty ? [text] : probeLines).map { HealthLogLine($0) }
    }

    private static func stripping(_ message: String?, prefix: String) -> String? {
        guard let message, !message.isEmpty else { return nil }
        return message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
    }
}

extension HealthCore {
    /// keepalived's names of a real server and its virtual server for log lines, formatted when a
    /// line needs them (kept per checker, they were two strings for each of 10,000 checkers).
    func names(of ref: RealServerRef) -> CheckerNames {
        guard virtualServers.indices.contains(ref.virtualServer),
              virtualServers[ref.virtualServer].realServers.indices.contains(ref.realServer) else {
            return CheckerNames(service: "\(ref)", virtualServer: "")
        }
        let vs = virtualServers[ref.virtualServer]
        let rs = vs.realServers[ref.realServer]
        return CheckerNames(service: vs.displayName(of: rs.address, port: rs.port), virtualServer: vs.displayName)
    }
}
