import ConfParser

/// An action of a sync group: one of a member's, or the group's own (`instance` nil: group log
/// lines, group notify scripts and the group's own state changes).
public struct VRRPGroupAction: Sendable, Equatable {
    public var instance: String?
    public var action: VRRPMachineAction

    public init(instance: String?, action: VRRPMachineAction) {
        self.instance = instance
        self.action = action
    }
}

/// A `vrrp_sync_group`: its members change state together (keepalived 2.x semantics).
///
/// A member whose down timer expires only becomes MASTER when every other member wants MASTER
/// too (or the group already is MASTER), and then drags the others along; a member going BACKUP or
/// FAULT drags the others to BACKUP or FAULT; the group leaves FAULT when no member has a fault.
public struct VRRPSyncGroupMachine: Sendable, Equatable {
    public let name: String
    public let notify: NotifyScripts
    public private(set) var members: [VRRPInstanceMachine]
    /// The group's state: BACKUP until every member agreed on MASTER, FAULT while any member has one.
    public private(set) var state: VRRPMachineState = .initial

    public init(name: String, notify: NotifyScripts = NotifyScripts(), members: [VRRPInstanceMachine]) {
        self.name = name
        self.notify = notify
        self.members = members
    }

    /// The group of a loaded configuration; `primaryAddresses` maps an instance name to its
    /// interface's primary address (see `VRRPMachineSettings.init(instance:config:primaryAddress:)`).
    public init(group: VRRPSyncGroup, config: Config, primaryAddresses: [String: IPAddress] = [:]) {
        let members = group.members.compactMap { member in
            config.vrrpInstances.first { $0.name == member.name }.map { instance in
                var settings = VRRPMachineSettings(instance: instance, config: config,
                                                   primaryAddress: primaryAddresses[instance.name])
                settings.syncGroup = group.name
                return VRRPInstanceMachine(settings: settings)
            }
        }
        self.init(name: group.name, notify: group.notify, members: members)
    }

    /// The member called `name`.
    public func member(named name: String) -> VRRPInstanceMachine? {
        members.first { $0.name == name }
    }

    /// When the shell must call `handle(.timer, at:)` next.
    public var nextDeadline: VRRPInstant? {
        members.compactMap(\.nextDeadline).min()
    }

    /// Handles one event. `.advert` goes to `instance` (required); `.timer` to every member that is
    /// due; anything else to `instance` when given, otherwise to every member.
    public mutating func handle(_ event: VRRPMachineEvent, instance: String? = nil, at now: VRRPInstant) -> [VRRPGroupAction] {
        var output: [VRRPGroupAction] = []
        var pending: [(Int, [VRRPMachineAction])] = []
        if event == .start && state == .initial {
            let allOwners = members.allSatisfy { $0.settings.isAddressOwner && $0.settings.initialState == .master }
            // keepalived runs the group's notifies (and sends its mail) for the state it starts in,
            // before its members'.
            let first: VRRPMachineState = allOwners ? .master : .backup
            take(first, &output)
            notifyEntered(first, &output)
        }
        let targets: [Int]
        switch event {
        case .timer:
            targets = members.indices.filter { index in members[index].nextDeadline.map { $0 <= now } ?? false }
        case .advert:
            targets = members.indices.filter { members[$0].name == instance }
        default:
            targets = instance.map { name in members.indices.filter { members[$0].name == name } } ?? Array(members.indices)
        }
        for index in targets {
            pending.append((index, deliver(event, to: index, at: now, &output)))
        }
        while !pending.isEmpty {
            let (index, actions) = pending.removeFirst()
            for action in actions {
                react(to: action, of: index, at: now, &output, &pending)
            }
        }
        if event == .stop && state != .initial {
            runNotifies(stateName: "STOP", script: notify.stop, &output)
            state = .initial
        }
        return output
    }

    private mutating func deliver(_ event: VRRPMachineEvent, to index: Int, at now: VRRPInstant,
                                  _ output: inout [VRRPGroupAction]) -> [VRRPMachineAction] {
        let actions = members[index].handle(event, at: now)
        output += actions.map { VRRPGroupAction(instance: members[index].name, action: $0) }
        return actions
    }

    private mutating func react(to action: VRRPMachineAction, of index: Int, at now: VRRPInstant,
                                _ output: inout [VRRPGroupAction], _ pending: inout [(Int, [VRRPMachineAction])]) {
        switch action {
        case .stateChanged(let from, .backup) where from == .master:
            guard state != .backup && state != .initial else { return }
            syncTo(.backup, command: .goBackup, except: index, at: now, &output, &pending) { $0 == .master }
        case .stateChanged(_, .fault):
            guard state != .fault && state != .initial else { return }
            syncTo(.fault, command: .goFault, except: index, at: now, &output, &pending) { $0 != .fault }
        case .stateChanged(_, .master):
            guard state != .master else { return }
            syncTo(.master, command: .goMaster, except: index, at: now, &output, &pending) { $0 != .master }
        case .syncRequest(.master):
            let othersReady = members.indices.allSatisfy { $0 == index || members[$0].wantState == .master }
            guard state == .master || othersReady else { return }
            pending.append((index, deliver(.sync(.goMaster), to: index, at: now, &output)))
        case .syncRequest(.leaveFault):
            guard members.allSatisfy({ $0.tracking.faultCount == 0 }) else { return }
            take(.backup, &output)
            for other in members.indices where members[other].state == .fault {
                pending.append((other, deliver(.sync(.leaveFault), to: other, at: now, &output)))
            }
            notifyEntered(.backup, &output)
        default:
            break
        }
    }

    /// keepalived's vrrp_sync_master / _backup / _fault: log, move the group, drag the others.
    private mutating func syncTo(_ target: VRRPMachineState, command: VRRPSyncCommand, except trigger: Int,
                                 at now: VRRPInstant, _ output: inout [VRRPGroupAction],
                                 _ pending: inout [(Int, [VRRPMachineAction])],
                                 needs: (VRRPMachineState) -> Bool) {
        output.append(VRRPGroupAction(instance: nil, action: .log(
            VRRPLogLine("VRRP_Group(\(name)) Syncing instances to \(target.rawValue) state"))))
        take(target, &output)
        for other in members.indices where other != trigger && needs(members[other].state) {
            pending.append((other, deliver(.sync(command), to: other, at: now, &output)))
        }
        notifyEntered(target, &output)
    }

    /// The group's own state change (the shell mails it); its notifies follow the members'.
    private mutating func take(_ target: VRRPMachineState, _ output: inout [VRRPGroupAction]) {
        output.append(VRRPGroupAction(instance: nil, action: .syncGroupStateChanged(group: name, from: state, to: target)))
        state = target
    }

    /// The group's notify_master / notify_backup / notify_fault for the state it entered, then `notify`.
    private func notifyEntered(_ target: VRRPMachineState, _ output: inout [VRRPGroupAction]) {
        let script: NotifyScript? = switch target {
        case .master: notify.master
        case .backup: notify.backup
        case .fault: notify.fault
        case .initial: nil
        }
        runNotifies(stateName: target.rawValue, script: script, &output)
    }

    /// The group's own script, then `notify` with `GROUP NAME STATE 0`.
    private func runNotifies(stateName: String, script: NotifyScript?, _ output: inout [VRRPGroupAction]) {
        if let script { output.append(VRRPGroupAction(instance: nil, action: .notify(VRRPNotifyRun(script: script)))) }
        if let any = notify.any {
            output.append(VRRPGroupAction(instance: nil, action: .notify(
                VRRPNotifyRun(script: any, arguments: ["GROUP", name, stateName, "0"]))))
        }
    }
}
