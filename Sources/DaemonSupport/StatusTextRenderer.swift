import Foundation
import VRRP

/// The human form of a `StatusReport`: one line per VRRP instance and per real server, in
/// aligned columns, dates in UTC ISO 8601.
public enum StatusTextRenderer {
    /// The whole report as text, ending with a newline.
    public static func render(_ report: StatusReport) -> String {
        var lines: [String] = []
        if report.vrrpInstances.isEmpty {
            lines.append("VRRP instances: none")
        } else {
            lines.append("VRRP instances:")
            var rows = [["INSTANCE", "INTERFACE", "VRID", "STATE", "PRIO", "BASE", "MASTER", "LAST TRANSITION",
                         "SENT", "RECEIVED", "ERRORS"]]
            for instance in report.vrrpInstances {
                rows.append([
                    instance.name, instance.interface, String(instance.virtualRouterID), instance.state.rawValue,
                    String(instance.effectivePriority), String(instance.configuredPriority),
                    instance.masterAddress ?? "-", date(instance.lastTransition),
                    String(instance.traffic.advertsSent), String(instance.traffic.advertsReceived),
                    String(errorCount(instance)),
                ])
            }
            lines += TextTable.lines(rows, indent: "  ")
        }
        lines.append("")
        if report.virtualServers.isEmpty {
            lines.append("Virtual servers: none")
        } else {
            lines.append("Virtual servers:")
            for server in report.virtualServers {
                lines.append("  \(server.name)  quorum \(server.quorumUp ? "up" : "down")"
                             + "  sorry server \(server.sorryServerActive ? "active" : "inactive")")
                guard !server.realServers.isEmpty else {
                    lines.append("    no real servers")
                    continue
                }
                var rows = [["REAL SERVER", "ALIVE", "WEIGHT", "FAILURES", "LAST CHECK", "RESULT"]]
                for real in server.realServers {
                    rows.append([
                        real.label, real.alive ? "yes" : "no", real.kernelWeight.map(String.init) ?? "-",
                        String(real.consecutiveFailures), date(real.lastCheckTime), real.lastCheckResult ?? "-",
                    ])
                }
                lines += TextTable.lines(rows, indent: "    ")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Packet and authentication errors together.
    static func errorCount(_ instance: VRRPInstanceReport) -> Int {
        let packet = instance.packetErrors
        let auth = instance.authenticationErrors
        return packet.length + packet.ttl + packet.invalidType + packet.advertisementInterval + packet.addressList
            + auth.invalidType + auth.typeMismatch + auth.failure
    }

    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(.iso8601)
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
enum TextTable {
    static func lines(_ rows: [[String]], indent: String) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            var line = indent
            for (index, cell) in row.enumerated() {
                if index == row.count - 1 {
                    line += cell
                } else {
                    line += cell + String(repeating: " ", count: widths[index] - cell.count + 2)
                }
            }
            return line
        }
    }
}
