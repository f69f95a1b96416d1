import ConfParser
import Foundation

/// The string form ("INIT", "BACKUP", "MASTER", "FAULT") in reports.
extension VRRPMachineState: Codable {}

/// One VRRP instance as `keepalivedd status` and keepalived's stats / JSON dumps show it.
public struct VRRPInstanceReport: Sendable, Hashable, Codable {
    public var name: String
    public var interface: String
    public var virtualRouterID: Int
    /// "IPv4" or "IPv6".
    public var family: String
    public var state: VRRPMachineState
    /// The state the instance is heading for (keepalived's `wantstate`).
    public var wantState: VRRPMachineState
    /// Priority after tracking (scripts, interfaces, files).
    public var effectivePriority: Int
    /// `priority` as configured.
    public var configuredPriority: Int
    /// The master's address as last seen in its adverts (our own source address when MASTER).
    public var masterAddress: String?
    /// The master's priority as last seen (our effective priority when MASTER).
    public var masterPriority: Int?
    /// Whether the virtual addresses are configured on the interfaces now.
    public var virtualAddressesSet: Bool
    /// Adverts, transitions and the last transition's time.
    public var traffic: VRRPTrafficCounters
    public var packetErrors: VRRPPacketErrorCounts
    public var authenticationErrors: VRRPAuthenticationErrorCounts

    public init(name: String, interface: String, virtualRouterID: Int, family: String,
                state: VRRPMachineState, wantState: VRRPMachineState, effectivePriority: Int,
                configuredPriority: Int, masterAddress: String?, masterPriority: Int?,
                virtualAddressesSet: Bool, traffic: VRRPTrafficCounters = VRRPTrafficCounters(),
                packetErrors: VRRPPacketErrorCounts = VRRPPacketErrorCounts(),
                authenticationErrors: VRRPAuthenticationErrorCounts = VRRPAuthenticationErrorCounts()) {
        self.name = name
        self.interface = interface
        self.virtualRouterID = virtualRouterID
        self.family = family
        self.state = state
        self.wantState = wantState
        self.effectivePriority = effectivePriority
        self.configuredPriority = configuredPriority
        self.masterAddress = masterAddress
        self.masterPriority = masterPriority
        self.virtualAddressesSet = virtualAddressesSet
        self.traffic = traffic
        self.packetErrors = packetErrors
        self.authenticationErrors = authenticationErrors
    }

    /// Wall-clock time of the last state change (nil before the first).
    public var lastTransition: Date? { traffic.lastTransition }
}

extension VRRPInstanceRunner {
    /// The report of this instance with `machine` (nil when its unit is not running) and its
    /// interface as last read.
    func report(machine: VRRPInstanceMachine?, interface: InterfaceInfo?) -> VRRPInstanceReport {
        let state = machine?.state ?? .initial
        let master: IPAddress?
        let masterPriority: Int?
        if state == .master {
            master = sourceAddress(interface: interface)
            masterPriority = machine?.effectivePriority
        } else {
            master = machine?.masterSource
            masterPriority = machine?.masterPriority
        }
        return VRRPInstanceReport(
            name: name, interface: instance.interface, virtualRouterID: instance.virtualRouterID,
            family: family.rawValue, state: state, wantState: machine?.wantState ?? state,
            effectivePriority: machine?.effectivePriority ?? instance.priority,
            configuredPriority: instance.priority, masterAddress: master.map { "\($0)" },
            masterPriority: masterPriority, virtualAddressesSet: machine?.virtualAddressesSet ?? false,
            traffic: traffic, packetErrors: VRRPPacketErrorCounts(drops),
            authenticationErrors: VRRPAuthenticationErrorCounts(drops))
    }
}

extension VRRPShell {
    /// Every instance's report, in configuration order (waits for the shell's queue; do not call
    /// from it).
    public func instanceReports() -> [VRRPInstanceReport] {
        queue.sync { instanceReportsOnQueue() }
    }

    func instanceReportsOnQueue() -> [VRRPInstanceReport] {
        config.vrrpInstances.compactMap { instance in
            guard let runner = runners[instance.name] else { return nil }
            return runner.report(machine: machine(named: instance.name), interface: interfaces[instance.interface])
        }
    }
}
