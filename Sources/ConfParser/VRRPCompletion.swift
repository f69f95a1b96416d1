/// The global_defs settings VRRP instances fall back on.
public struct VRRPGlobalDefaults: Sendable, Equatable {
    public var version = 2
    public var strict = false
    public var garpMasterDelay = 5
    public var garpMasterRepeat = 5
    /// nil: the same as `garpMasterDelay`.
    public var garpLowerPriorityDelay: Int? = nil
    /// nil: the same as `garpMasterRepeat`.
    public var garpLowerPriorityRepeat: Int? = nil
    public var garpMasterRefresh = 0
    public var garpMasterRefreshRepeat = 1
    /// nil: true in strict mode, false otherwise.
    public var lowerPriorityNoAdvert: Bool? = nil
    public var higherPrioritySendAdvert = false
    public var checkUnicastSource = false
    public var skipCheckAdvertAddresses = false
    public var smtpAlert = false
    public var notifyPriorityChanges = false
    public var downTimerAdverts = 3

    public init() {}

    /// The VRRP defaults global_defs sets.
    init(_ defs: GlobalDefs) {
        version = defs.vrrpVersion
        strict = defs.vrrpStrict
        garpMasterDelay = defs.vrrpGarpMasterDelay
        garpMasterRepeat = defs.vrrpGarpMasterRepeat
        garpLowerPriorityDelay = defs.vrrpGarpLowerPrioDelay
        garpLowerPriorityRepeat = defs.vrrpGarpLowerPrioRepeat
        garpMasterRefresh = defs.vrrpGarpMasterRefresh
        garpMasterRefreshRepeat = defs.vrrpGarpMasterRefreshRepeat
        if defs.$vrrpLowerPrioNoAdvert.location != nil { lowerPriorityNoAdvert = defs.vrrpLowerPrioNoAdvert }
        higherPrioritySendAdvert = defs.vrrpHigherPrioSendAdvert
        checkUnicastSource = defs.vrrpCheckUnicastSrc
        skipCheckAdvertAddresses = defs.vrrpSkipCheckAdvAddr
        smtpAlert = defs.smtpAlertVRRP ?? defs.smtpAlert ?? false
        downTimerAdverts = defs.vrrpDownTimerAdverts
        // Kept verbatim by GlobalDefs: `vrrp_notify_priority_changes [BOOL]`.
        if let option = defs.otherKeywords.last(where: { $0.keyword == "vrrp_notify_priority_changes" }) {
            notifyPriorityChanges = option.arguments.first.flatMap(BuildContext.parseBool) ?? true
        }
    }
}

/// keepalived's defaults and completion rules for vrrp_instance and vrrp_sync_group, applied once
/// after parsing, with keepalived's messages (all of them make `keepalived -t` fail).
public enum VRRPCompletion {
    static func complete(_ config: inout Config, context: inout BuildContext) {
        let defaults = VRRPGlobalDefaults(config.globalDefs)
        var kept: [VRRPInstance] = []
        kept.reserveCapacity(config.vrrpInstances.count)
        for var instance in config.vrrpInstances {
            if completeInstance(&instance, defaults: defaults, context: &context) { kept.append(instance) }
        }
        config.vrrpInstances = kept
        completeSyncGroups(&config, defaults: defaults, context: &context)
        checkDuplicateRouterIDs(config.vrrpInstances, context: &context)
    }

