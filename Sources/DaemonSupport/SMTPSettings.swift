import ConfParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What global_defs says about e-mail, with keepalived's defaults applied: router_id and the HELO
/// name default to the host name, the sender to `keepalived@<host name>`.
public struct SMTPSettings: Sendable, Equatable {
    /// `smtp_server`; nil means alerts are not sent.
    public var server: SMTPServer?
    /// `router_id`, shown as `[router_id]` at the start of every subject.
    public var routerID: String
    /// `smtp_helo_name`.
    public var heloName: String
    /// `notification_email_from`.
    public var from: String
    /// `notification_email`.
    public var recipients: [String]
    /// `smtp_connect_timeout` in seconds.
    public var connectTimeout: Int

    public init(server: SMTPServer?, routerID: String, heloName: String, from: String,
                recipients: [String], connectTimeout: Int = 30) {
        self.server = server
        self.routerID = routerID
        self.heloName = heloName
        self.from = from
        self.recipients = recipients
        self.connectTimeout = connectTimeout
    }

    /// The settings global_defs gives on host `hostName` (see `localHostName()`).
    public init(globalDefs defs: GlobalDefs, hostName: String) {
        self.init(
            server: defs.smtpServer,
            routerID: defs.routerID ?? hostName,
            heloName: defs.smtpHeloName ?? hostName,
            from: defs.notificationEmailFrom ?? "keepalived@\(hostName)",
            recipients: defs.notificationEmail,
            connectTimeout: defs.smtpConnectTimeout
        )
    }

    /// Whether mail goes out at all: a server and at least one recipient.
    public var isEnabled: Bool { server != nil && !recipients.isEmpty }

    /// The e-mail for `alert`, dated `date` (an RFC 5322 date, see `RFC5322Date`).
    public func message(for alert: SMTPAlert, date: String) -> SMTPMessage {
        SMTPMessage(from: from, recipients: recipients, alert: alert, date: date)
    }

    /// This machine's host name (`gethostname`), as keepalived uses it for its defaults.
    public static func localHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}

/// Whether an event is e-mailed, from the resolved configuration.
public enum SMTPAlertPolicy {
    /// A VRRP instance changing state: its `smtp_alert` (already resolved from global_defs'
    /// `smtp_alert_vrrp` / `smtp_alert` by the parser); FAULT is skipped under `no_email_faults`.
    public static func isDue(instance: VRRPInstance, entering state: SMTPAlert.VRRPState, globalDefs: GlobalDefs) -> Bool {
        instance.smtpAlert && !(state == .fault && globalDefs.noEmailFaults)
    }

    /// A sync group changing state: its `smtp_alert` (resolved like an instance's).
    public static func isDue(syncGroup: VRRPSyncGroup, entering state: SMTPAlert.VRRPState, globalDefs: GlobalDefs) -> Bool {
        syncGroup.smtpAlert && !(state == .fault && globalDefs.noEmailFaults)
    }

    /// A virtual server's quorum decided or changed: its `smtp_alert`, else global_defs'
    /// `smtp_alert_checker`, else `smtp_alert`, else no.
    public static func isDue(virtualServer: VirtualServer, globalDefs: GlobalDefs) -> Bool {
        virtualServer.smtpAlert ?? globalDefs.smtpAlertChecker ?? globalDefs.smtpAlert ?? false
    }

    /// A real server going up or down: the real server's `smtp_alert`, else its virtual server's,
    /// else global_defs' `smtp_alert_checker`, else `smtp_alert`, else no.
    public static func isDue(realServer: RealServer, of virtualServer: VirtualServer, globalDefs: GlobalDefs) -> Bool {
        realServer.smtpAlert ?? isDue(virtualServer: virtualServer, globalDefs: globalDefs)
    }
}
