import ConfParser

/// One VRRP instance's RFC 3768 / 5798 state machine, as a value (keepalived 2.x semantics).
///
/// Feed it events with the instant they happened; it answers with the actions to carry out, in
/// order. Call `handle(.timer, at:)` at or after `nextDeadline`. Members of a sync group ask their
/// group (`VRRPSyncGroupMachine`) before becoming MASTER or leaving FAULT.
public struct VRRPInstanceMachine: Sendable, Equatable {
    public let settings: VRRPMachineSettings
    public internal(set) var state: VRRPMachineState = .initial
    /// The state the instance is heading for (keepalived's `wantstate`).
    public internal(set) var wantState: VRRPMachineState = .initial
    /// The configured priority (lowered to 254 on an address-owner conflict).
    public internal(set) var basePriority: Int
    /// The priority after tracking weights, the one advertised and compared.
    public internal(set) var effectivePriority: Int
    /// Master_Adver_Interval in microseconds (v3 backups learn it from the master's adverts).
    public internal(set) var masterAdvertInterval: Int64
    /// The down timer armed last (keepalived's `ms_down_timer`), in microseconds.
    public internal(set) var masterDownTimer: Int64 = 0
    /// When the state timer fires: the master down timer in BACKUP, the next advert in MASTER.
    public internal(set) var stateDeadline: VRRPInstant?
    /// While a lower-priority master is tolerated (preempt_delay running).
    public internal(set) var preemptUntil: VRRPInstant?
    /// Whether our virtual addresses are configured.
    public internal(set) var virtualAddressesSet = false
    public internal(set) var tracking: VRRPTrackState
    public internal(set) var gratuitous: VRRPGratuitousSchedule
    /// The last master heard from, while BACKUP.
    public internal(set) var masterSource: IPAddress?
    public internal(set) var masterPriority: Int?
    /// Set by `.stop`: the machine ignores everything after it.
    public internal(set) var stopped = false

    public init(settings: VRRPMachineSettings) {
        self.settings = settings
        basePriority = settings.priority
        effectivePriority = settings.priority
        masterAdvertInterval = settings.advertInterval
        tracking = VRRPTrackState(settings: settings)
        gratuitous = VRRPGratuitousSchedule(settings: settings.gratuitous)
        effectivePriority = computedPriority()
    }

    public var name: String { settings.name }

    /// When the shell must call `handle(.timer, at:)` next; nil when nothing is pending.
    public var nextDeadline: VRRPInstant? {
        guard !stopped else { return nil }
        return [stateDeadline, gratuitous.nextDeadline].compactMap { $0 }.min()
    }

    /// Skew_Time for the current effective priority and Master_Adver_Interval, in microseconds.
    public var skewTime: Int64 {
        VRRPTimers.skew(priority: effectivePriority, masterAdvertInterval: masterAdvertInterval, version: settings.version)
    }

    /// Master_Down_Interval for the current effective priority and Master_Adver_Interval.
    public var masterDownInterval: Int64 {
        Int64(settings.downTimerAdverts) * masterAdvertInterval + skewTime
    }

    var isSyncMember: Bool { settings.syncGroup != nil }

    /// Handles one event that happened at `now`; returns what to do, in order.
    public mutating func handle(_ event: VRRPMachineEvent, at now: VRRPInstant) -> [VRRPMachineAction] {
        var actions: [VRRPMachineAction] = []
        guard !stopped else { return actions }
        switch event {
        case .start:
            start(at: now, &actions)
        case .advert(let advert):
            if state == .backup {
                backupReceived(advert, at: now, &actions)
            } else if state == .master {
                masterReceived(advert, at: now, &actions)
            }
        case .timer:
            timerFired(at: now, &actions)
        case .interface(let name, let up):
            if tracking.setInterface(name, up: up) { trackingChanged(at: now, &actions) }
        case .trackedScript(let name, let up):
            if tracking.setScript(name, up: up) { trackingChanged(at: now, &actions) }
        case .trackedFile(let name, let value):
            if tracking.setFile(name, value: value) { trackingChanged(at: now, &actions) }
        case .stop:
            stop(&actions)
        case .sync(let command):
            sync(command, at: now, &actions)
        }
        return actions
    }

    // MARK: Start, timers, stop

    private mutating func start(at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        guard state == .initial else { return }
        masterAdvertInterval = settings.advertInterval
        if tracking.faultCount > 0 {
            removeVirtualAddresses(force: true, &actions)
            log("Entering FAULT STATE", &actions)
            changeState(to: .fault, &actions)
            stateDeadline = nil
        } else if settings.isAddressOwner && settings.initialState == .master {
            // keepalived becomes master by timing out of BACKUP after 1us, without a BACKUP transition.
            state = .backup
            wantState = .master
            masterDownTimer = 1
            stateDeadline = now.adding(microseconds: 1)
        } else {
            removeVirtualAddresses(force: true, &actions)
            log("Entering BACKUP STATE (init)", &actions)
            changeState(to: .backup, &actions)
            armDownTimer(masterDownInterval, at: now)
        }
    }

    private mutating func timerFired(at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        for burst in gratuitous.takeDue(at: now) { sendGratuitous(burst, &actions) }
        guard let deadline = stateDeadline, deadline <= now else { return }
        switch state {
        case .backup:
            log("Receive advertisement timeout", detail: true, &actions)
            gotoMaster(at: now, &actions)
        case .master:
            actions.append(.sendAdvert(priority: effectivePriority))
            sendGratuitous(gratuitous.advertSent(at: now), &actions)
            stateDeadline = now.adding(microseconds: settings.advertInterval)
        case .initial, .fault:
            stateDeadline = nil
        }
    }

    private mutating func stop(_ actions: inout [VRRPMachineAction]) {
        if state == .master {
            actions.append(.sendAdvert(priority: 0))
            log("sent 0 priority", detail: true, &actions)
        }
        removeVirtualAddresses(force: false, &actions)
        gratuitous.cancel()
        runNotifies(stateName: "STOP", script: settings.notify.stop, &actions)
        let previous = state
        state = .initial
        wantState = .initial
        stateDeadline = nil
        stopped = true
        if previous != .initial { actions.append(.stateChanged(from: previous, to: .initial)) }
    }

    // MARK: Sync group commands

    private mutating func sync(_ command: VRRPSyncCommand, at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        switch command {
        case .goMaster:
            if state == .backup { becomeMaster(at: now, &actions) }
        case .goBackup:
            if state == .master { leaveMaster(for: .backup, at: now, &actions) }
        case .goFault:
            if state == .master {
                leaveMaster(for: .fault, at: now, &actions)
            } else if state == .backup {
                enterFault(&actions)
            }
        case .leaveFault:
            if state == .fault && tracking.faultCount == 0 { leaveFault(at: now, &actions) }
        }
    }

    // MARK: Helpers shared by the transitions

    mutating func armDownTimer(_ timer: Int64, at now: VRRPInstant) {
        masterDownTimer = timer
        stateDeadline = now.adding(microseconds: timer)
    }

    func log(_ text: String, detail: Bool = false, _ actions: inout [VRRPMachineAction]) {
        actions.append(.log(VRRPLogLine("(\(settings.name)) \(text)", detailOnly: detail)))
    }

    /// The effective priority keepalived derives: the owner keeps 255, others are clamped to 1...254.
    func computedPriority() -> Int {
        guard basePriority != 255 else { return basePriority }
        return min(max(basePriority + tracking.priorityAdjustment, 1), 254)
    }
}