    /// Applies the rules to one instance; false when the instance cannot run and is dropped.
    static func completeInstance(_ vrrp: inout VRRPInstance, defaults: VRRPGlobalDefaults,
                                 context: inout BuildContext) -> Bool {
        let tag = "(\(vrrp.name))"
        var diagnostics = Diagnostics()
        defer { context.diagnostics.append(contentsOf: diagnostics) }
        func error(_ message: String) { diagnostics.error("\(tag) \(message)") }

        // The man page allows unicast instances without an interface, but keepalived 2.2.7
        // rejects every instance without one (checked with `keepalived -t`).
        if vrrp.interface.isEmpty {
            error("Unknown interface!")
            return false
        }
        if vrrp.virtualRouterID == 0 {
            error("the virtual router id must be set")
            return false
        }
        let family = vrrp.family ?? .ipv4
        vrrp.family = family
        if vrrp.$strictMode.location == nil { vrrp.strictMode = defaults.strict }
        let strict = vrrp.strictMode

        if vrrp.$version.location == nil { vrrp.version = defaults.version }
        if family == .ipv6 && vrrp.version == 2 {
            if strict && vrrp.$version.location != nil { error("cannot use IPv6 with VRRP version 2; setting version 3") }
            vrrp.version = 3
        }

        // Priority and initial state.
        if vrrp.$priority.location == nil {
            vrrp.priority = vrrp.$state.location != nil && vrrp.state == .master ? 255 : 100
        }
        if vrrp.$state.location == nil {
            vrrp.state = vrrp.priority == 255 ? .master : .backup
        }
        if strict && vrrp.state == .master && vrrp.priority != 255 {
            error("State MASTER must match being address owner")
            vrrp.state = .backup
        }

        completeAuthentication(&vrrp, strict: strict, error: error)

        if vrrp.nopreempt {
            if vrrp.priority == 255 {
                error("nopreempt is incompatible with priority 255. resetting nopreempt")
                vrrp.nopreempt = false
            } else if vrrp.state == .master {
                error("Warning - nopreempt will not work with initial state MASTER - clearing")
                vrrp.nopreempt = false
            }
        }
        if vrrp.preemptDelay > 0 {
            if strict {
                error("preempt_delay is incompatible with strict mode - resetting")
                vrrp.preemptDelay = 0
            } else if vrrp.nopreempt {
                error("preempt_delay is incompatible with nopreempt mode - resetting")
                vrrp.preemptDelay = 0
            } else if vrrp.state == .master {
                error("Warning - preempt delay will not work with initial state MASTER - clearing")
                vrrp.preemptDelay = 0
            }
        }

        if strict {
            if vrrp.$accept.location == nil {
                vrrp.accept = vrrp.priority == 255
            } else if vrrp.accept && vrrp.version == 2 && vrrp.priority != 255 {
                error("warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting")
                vrrp.accept = false
            }
        }

        completeAdvertInterval(&vrrp, error: error)

        if vrrp.virtualAddresses.isEmpty {
            error("No VIP specified; at least one is \(strict || family == .ipv6 ? "required" : "sensible")")
        } else if strict, family == .ipv6, let first = vrrp.virtualAddresses.first, !isLinkLocal(first.address) {
            error("the first IPv6 VIP address must be link local")
        }

        if vrrp.unicastPeers.isEmpty {
            if vrrp.$unicastTTL.location != nil {
                diagnostics.error("\(tag): Cannot use unicast_ttl without unicast peers - resetting", at: vrrp.$unicastTTL.location)
                vrrp.unicastTTL = 255
            }
            if vrrp.unicastKeyword != nil {
                error("A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.")
            }
        }

        if vrrp.vmacTransmitBase {
            if vrrp.useVMAC == nil {
                error("vmac_xmit_base is only valid with a vmac")
                vrrp.vmacTransmitBase = false
            } else if strict {
                error("xmit_base is incompatible with strict mode - resetting")
                vrrp.vmacTransmitBase = false
            }
        }
        if vrrp.promoteSecondaries && vrrp.useVMAC != nil {
            error("promote_secondaries is automatically set for vmacs - ignoring")
        }

        completeGARP(&vrrp, defaults: defaults, strict: strict, error: error)
        if vrrp.$checkUnicastSource.location == nil { vrrp.checkUnicastSource = defaults.checkUnicastSource }
        if vrrp.$skipCheckAdvertAddresses.location == nil { vrrp.skipCheckAdvertAddresses = defaults.skipCheckAdvertAddresses }
        if vrrp.$smtpAlert.location == nil { vrrp.smtpAlert = defaults.smtpAlert }
        if vrrp.$notifyPriorityChanges.location == nil { vrrp.notifyPriorityChanges = defaults.notifyPriorityChanges }
        if vrrp.$downTimerAdverts.location == nil { vrrp.downTimerAdverts = defaults.downTimerAdverts }

        completeTracking(&vrrp, error: error)
        return true
    }

    static func completeAuthentication(_ vrrp: inout VRRPInstance, strict: Bool, error: (String) -> Void) {
        guard let auth = vrrp.authentication else { return }
        if strict {
            error("Strict mode does not support authentication. Ignoring.")
            vrrp.authentication = nil
        } else if vrrp.version == 3 {
            error("VRRP version 3 does not support authentication. Ignoring.")
            vrrp.authentication = nil
        } else if auth.type == nil {
            // auth_pass without auth_type: keepalived authenticates nothing, silently.
            vrrp.authentication = nil
        } else if auth.password == nil {
            error("Authentication specified but no password given. Ignoring")
            vrrp.authentication = nil
        } else if auth.type == .ah && vrrp.state == .master && vrrp.priority != 255 {
            error("Initial state master is incompatible with AH authentication - clearing")
            vrrp.state = .backup
        }
    }

