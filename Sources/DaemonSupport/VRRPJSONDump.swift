import ConfParser
import Foundation
import VRRP

/// keepalived's SIGRTMIN+2 dump (`/tmp/keepalived.json`): a JSON array with one
/// `{"data": {...}, "stats": {...}}` object per instance, keepalived's field names and order.
///
/// `data` is filled from the instance's configuration and its report; fields keepalivedd has no
/// value for are left out.
public enum VRRPJSONDump {
    /// The dump of `reports`, with each instance's settings looked up by name in `config`.
    public static func render(_ reports: [VRRPInstanceReport], config: Config) -> String {
        var writer = OrderedJSONWriter()
        writer.beginArray()
        for report in reports {
            let instance = config.vrrpInstances.first { $0.name == report.name }
            writer.beginObject()
            writer.beginObject("data")
            data(report, instance: instance, config: config, into: &writer)
            writer.endObject()
            writer.beginObject("stats")
            stats(report, into: &writer)
            writer.endObject()
            writer.endObject()
        }
        writer.endArray()
        return writer.text + "\n"
    }

    /// keepalived's state numbers: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.
    public static func stateNumber(_ state: VRRPMachineState) -> Int {
        switch state {
        case .initial: 0
        case .backup: 1
        case .master: 2
        case .fault: 3
        }
    }

    static func data(_ report: VRRPInstanceReport, instance: VRRPInstance?, config: Config,
                     into writer: inout OrderedJSONWriter) {
        writer.field("iname", report.name)
        if let instance {
            writer.flag("dont_track_primary", instance.dontTrackPrimary)
            writer.flag("skip_check_adv_addr", instance.skipCheckAdvertAddresses || config.globalDefs.vrrpSkipCheckAdvAddr)
            writer.flag("strict_mode", instance.strictMode)
            writer.field("vmac_ifname", instance.useVMAC.map { $0.name ?? "vrrp.\(instance.virtualRouterID)" } ?? "")
        }
        writer.field("ifp_ifname", report.interface)
        writer.field("master_priority", report.masterPriority ?? 0)
        writer.fixed("last_transition", report.lastTransition?.timeIntervalSince1970 ?? 0)
        if let instance {
            writer.number("garp_delay", Double(instance.garpMasterDelay))
            writer.field("garp_refresh", instance.garpMasterRefresh)
            writer.field("garp_rep", instance.garpMasterRepeat)
            writer.field("garp_refresh_rep", instance.garpMasterRefreshRepeat)
            writer.field("garp_lower_prio_delay", instance.garpLowerPriorityDelay)
            writer.field("garp_lower_prio_rep", instance.garpLowerPriorityRepeat)
            writer.flag("lower_prio_no_advert", instance.lowerPriorityNoAdvert)
            writer.flag("higher_prio_send_advert", instance.higherPrioritySendAdvert)
        }
        writer.field("vrid", report.virtualRouterID)
        writer.field("base_priority", report.configuredPriority)
        writer.field("effective_priority", report.effectivePriority)
        writer.field("vipset", report.virtualAddressesSet)
        if let instance {
            writer.field("promote_secondaries", instance.promoteSecondaries)
            writer.number("adver_int", instance.advertInterval)
            writer.flag("accept", instance.accept)
            writer.field("nopreempt", instance.nopreempt)
            writer.field("preempt_delay", Int(instance.preemptDelay))
        }
        writer.field("state", stateNumber(report.state))
        writer.field("wantstate", stateNumber(report.wantState))
        if let instance {
            writer.field("version", instance.version)
            writer.field("smtp_alert", instance.smtpAlert)
            writer.field("notify_deleted", instance.notify.reportDeleted)
            scripts(instance.notify, into: &writer)
            writer.strings("vips", instance.virtualAddresses.map { vip($0, instance: instance) })
            writer.strings("evips", instance.excludedAddresses.map { vip($0, instance: instance) })
            writer.strings("track_ifp", instance.tracking.interfaces.map(\.name))
            writer.strings("track_script", instance.tracking.scripts.map { tracked in
                config.vrrpScripts.first { $0.name == tracked.name }?.script ?? tracked.name
            })
            authentication(instance.authentication, into: &writer)
        }
    }

    static func stats(_ report: VRRPInstanceReport, into writer: inout OrderedJSONWriter) {
        let traffic = report.traffic
        writer.field("advert_rcvd", traffic.advertsReceived)
        writer.field("advert_sent", traffic.advertsSent)
        writer.field("become_master", traffic.becameMaster)
        writer.field("release_master", traffic.releasedMaster)
        writer.field("packet_len_err", report.packetErrors.length)
        writer.field("advert_interval_err", report.packetErrors.advertisementInterval)
        writer.field("ip_ttl_err", report.packetErrors.ttl)
        writer.field("invalid_type_rcvd", report.packetErrors.invalidType)
        writer.field("addr_list_err", report.packetErrors.addressList)
        writer.field("invalid_authtype", report.authenticationErrors.invalidType)
        writer.field("authtype_mismatch", report.authenticationErrors.typeMismatch)
        writer.field("auth_failure", report.authenticationErrors.failure)
        writer.field("pri_zero_rcvd", traffic.priorityZeroReceived)
        writer.field("pri_zero_sent", traffic.priorityZeroSent)
    }

    static func scripts(_ notify: NotifyScripts, into writer: inout OrderedJSONWriter) {
        let named: [(String, NotifyScript?)] = [
            ("script_backup", notify.backup), ("script_master", notify.master), ("script_fault", notify.fault),
            ("script_stop", notify.stop), ("script_deleted", notify.deleted), ("script", notify.any),
            ("script_master_rx_lower_pri", notify.masterRxLowerPriority),
        ]
        for (name, script) in named {
            if let script { writer.field(name, script.command) }
        }
    }

    static func authentication(_ authentication: VRRPAuthentication?, into writer: inout OrderedJSONWriter) {
        let type: Int
        switch authentication?.type {
        case .pass?: type = 1
        case .ah?: type = 2
        case nil: type = 0
        }
        writer.field("auth_type", type)
        if type != 0, let password = authentication?.password { writer.field("auth_data", password) }
    }

    /// `ADDR/PREFIX dev IFNAME scope SCOPE`, as keepalived formats a configured address.
    static func vip(_ address: VirtualAddress, instance: VRRPInstance) -> String {
        let scope = address.scope.map { "\($0)" } ?? "global"
        return "\(address.address)/\(address.prefixLength) dev \(address.device ?? instance.interface) scope \(scope)"
    }
}
