import ConfParser

/// A real server of the configuration: the index of its virtual_server in `Config.virtualServers`
/// and its own index in that server's `realServers`.
public struct RealServerRef: Hashable, Sendable, CustomStringConvertible {
    public var virtualServer: Int
    public var realServer: Int

    public init(virtualServer: Int, realServer: Int) {
        self.virtualServer = virtualServer
        self.realServer = realServer
    }

    public var description: String { "VS#\(virtualServer)/RS#\(realServer)" }

    /// One word into the hasher instead of two (every health snapshot is a dictionary of all the
    /// real servers, and the desired table looks each one up in it).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(virtualServer &<< 32 ^ realServer)
    }
}

/// What the health checkers say about one real server.
public struct RealServerHealth: Sendable, Hashable {
    public var alive: Bool
    /// The effective weight (checkers may change it); clamped to 0...Int32.max when used.
    public var weight: Int

    public init(alive: Bool, weight: Int) {
        self.alive = alive
        self.weight = weight
    }
}

/// The health state the desired table is computed from: per real server alive and weight, per
/// virtual server whether its quorum is held.
///
/// The defaults are keepalived's for real servers without checkers: every server alive at its
/// configured weight, quorum held while the alive weight reaches `quorum`.
public protocol HealthView: Sendable {
    func realServer(_ server: RealServer, at ref: RealServerRef) -> RealServerHealth
    /// `aliveWeight` is the sum of the alive servers' weights.
    func quorumHeld(_ server: VirtualServer, at index: Int, aliveWeight: Int) -> Bool
}

extension HealthView {
    public func realServer(_ server: RealServer, at ref: RealServerRef) -> RealServerHealth {
        RealServerHealth(alive: true, weight: server.weight)
    }

    public func quorumHeld(_ server: VirtualServer, at index: Int, aliveWeight: Int) -> Bool {
        aliveWeight >= server.quorum
    }
}

/// Every real server alive at its configured weight (keepalived with no checkers).
public struct AllAlive: HealthView {
    public init() {}
}

/// keepalived's state at start-up before any check has run: real servers with `alpha` and at
/// least one checker start down, the others up at their configured weight.
public struct StartupHealth: HealthView {
    public init() {}

    public func realServer(_ server: RealServer, at ref: RealServerRef) -> RealServerHealth {
        RealServerHealth(alive: !(server.alpha && !server.checkers.isEmpty), weight: server.weight)
    }
}

/// A snapshot of checker results: explicit states override the defaults of `HealthView`.
public struct HealthSnapshot: HealthView {
    public var realServers: RealServerHealthTable
    /// Quorum decided by the checker process (it applies hysteresis); missing = computed.
    public var quorum: [Int: Bool]
    /// How many health changes of its engine the snapshot includes (0 when not from an engine):
    /// a consumer that has applied revision R knows a snapshot of revision R brings nothing new.
    public var revision: Int

    public init(realServers: RealServerHealthTable = [:], quorum: [Int: Bool] = [:], revision: Int = 0) {
        self.realServers = realServers
        self.quorum = quorum
        self.revision = revision
    }

    public init(realServers: [RealServerRef: RealServerHealth], quorum: [Int: Bool] = [:], revision: Int = 0) {
        self.init(realServers: RealServerHealthTable(realServers), quorum: quorum, revision: revision)
    }

    /// This snapshot with the entries of `virtualServers` taken from `part` (a snapshot of those
    /// virtual servers alone); `previousCounts` gives how many real servers each had here.
    public func replacing(_ virtualServers: [Int], previousCounts: (Int) -> Int, with part: HealthSnapshot) -> HealthSnapshot {
        var patched = self
        for vsIndex in virtualServers {
            for rsIndex in 0..<previousCounts(vsIndex) {
                patched.realServers[RealServerRef(virtualServer: vsIndex, realServer: rsIndex)] = nil
            }
            patched.quorum[vsIndex] = nil
        }
        patched.realServers.merge(part.realServers)
        patched.quorum.merge(part.quorum) { _, new in new }
        patched.revision = part.revision
        return patched
    }