    /// VRRPv2 adverts carry whole seconds, VRRPv3 centiseconds (at most 40.95 s).
    static func completeAdvertInterval(_ vrrp: inout VRRPInstance, error: (String) -> Void) {
        let interval = vrrp.advertInterval
        let micros = Int((interval * 1_000_000).rounded())
        if vrrp.version == 2 {
            guard micros % 1_000_000 != 0 else { return }
            error("VRRPv2 advertisement interval \(fixed(interval, 6))s must be an integer. rounding")
            vrrp.advertInterval = Double(max((micros + 500_000) / 1_000_000, 1))
        } else if micros > 40_950_000 {
            error("VRRPv3 advertisement interval \(fixed(interval, 2))s is out of range. Must be less than 40.96s. Setting to 40.95s")
            vrrp.advertInterval = 40.95
        } else if micros % 10_000 != 0 {
            error("VRRPv3 advertisement interval \(fixed(interval, 6))s must be in units of 10ms - rounding")
            vrrp.advertInterval = Double(max((micros + 5_000) / 10_000, 1)) / 100
        }
    }

    static func completeGARP(_ vrrp: inout VRRPInstance, defaults: VRRPGlobalDefaults, strict: Bool, error: (String) -> Void) {
        if vrrp.$garpMasterDelay.location == nil { vrrp.garpMasterDelay = defaults.garpMasterDelay }
        if vrrp.$garpMasterRepeat.location == nil { vrrp.garpMasterRepeat = defaults.garpMasterRepeat }
        if vrrp.$garpMasterRefresh.location == nil { vrrp.garpMasterRefresh = defaults.garpMasterRefresh }
        if vrrp.$garpMasterRefreshRepeat.location == nil { vrrp.garpMasterRefreshRepeat = defaults.garpMasterRefreshRepeat }
        if vrrp.$garpLowerPriorityDelay.location == nil {
            vrrp.garpLowerPriorityDelay = defaults.garpLowerPriorityDelay ?? vrrp.garpMasterDelay
        }
        if strict {
            if vrrp.$garpLowerPriorityRepeat.location != nil && vrrp.garpLowerPriorityRepeat != 0 {
                error("Strict mode requires no repeat garps. resetting")
            }
            vrrp.garpLowerPriorityRepeat = 0
            if vrrp.$lowerPriorityNoAdvert.location != nil && !vrrp.lowerPriorityNoAdvert {
                error("Strict mode requires no lower priority advert. resetting")
            }
            vrrp.lowerPriorityNoAdvert = true
            if vrrp.higherPrioritySendAdvert {
                error("strict mode requires higher_prio_send_advert to be clear. resetting")
                vrrp.higherPrioritySendAdvert = false
            }
        } else {
            if vrrp.$garpLowerPriorityRepeat.location == nil {
                vrrp.garpLowerPriorityRepeat = defaults.garpLowerPriorityRepeat ?? vrrp.garpMasterRepeat
            }
            if vrrp.$lowerPriorityNoAdvert.location == nil { vrrp.lowerPriorityNoAdvert = defaults.lowerPriorityNoAdvert ?? false }
        }
        if vrrp.$higherPrioritySendAdvert.location == nil && !strict {
            vrrp.higherPrioritySendAdvert = defaults.higherPrioritySendAdvert
        }
    }

    /// An instance does not track its own interface; the address owner (priority 255) cannot
    /// have its priority changed, so weighted trackers are dropped.
    static func completeTracking(_ vrrp: inout VRRPInstance, error: (String) -> Void) {
        let own = vrrp.interface
        vrrp.tracking.interfaces.removeAll { tracked in
            guard tracked.name == own else { return false }
            error("Ignoring track_interface \(own) since own interface")
            return true
        }
        guard vrrp.priority == 255 else { return }
        vrrp.tracking.interfaces.removeAll { tracked in
            guard tracked.weight != 0 else { return false }
            error("ignoring \(tracked.name) tracked interface due to address owner")
            return true
        }
        vrrp.tracking.scripts.removeAll { tracked in
            guard tracked.weight != 0 else { return false }
            error("ignoring tracked script \(tracked.name) with weights due to address_owner")
            return true
        }
        vrrp.tracking.files.removeAll { tracked in
            guard tracked.weight != 0 else { return false }
            error("ignoring tracked file \(tracked.name) with weight \(tracked.weight) due to address_owner")
            return true
        }
    }

    static func isLinkLocal(_ address: IPAddress) -> Bool {
        if case .v6(let high, _) = address { return high >> 54 == 0x3fa }
        return false
    }

    /// `value` with `digits` decimals, as C's `%.Nf`.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        var fraction = String(scaled % Int(scale))
        while fraction.count < digits { fraction = "0" + fraction }
        return (value < 0 ? "-" : "") + (digits == 0 ? "\(whole)" : "\(whole).\(fraction)")
    }
}
