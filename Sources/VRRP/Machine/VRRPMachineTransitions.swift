import ConfParser

/// State transitions of `VRRPInstanceMachine`: MASTER, BACKUP, FAULT and the tracking that drives them.
extension VRRPInstanceMachine {
    /// The down timer expired (or the owner starts): become MASTER, or ask the sync group first.
    mutating func gotoMaster(at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        wantState = .master
        if isSyncMember {
            // keepalived re-arms the down timer while the group is not ready.
            armDownTimer(masterDownInterval, at: now)
            actions.append(.syncRequest(.master))
            return
        }
        becomeMaster(at: now, &actions)
    }

    /// Advert first (so the old master drops the addresses), then the addresses, GARPs and notifies.
    mutating func becomeMaster(at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        wantState = .master
        stateDeadline = now.adding(microseconds: settings.advertInterval)
        actions.append(.sendAdvert(priority: effectivePriority))
        log("Entering MASTER STATE", &actions)
        if settings.version == 3 && masterAdvertInterval != settings.advertInterval {
            log("changing advert interval from \(masterAdvertInterval / 1000)ms to locally configured "
                + "\(settings.advertInterval / 1000)ms", detail: true, &actions)
        }
        masterAdvertInterval = settings.advertInterval
        actions.append(.addVirtualAddresses)
        log("setting VIPs.", &actions)
        virtualAddressesSet = true
        sendGratuitous(gratuitous.becameMaster(at: now), &actions)
        changeState(to: .master, &actions)
    }

    /// MASTER to BACKUP (a better master) or FAULT (a failure; a priority 0 advert goes out first).
    mutating func leaveMaster(for target: VRRPMachineState, at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        if target == .backup {
            log("Entering BACKUP STATE", &actions)
            preemptUntil = nil
        } else {
            log("Entering FAULT STATE", &actions)
            actions.append(.sendAdvert(priority: 0))
        }
        removeVirtualAddresses(force: false, &actions)
        gratuitous.cancel()
        changeState(to: target, &actions)
        if target == .backup {
            armDownTimer(masterDownInterval, at: now)
        } else {
            masterAdvertInterval = settings.advertInterval
            stateDeadline = nil
        }
    }

    /// BACKUP to FAULT.
    mutating func enterFault(_ actions: inout [VRRPMachineAction]) {
        log("Entering FAULT STATE", &actions)
        changeState(to: .fault, &actions)
        masterAdvertInterval = settings.advertInterval
        stateDeadline = nil
    }

    /// FAULT to BACKUP, with a fresh down timer (1us for an address owner configured MASTER).
    mutating func leaveFault(at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        log("Entering BACKUP STATE", &actions)
        preemptUntil = nil
        masterAdvertInterval = settings.advertInterval
        changeState(to: .backup, &actions)
        if settings.isAddressOwner && settings.initialState == .master {
            armDownTimer(1, at: now)
        } else {
            armDownTimer(masterDownInterval, at: now)
        }
    }

    /// A tracked object changed: adjust the effective priority, then enter or leave FAULT.
    mutating func trackingChanged(at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        let priority = computedPriority()
        if priority != effectivePriority {
            if state != .initial {
                log("Changing effective priority from \(effectivePriority) to \(priority)", &actions)
            }
            effectivePriority = priority
        }
        guard state != .initial else { return }
        let faults = tracking.faultCount
        if faults > 0 {
            if state == .master {
                leaveMaster(for: .fault, at: now, &actions)
            } else if state == .backup {
                enterFault(&actions)
            }
        } else if state == .fault {
            if isSyncMember {
                actions.append(.syncRequest(.leaveFault))
            } else {
                leaveFault(at: now, &actions)
            }
        }
    }

    /// Sets the state, runs the notify scripts and reports the change.
    mutating func changeState(to target: VRRPMachineState, _ actions: inout [VRRPMachineAction]) {
        let previous = state
        state = target
        wantState = target
        let script: NotifyScript? = switch target {
        case .master: settings.notify.master
        case .backup: settings.notify.backup
        case .fault: settings.notify.fault
        case .initial: nil
        }
        runNotifies(stateName: target.rawValue, script: script, &actions)
        if previous != target { actions.append(.stateChanged(from: previous, to: target)) }
    }

    /// The state's own script, then `notify` with `INSTANCE NAME STATE PRIORITY`.
    func runNotifies(stateName: String, script: NotifyScript?, _ actions: inout [VRRPMachineAction]) {
        if let script { actions.append(.notify(VRRPNotifyRun(script: script))) }
        if let any = settings.notify.any {
            actions.append(.notify(VRRPNotifyRun(
                script: any, arguments: ["INSTANCE", settings.name, stateName, String(effectivePriority)])))
        }
    }

    /// Removes the addresses when they are set (or, `force`, at start in case an earlier run left them).
    mutating func removeVirtualAddresses(force: Bool, _ actions: inout [VRRPMachineAction]) {
        guard virtualAddressesSet || force else { return }
        actions.append(.removeVirtualAddresses)
        log("removing VIPs.", &actions)
        virtualAddressesSet = false
    }

    /// One burst of `count` rounds, with keepalived's -D line per address.
    func sendGratuitous(_ count: Int, _ actions: inout [VRRPMachineAction]) {
        guard count > 0, virtualAddressesSet else { return }
        for target in settings.gratuitousTargets {
            let kind = target.address.isIPv6 ? "Unsolicited Neighbour Adverts" : "gratuitous ARPs"
            log("Sending/queueing \(kind) on \(target.interface) for \(target.address)", detail: true, &actions)
        }
        actions.append(.sendGratuitous(count: count))
    }
}
