/// `global_defs { ... }`: daemon-wide settings, with keepalived's defaults.
///
/// Every keyword keepalived 2.2 accepts in `global_defs` is recognised. The settings keepalivedd
/// acts on are typed fields; the rest are validated as keepalived does and kept in `otherKeywords`.
/// Several `global_defs` blocks add up, a later value replacing an earlier one.
public struct GlobalDefs: Sendable, Encodable {
    /// Where the (first) `global_defs` block starts; nil when the configuration has none.
    public var location: SourceLocation?

    // MARK: Identity and e-mail

    /// `router_id`: identifies this machine in e-mail; nil means the host name.
    @Sourced public var routerID: String? = nil
    /// `notification_email { ... }`: recipients of alert e-mail (several blocks add up).
    @Sourced public var notificationEmail: [String] = []
    /// `notification_email_from`; nil means `keepalived@<host name>`.
    @Sourced public var notificationEmailFrom: String? = nil
    /// `smtp_server ADDRESS [PORT]`; nil means no e-mail is sent.
    @Sourced public var smtpServer: SMTPServer? = nil
    /// `smtp_helo_name`; nil means the host name.
    @Sourced public var smtpHeloName: String? = nil
    /// `smtp_connect_timeout` in seconds (1...4294).
    @Sourced public var smtpConnectTimeout: Int = 30
    /// `smtp_alert`, `smtp_alert_vrrp`, `smtp_alert_checker`: defaults for the per-object
    /// `smtp_alert`; nil when not set.
    @Sourced public var smtpAlert: Bool? = nil
    @Sourced public var smtpAlertVRRP: Bool? = nil
    @Sourced public var smtpAlertChecker: Bool? = nil
    /// `no_email_faults`: no e-mail for FAULT transitions.
    @Sourced public var noEmailFaults: Bool = false
    /// `no_checker_emails`: a checker changing state is mailed only when its real server changes
    /// state with it.
    @Sourced public var noCheckerEmails: Bool = false
    /// `checker_log_all_failures`: log every failed check, not only state changes.
    @Sourced public var checkerLogAllFailures: Bool = false

    // MARK: LVS

    @Sourced public var lvsTimeouts: LVSTimeouts? = nil
    /// `lvs_flush`: flush IPVS at start-up.
    @Sourced public var lvsFlush: Bool = false
    @Sourced public var lvsFlushOnStop: LVSFlushOnStop = .disabled
    @Sourced public var lvsSyncDaemon: LVSSyncDaemon? = nil

    // MARK: VRRP

    /// `vrrp_mcast_group4` / `vrrp_mcast_group6`: advert destinations.
    @Sourced public var vrrpMcastGroup4: IPAddress = .v4(0xE000_0012)
    @Sourced public var vrrpMcastGroup6: IPAddress = .v6(0xFF02_0000_0000_0000, 0x12)
    /// Seconds before the second burst of gratuitous ARPs after becoming MASTER (0: none).
    @Sourced public var vrrpGarpMasterDelay: Int = 5
    /// Gratuitous ARPs per burst after becoming MASTER.
    @Sourced public var vrrpGarpMasterRepeat: Int = 5
    /// Seconds between gratuitous ARP refreshes while MASTER (0: no refresh).
    @Sourced public var vrrpGarpMasterRefresh: Int = 0
    /// Gratuitous ARPs per refresh.
    @Sourced public var vrrpGarpMasterRefreshRepeat: Int = 1
    /// Delay / burst after a lower-priority advert while MASTER; default: the master values.
    @Sourced public var vrrpGarpLowerPrioDelay: Int = 5
    @Sourced public var vrrpGarpLowerPrioRepeat: Int = 5
    /// Seconds between gratuitous ARPs / unsolicited NAs on one interface (microsecond resolution).
    @Sourced public var vrrpGarpInterval: Double = 0
    @Sourced public var vrrpGnaInterval: Double = 0
    /// `vrrp_min_garp`: one gratuitous ARP, no second burst (defaults for the values above).
    @Sourced public var vrrpMinGarp: Bool = false
    @Sourced public var vrrpGarpExtraInterfaces: GarpExtraInterfaces? = nil
    /// `vrrp_down_timer_adverts`: adverts missed before a backup takes over (1...100).
    @Sourced public var vrrpDownTimerAdverts: Int = 3
    @Sourced public var vrrpLowerPrioNoAdvert: Bool = false
    @Sourced public var vrrpHigherPrioSendAdvert: Bool = false
    /// Default VRRP version (IPv6 instances use 3).
    @Sourced public var vrrpVersion: Int = 2
    @Sourced public var vrrpCheckUnicastSrc: Bool = false
    @Sourced public var vrrpSkipCheckAdvAddr: Bool = false
    /// `vrrp_strict`: strict RFC compliance (checked per instance by the VRRP completion rules).
    @Sourced public var vrrpStrict: Bool = false
    /// `vrrp_startup_delay` in seconds; nil for none.
    @Sourced public var vrrpStartupDelay: Double? = nil