    public func realServer(_ server: RealServer, at ref: RealServerRef) -> RealServerHealth {
        realServers[ref] ?? RealServerHealth(alive: true, weight: server.weight)
    }

    public func quorumHeld(_ server: VirtualServer, at index: Int, aliveWeight: Int) -> Bool {
        quorum[index] ?? (aliveWeight >= server.quorum)
    }

    /// Marks a real server down (its weight kept).
    public mutating func setDown(_ ref: RealServerRef, weight: Int = 1) {
        realServers[ref] = RealServerHealth(alive: false, weight: weight)
    }
}

/// What the configuration owns in the IPVS table: every service it can produce and, per service,
/// every destination (real servers and sorry server), whatever the health. Entries outside it are
/// foreign and left alone unless flushing.
public struct IPVSOwnership: Sendable, Equatable {
    public var services: [IPVSServiceKey: Set<IPVSDestinationKey>]
    /// Whether the configuration manages the sync daemons (`lvs_sync_daemon`).
    public var syncDaemons: Bool
    /// keepalived's virtual server name where it is not the service's own (group services).
    public var virtualServerNames: [IPVSServiceKey: String]
    /// The sorry server of each service that has one (for "Removing sorry server" lines).
    public var sorryServers: [IPVSServiceKey: IPVSDestinationKey]
    /// keepalived's names of destinations where they are not their own (group services).
    public var destinationNames: [IPVSServiceKey: [IPVSDestinationKey: String]] = [:]

    public init(services: [IPVSServiceKey: Set<IPVSDestinationKey>] = [:], syncDaemons: Bool = false,
                virtualServerNames: [IPVSServiceKey: String] = [:], sorryServers: [IPVSServiceKey: IPVSDestinationKey] = [:]) {
        self.services = services
        self.syncDaemons = syncDaemons
        self.virtualServerNames = virtualServerNames
        self.sorryServers = sorryServers
    }

    /// A dumped service with the configuration's name for it.
    public func annotated(_ service: IPVSService) -> IPVSService {
        guard service.virtualServerName == nil, let name = virtualServerNames[service.key] else { return service }
        var named = service
        named.virtualServerName = name
        return named
    }

    /// A dumped destination marked as the sorry server when it is the service's.
    public func annotated(_ destination: IPVSDestination, in service: IPVSServiceKey) -> IPVSDestination {
        var marked = destination
        if sorryServers[service] == destination.key { marked.isSorryServer = true }
        if marked.logName == nil, let name = destinationNames[service]?[destination.key] { marked.logName = name }
        return marked
    }

    /// Nothing owned: every entry is foreign.
    public static let none = IPVSOwnership()

    public func owns(_ service: IPVSServiceKey) -> Bool { services[service] != nil }

    public func owns(_ destination: IPVSDestinationKey, in service: IPVSServiceKey) -> Bool {
        services[service]?.contains(destination) ?? false
    }

    /// Everything in `table` (e.g. a desired table used as the ownership rule).
    public init(_ table: IPVSTable) {
        var services: [IPVSServiceKey: Set<IPVSDestinationKey>] = [:]
        var names: [IPVSServiceKey: String] = [:]
        var sorry: [IPVSServiceKey: IPVSDestinationKey] = [:]
        for entry in table.entries {
            services[entry.service.key] = Set(entry.destinations.map(\.key))
            if let name = entry.service.virtualServerName { names[entry.service.key] = name }
            if let dest = entry.destinations.first(where: \.isSorryServer) { sorry[entry.service.key] = dest.key }
        }
        self.init(services: services, syncDaemons: table.syncDaemons != nil, virtualServerNames: names, sorryServers: sorry)
        for entry in table.entries where entry.destinations.contains(where: { $0.logName != nil }) {
            var named: [IPVSDestinationKey: String] = [:]
            for dest in entry.destinations { if let name = dest.logName { named[dest.key] = name } }
            destinationNames[entry.service.key] = named
        }
    }
}
