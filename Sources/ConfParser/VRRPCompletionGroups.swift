/// Completion rules that look across instances: sync group membership and duplicate VRIDs.
extension VRRPCompletion {
    /// Resolves members (each instance in at most one group), drops groups without members,
    /// and applies the group's view of tracking to its members.
    static func completeSyncGroups(_ config: inout Config, defaults: VRRPGlobalDefaults, context: inout BuildContext) {
        var indexByName: [String: Int] = [:]
        for (index, instance) in config.vrrpInstances.enumerated() where indexByName[instance.name] == nil {
            indexByName[instance.name] = index
        }
        var kept: [VRRPSyncGroup] = []
        for var group in config.syncGroups {
            if group.members.isEmpty {
                context.diagnostics.error("Sync group \(group.name) has no virtual router(s). removing")
                continue
            }
            var members: [VRRPSyncGroup.Member] = []
            for member in group.members {
                guard let index = indexByName[member.name] else {
                    context.diagnostics.error("Virtual router \(member.name) specified in sync group \(group.name) doesn't exist - ignoring", at: member.location)
                    continue
                }
                if config.vrrpInstances[index].syncGroup != nil {
                    context.diagnostics.error("Virtual router \(member.name) cannot exist in more than one sync group; ignoring \(group.name)", at: member.location)
                    continue
                }
                config.vrrpInstances[index].syncGroup = group.name
                members.append(member)
            }
            group.members = members
            if members.isEmpty {
                context.diagnostics.error("Sync group \(group.name), no matching virtual router found in group declaration - removing")
                continue
            }
            if members.count == 1 {
                context.diagnostics.error("Sync group \(group.name) has only 1 virtual router(s) - this probably isn't what you want")
            }
            if group.$smtpAlert.location == nil { group.smtpAlert = defaults.smtpAlert }
            if group.$notifyPriorityChanges.location == nil { group.notifyPriorityChanges = defaults.notifyPriorityChanges }
            for member in members {
                guard let index = indexByName[member.name] else { continue }
                applyGroupTracking(group, to: &config.vrrpInstances[index], context: &context)
            }
            kept.append(group)
        }
        config.syncGroups = kept
    }

    /// Members of a sync group track with weight 0 unless the group has
    /// `sync_group_tracking_weight`; what the group tracks must not be tracked by the member too.
    static func applyGroupTracking(_ group: VRRPSyncGroup, to vrrp: inout VRRPInstance, context: inout BuildContext) {
        let tag = "(\(vrrp.name))"
        var diagnostics = Diagnostics()
        defer { context.diagnostics.append(contentsOf: diagnostics) }
        if !group.trackingWeight {
            for index in vrrp.tracking.interfaces.indices where vrrp.tracking.interfaces[index].weight != 0 {
                diagnostics.error("\(tag) ignoring \(vrrp.tracking.interfaces[index].name) tracked interface weight due to SYNC group")
                vrrp.tracking.interfaces[index].weight = 0
            }
            vrrp.tracking.scripts.removeAll { tracked in
                guard tracked.weight != 0 else { return false }
                diagnostics.error("\(tag) ignoring tracked script \(tracked.name) with weights due to SYNC group")
                return true
            }
            vrrp.tracking.files.removeAll { tracked in
                guard tracked.weight != 0 else { return false }
                diagnostics.error("\(tag) ignoring tracked file \(tracked.name) with weight \(tracked.weight) due to SYNC group")
                return true
            }
        }
        for tracked in group.tracking.interfaces {
            let own = vrrp.interface == tracked.name
            let alsoTracked = vrrp.tracking.interfaces.contains { $0.name == tracked.name }
            guard own || alsoTracked else { continue }
            diagnostics.error("\(tag) track_interface \(tracked.name) is configured on VRRP instance and sync group. Remove vrrp instance or sync group config")
            vrrp.tracking.interfaces.removeAll { $0.name == tracked.name }
        }
        for tracked in group.tracking.scripts where vrrp.tracking.scripts.contains(where: { $0.name == tracked.name }) {
            diagnostics.error("\(tag) track_script \(tracked.name) is configured on VRRP instance and sync group. Remove vrrp instance config")
            vrrp.tracking.scripts.removeAll { $0.name == tracked.name }
        }
        for tracked in group.tracking.files where vrrp.tracking.files.contains(where: { $0.name == tracked.name }) {
            diagnostics.error("\(tag) track_file \(tracked.name) is configured on VRRP instance and sync group. Remove vrrp instance config")
            vrrp.tracking.files.removeAll { $0.name == tracked.name }
        }
    }

    /// Two multicast instances with the same VRID, family, interface and multicast group would
    /// receive each other's adverts.
    static func checkDuplicateRouterIDs(_ instances: [VRRPInstance], context: inout BuildContext) {
        struct Key: Hashable {
            var interface: String
            var family: IPFamily
            var vrid: Int
            var group: IPAddress?
        }
        var seen: [Key: String] = [:]
        for instance in instances where !instance.isUnicast {
            let interface = instance.interface
            let family = instance.addressFamily
            let key = Key(interface: interface, family: family, vrid: instance.virtualRouterID, group: instance.multicastDestinationIP)
            if let first = seen[key] {
                context.diagnostics.error("\(first) and \(instance.name) both use VRID \(instance.virtualRouterID) with \(family.rawValue) on interface \(interface)")
            } else {
                seen[key] = instance.name
            }
        }
    }
}