    // MARK: Processes

    /// Nice values -20...19 of the VRRP and checker processes.
    @Sourced public var vrrpPriority: Int = 0
    @Sourced public var checkerPriority: Int = 0
    /// Lock the processes' memory.
    @Sourced public var vrrpNoSwap: Bool = false
    @Sourced public var checkerNoSwap: Bool = false
    /// `max_auto_priority [-1...99]` (no value: 99); 0 means no automatic realtime priority.
    @Sourced public var maxAutoPriority: Int = 0
    @Sourced public var processNames = ProcessNames()

    // MARK: Scripts and notification

    @Sourced public var scriptUser: ScriptUser? = nil
    /// `enable_script_security`: refuse scripts a non-root user could modify.
    @Sourced public var enableScriptSecurity: Bool = false
    @Sourced public var startupScript: ScriptCommand? = nil
    @Sourced public var startupScriptTimeout: Int = 10
    @Sourced public var shutdownScript: ScriptCommand? = nil
    @Sourced public var shutdownScriptTimeout: Int = 10
    /// `notify_fifo`: all notify events; `vrrp_notify_fifo` / `lvs_notify_fifo`: VRRP / checker
    /// events only. The `_script` forms name a command started to read the FIFO.
    @Sourced public var notifyFifo: NotifyFIFO? = nil
    @Sourced public var notifyFifoScript: ScriptCommand? = nil
    @Sourced public var vrrpNotifyFifo: NotifyFIFO? = nil
    @Sourced public var vrrpNotifyFifoScript: ScriptCommand? = nil
    @Sourced public var lvsNotifyFifo: NotifyFIFO? = nil
    @Sourced public var lvsNotifyFifoScript: ScriptCommand? = nil

    // MARK: Interfaces

    @Sourced public var dynamicInterfaces: DynamicInterfaces = .off
    /// Interface of static addresses that name none.
    @Sourced public var defaultInterface: String = "eth0"

    /// Accepted keywords keepalivedd does not act on (snmp, dbus, nftables, buffers, ...).
    public var otherKeywords: [RecognisedKeyword] = []

    public init() {}

    /// Reads one `global_defs` block into `defs`.
    static func parse(_ node: ConfNode, into defs: inout GlobalDefs, context: inout BuildContext) {
        if defs.location == nil { defs.location = node.location }
        keywords.apply(context.block(node), to: &defs, context: &context, other: \.otherKeywords)
    }

    /// Global completion rules: values that default to other values.
    static func complete(_ config: inout Config, context: inout BuildContext) {
        var defs = config.globalDefs
        if defs.vrrpMinGarp {
            // vrrp_min_garp: one ARP, no second burst, no refresh burst - unless set explicitly.
            if defs.$vrrpGarpMasterDelay.location == nil { defs.vrrpGarpMasterDelay = 0 }
            if defs.$vrrpGarpMasterRepeat.location == nil { defs.vrrpGarpMasterRepeat = 1 }
            if defs.$vrrpGarpMasterRefreshRepeat.location == nil { defs.vrrpGarpMasterRefreshRepeat = 0 }
        }
        if defs.$vrrpGarpLowerPrioDelay.location == nil { defs.vrrpGarpLowerPrioDelay = defs.vrrpGarpMasterDelay }
        if defs.$vrrpGarpLowerPrioRepeat.location == nil { defs.vrrpGarpLowerPrioRepeat = defs.vrrpGarpMasterRepeat }
        config.globalDefs = defs
    }
}

extension ProcessNames {
    /// `process_names`: keepalived's default names for those not set individually.
    mutating func fillDefaults() {
        main = main ?? Self.defaults.main
        vrrp = vrrp ?? Self.defaults.vrrp
        checker = checker ?? Self.defaults.checker
        bfd = bfd ?? Self.defaults.bfd
    }
}
