import VRRP

/// What the VRRP engine reports about one instance when `/metrics` is scraped.
///
/// Counters are absolute totals since the instance started; ``DaemonMetrics`` turns them into
/// Prometheus counter increases, so the engine never touches the registry per packet.
public struct VRRPMetricsSample: Sendable, Equatable {
    /// The `vrrp_instance` name.
    public var instance: String
    /// 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (see ``stateValue(_:)``).
    public var state: Int
    /// State changes since start.
    public var transitions: Int
    /// Adverts this instance sent.
    public var advertsSent: Int
    /// Adverts this instance accepted.
    public var advertsReceived: Int
    /// Packets dropped, by reason (for example `"auth"`, `"ttl"`, `"vrid"`), as totals.
    public var drops: [String: Int]

    /// Creates a sample; every counter is a total since the instance started.
    public init(
        instance: String, state: Int, transitions: Int = 0, advertsSent: Int = 0,
        advertsReceived: Int = 0, drops: [String: Int] = [:]
    ) {
        self.instance = instance
        self.state = state
        self.transitions = transitions
        self.advertsSent = advertsSent
        self.advertsReceived = advertsReceived
        self.drops = drops
    }

    /// The gauge value of a machine state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.
    public static func stateValue(_ state: VRRPMachineState) -> Int {
        switch state {
        case .initial: 0
        case .backup: 1
        case .master: 2
        case .fault: 3
        }
    }
}

/// What the health engine reports about one real server when `/metrics` is scraped.
public struct RealServerMetricsSample: Sendable, Equatable {
    /// The real server as shown in labels, for example `"10.0.0.2:80"`.
    public var realServer: String
    /// Whether the server is in service (all its checkers pass).
    public var up: Bool
    /// Its current weight (after `misc_dynamic` and similar adjustments).
    public var weight: Int

    /// Creates a sample.
    public init(realServer: String, up: Bool, weight: Int) {
        self.realServer = realServer
        self.up = up
        self.weight = weight
    }
}

/// What the health engine reports about one virtual server when `/metrics` is scraped.
public struct VirtualServerMetricsSample: Sendable, Equatable {
    /// The virtual server as shown in labels, for example `"192.168.1.10:80/TCP"`.
    public var virtualServer: String
    /// Whether the quorum is met (`quorum_up` state).
    public var quorumUp: Bool
    /// Its real servers.
    public var realServers: [RealServerMetricsSample]

    /// Creates a sample.
    public init(virtualServer: String, quorumUp: Bool, realServers: [RealServerMetricsSample]) {
        self.virtualServer = virtualServer
        self.quorumUp = quorumUp
        self.realServers = realServers
    }
}
