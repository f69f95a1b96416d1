/// vrrp_instance keywords about what an instance does around transitions: gratuitous ARPs,
/// notifications, alerts and tracking.
extension VRRPInstanceParser {
    static let behaviourHandlers: [String: Handler] = [
        "garp_master_delay": garpDelay(\.$garpMasterDelay) { tag, keyword, text in "\(tag): \(keyword) '\(text)' invalid - ignoring" },
        "garp_lower_prio_delay": garpDelay(\.$garpLowerPriorityDelay) { tag, keyword, text in "\(tag): \(keyword) '\(text)' invalid - ignoring" },
        "garp_master_refresh": garpDelay(\.$garpMasterRefresh) { tag, _, text in "\(tag): Invalid garp_master_refresh '\(text)' - ignoring" },
        "garp_master_repeat": garpRepeat(\.$garpMasterRepeat, zeroAllowed: false),
        "garp_master_refresh_repeat": garpRepeat(\.$garpMasterRefreshRepeat, zeroAllowed: false),
        "garp_lower_prio_repeat": garpRepeat(\.$garpLowerPriorityRepeat, zeroAllowed: true),
        "smtp_alert": { parser, node, context in
            guard let value = VRRPNotifyParser.smtpAlert(node, block: "vrrp_instance", context: &context) else { return }
            parser.instance.$smtpAlert.set(value, at: node.location)
        },
        "notify_priority_changes": flag(\.$notifyPriorityChanges),
        "notify_master": notify,
        "notify_backup": notify,
        "notify_fault": notify,
        "notify_stop": notify,
        "notify_deleted": notify,
        "notify": notify,
        "notify_master_rx_lower_pri": notify,
        "track_interface": track,
        "track_script": track,
        "track_file": track,
        "track_process": track,
        "track_bfd": track,
    ]
}
