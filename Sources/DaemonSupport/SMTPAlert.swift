import ConfParser
import HealthCheck
import VRRP

/// One alert e-mail as keepalived words it: a subject and a one-line body.
///
/// The wording follows keepalived 2.2.7, checked against the real daemon for VRRP instances and
/// sync groups (every state keeps `[router_id]` first in the subject).
public struct SMTPAlert: Sendable, Equatable {
    /// The `Subject:` header.
    public var subject: String
    /// The message text (without headers).
    public var body: String

    /// An alert with the given subject and body.
    public init(subject: String, body: String) {
        self.subject = subject
        self.body = body
    }

    /// The VRRP states keepalived e-mails about.
    public enum VRRPState: String, Sendable, Equatable {
        case master = "MASTER"
        case backup = "BACKUP"
        case fault = "FAULT"

        /// The mailed state a machine entered; nil for the initial state (never mailed).
        public init?(_ state: VRRPMachineState) {
            switch state {
            case .master: self = .master
            case .backup: self = .backup
            case .fault: self = .fault
            case .initial: return nil
            }
        }
    }

    /// `[rid] VRRP Instance VI_1 - Entering MASTER state`; the body says whether the instance owns
    /// its VIPs (keepalived says "no longer owning" for both BACKUP and FAULT).
    public static func vrrpInstance(routerID: String, instance: String, state: VRRPState) -> SMTPAlert {
        let body = state == .master
            ? "=> VRRP Instance is now owning VRRP VIPs <="
            : "=> VRRP Instance is no longer owning VRRP VIPs <="
        return SMTPAlert(subject: "[\(routerID)] VRRP Instance \(instance) - Entering \(state.rawValue) state", body: body)
    }

    /// `[rid] VRRP Group G1 - Entering MASTER state` with
    /// `=> All VRRP group instances are now in MASTER state <=`.
    public static func vrrpSyncGroup(routerID: String, group: String, state: VRRPState) -> SMTPAlert {
        SMTPAlert(
            subject: "[\(routerID)] VRRP Group \(group) - Entering \(state.rawValue) state",
            body: "=> All VRRP group instances are now in \(state.rawValue) state <="
        )
    }

    /// `[rid] Realserver [192.0.2.1]:tcp:80 of virtual server [192.0.2.10]:tcp:80 - DOWN` with the
    /// checker's text, e.g. `=> TCP CHECK failed on service <=` (see `CheckerAlert.body`).
    ///
    /// - Parameters:
    ///   - realServer: keepalived's name of the real server, e.g. `LVSFormat.service(...)`.
    ///   - virtualServer: `VirtualServer.displayName`.
    ///   - isUp: the real server's state after the change (not the checker's).
    public static func realServer(routerID: String, realServer: String, virtualServer: String,
                                  isUp: Bool, body: String) -> SMTPAlert {
        SMTPAlert(
            subject: "[\(routerID)] Realserver \(realServer) of virtual server \(virtualServer) - \(isUp ? "UP" : "DOWN")",
            body: body
        )
    }

    /// `[rid] Virtualserver [192.0.2.10]:tcp:80 - DOWN` with `=> Lost quorum 2+0=2 <= 1 <=`: a
    /// virtual server's quorum decided at start or reload (`Starting with quorum up/down`) or
    /// changed by a real server (`Gained quorum` / `Lost quorum`). keepalived writes `Q+H=T <= W`
    /// in the mail whichever way it went (its log line says `Q-H=T > W` when lost).
    public static func quorum(routerID: String, virtualServer: String, notice: QuorumNotice) -> SMTPAlert {
        let what = switch (notice.isUp, notice.starting) {
        case (true, true): "Starting with quorum up"
        case (true, false): "Gained quorum"
        case (false, true): "Starting with quorum down"
        case (false, false): "Lost quorum"
        }
        return SMTPAlert(
            subject: "[\(routerID)] Virtualserver \(virtualServer) - \(notice.isUp ? "UP" : "DOWN")",
            body: "=> \(what) \(notice.quorum)+\(notice.hysteresis)=\(notice.threshold) <= \(notice.weight) <="
        )
    }
}

/// The whole e-mail as sent after `DATA`: keepalived's headers in keepalived's order, a blank line,
/// the body and a trailing blank line.
public struct SMTPMessage: Sendable, Equatable {
    /// The `From:` header as configured (`notification_email_from`).
    public var from: String
    /// The recipients (`notification_email`), one `RCPT TO` each, joined by ", " in `To:`.
    public var recipients: [String]
    public var alert: SMTPAlert
    /// The `Date:` header value (see `RFC5322Date`).
    public var date: String

    public init(from: String, recipients: [String], alert: SMTPAlert, date: String) {
        self.from = from
        self.recipients = recipients
        self.alert = alert
        self.date = date
    }

    /// The envelope sender: the address inside `<...>` when `from` carries a display name.
    public var envelopeFrom: String {
        SMTPMessage.bareAddress(from)
    }

    /// The lines of the message, unstuffed and without line ends.
    public var lines: [String] {
        var lines = [
            "Date: \(date)",
            "From: \(from)",
            "Subject: \(alert.subject)",
            "X-Mailer: Keepalived",
            "To: \(recipients.joined(separator: ", "))",
            "",
        ]
        lines += SMTPMessage.splitLines(alert.body)
        lines.append("")
        return lines
    }

    /// `Name <a@b>` -> `a@b`; a bare address is returned unchanged.
    static func bareAddress(_ text: String) -> String {
        guard let open = text.lastIndex(of: "<"), let close = text[open...].firstIndex(of: ">") else {
            return text.trimmingSpaces()
        }
        return String(text[text.index(after: open)..<close]).trimmingSpaces()
    }

    /// Splits on CRLF, CR or LF so no bare line end reaches the wire.
    static func splitLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = ""
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR { previousWasCR = false; continue }
            previousWasCR = scalar == "\r"
            if scalar == "\r" || scalar == "\n" {
                lines.append(current)
                current = ""
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        lines.append(current)
        return lines
    }
}

fileprivate extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
