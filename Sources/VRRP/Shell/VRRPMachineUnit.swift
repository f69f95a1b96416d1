import ConfParser

/// What the shell drives with one event: a lone instance machine or a whole sync group.
enum VRRPMachineUnit: Sendable, Equatable {
    case single(VRRPInstanceMachine)
    case group(VRRPSyncGroupMachine)

    /// The instances this unit holds.
    var memberNames: [String] {
        switch self {
        case .single(let machine): [machine.name]
        case .group(let group): group.members.map(\.name)
        }
    }

    /// The machine of `name`, if it is in this unit.
    func machine(named name: String) -> VRRPInstanceMachine? {
        switch self {
        case .single(let machine): machine.name == name ? machine : nil
        case .group(let group): group.member(named: name)
        }
    }

    var nextDeadline: VRRPInstant? {
        switch self {
        case .single(let machine): machine.nextDeadline
        case .group(let group): group.nextDeadline
        }
    }

    /// Feeds `event` (to `instance` only when given) and returns the actions tagged with the
    /// instance they belong to (nil: the sync group's own log lines and scripts).
    mutating func handle(_ event: VRRPMachineEvent, instance: String?, at now: VRRPInstant) -> [VRRPGroupAction] {
        switch self {
        case .single(var machine):
            if let instance, instance != machine.name { return [] }
            let actions = machine.handle(event, at: now)
            self = .single(machine)
            return actions.map { VRRPGroupAction(instance: machine.name, action: $0) }
        case .group(var group):
            let actions = group.handle(event, instance: instance, at: now)
            self = .group(group)
            return actions
        }
    }
}
