import ConfParser

/// A service with its destinations, in insertion order; indexed by destination key once it has
/// more than `indexThreshold` of them.
public struct IPVSServiceEntry: Sendable, Equatable {
    public var service: IPVSService
    public private(set) var destinations: [IPVSDestination] = []
    /// Positions by key, nil while a scan of `destinations` is as quick as hashing a key: a
    /// dictionary per service took 1.1 KB for 20 destinations (10,000 real servers: 0.5 MB).
    private var index: [IPVSDestinationKey: Int]?

    /// Services with more destinations than this are indexed by key.
    static let indexThreshold = 32

    public init(service: IPVSService, destinations: [IPVSDestination] = [], capacity: Int = 0) {
        self.service = service
        let capacity = max(capacity, destinations.count)
        if capacity > 0 { self.destinations.reserveCapacity(capacity) }
        for destination in destinations { upsert(destination) }
    }

    public func destination(_ key: IPVSDestinationKey) -> IPVSDestination? {
        position(of: key).map { destinations[$0] }
    }

    private func position(of key: IPVSDestinationKey) -> Int? {
        if let index { return index[key] }
        return destinations.firstIndex { $0.port == key.port && $0.address == key.address }
    }

    /// Adds the destination, or replaces the one with the same key; true when it was new.
    @discardableResult
    public mutating func upsert(_ destination: IPVSDestination) -> Bool {
        if let position = position(of: destination.key) {
            destinations[position] = destination
            return false
        }
        destinations.append(destination)
        if index != nil {
            index?[destination.key] = destinations.count - 1
        } else if destinations.count > Self.indexThreshold {
            index = Dictionary(uniqueKeysWithValues: destinations.enumerated().map { ($1.key, $0) })
        }
        return true
    }

    /// Adds the destination only when its key is not there yet; true when added.
    @discardableResult
    public mutating func insertIfAbsent(_ destination: IPVSDestination) -> Bool {
        guard position(of: destination.key) == nil else { return false }
        return upsert(destination)
    }

    @discardableResult
    public mutating func remove(_ key: IPVSDestinationKey) -> IPVSDestination? {
        guard let position = position(of: key) else { return nil }
        let removed = destinations.remove(at: position)
        if index != nil {
            index?.removeValue(forKey: key)
            for later in position..<destinations.count { index?[destinations[later].key] = later }
        }
        return removed
    }

    /// Makes room for `count` destinations in all (a service about to be filled).
    mutating func reserveCapacity(_ count: Int) {
        destinations.reserveCapacity(count)
    }

    /// Same service settings and the same set of destinations with the same settings (order and
    /// log annotations ignored).
    public static func == (lhs: IPVSServiceEntry, rhs: IPVSServiceEntry) -> Bool {
        guard lhs.service == rhs.service, lhs.destinations.count == rhs.destinations.count else { return false }
        return lhs.destinations.allSatisfy { rhs.destination($0.key) == $0 }
    }
}

/// The IPVS table: virtual services with their destinations (in order, indexed by key), and
/// optionally the connection timeouts and sync daemons.
///
/// In a desired table `timeouts` / `syncDaemons` nil mean "not managed"; a dump fills them in.
public struct IPVSTable: Sendable, Equatable {
    public private(set) var entries: [IPVSServiceEntry] = []
    private var index: [IPVSServiceKey: Int] = [:]
    public var timeouts: IPVSTimeouts?
    public var syncDaemons: [IPVSSyncDaemon]?

    public init(_ entries: [IPVSServiceEntry] = [], timeouts: IPVSTimeouts? = nil, syncDaemons: [IPVSSyncDaemon]? = nil) {
        self.timeouts = timeouts
        self.syncDaemons = syncDaemons
        for entry in entries { upsert(entry) }
    }

    public var services: [IPVSService] { entries.map(\.service) }
    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }
    public var destinationCount: Int { entries.reduce(0) { $0 + $1.destinations.count } }

    public func entry(_ key: IPVSServiceKey) -> IPVSServiceEntry? {
        index[key].map { entries[$0] }
    }

    public func contains(_ key: IPVSServiceKey) -> Bool { index[key] != nil }

    /// Adds or replaces the entry with the same service key.
    public mutating func upsert(_ entry: IPVSServiceEntry) {
        if let position = index[entry.service.key] {
            entries[position] = entry
        } else {
            index[entry.service.key] = entries.count
            entries.append(entry)
        }
    }

    /// Changes the entry in place; false when there is none.
    @discardableResult
    public mutating func modify(_ key: IPVSServiceKey, _ body: (inout IPVSServiceEntry) -> Void) -> Bool {
        guard let position = index[key] else { return false }
        body(&entries[position])
        return true
    }

    @discardableResult
    public mutating func remove(_ key: IPVSServiceKey) -> IPVSServiceEntry? {
        guard let position = index.removeValue(forKey: key) else { return nil }
        let removed = entries.remove(at: position)
        for later in position..<entries.count { index[entries[later].service.key] = later }
        return removed
    }

    public mutating func removeAll() {
        entries.removeAll()
        index.removeAll()
    }

    /// Same services and destinations (order ignored), same timeouts and sync daemons.
    public static func == (lhs: IPVSTable, rhs: IPVSTable) -> Bool {
        guard lhs.timeouts == rhs.timeouts, lhs.syncDaemons.map(Set.init) == rhs.syncDaemons.map(Set.init),
              lhs.entries.count == rhs.entries.count else { return false }
        return lhs.entries.allSatisfy { rhs.entry($0.service.key) == $0 }
    }
}

/// `lvs_timeouts`: IPVS connection timeouts in seconds (IPVS_CMD_SET_CONFIG); nil or 0 leaves a
/// value unchanged, as in the kernel.
public struct IPVSTimeouts: Sendable, Hashable {
    public var tcp: UInt32?
    public var tcpFin: UInt32?
    public var udp: UInt32?

    public init(tcp: UInt32? = nil, tcpFin: UInt32? = nil, udp: UInt32? = nil) {
        self.tcp = tcp
        self.tcpFin = tcpFin
        self.udp = udp
    }

    /// The kernel's defaults: tcp 900, tcpfin 120, udp 300.
    public static let kernelDefaults = IPVSTimeouts(tcp: 900, tcpFin: 120, udp: 300)

    public init(_ config: LVSTimeouts) {
        self.init(tcp: config.tcp.map { UInt32($0) }, tcpFin: config.tcpFin.map { UInt32($0) }, udp: config.udp.map { UInt32($0) })
    }

    /// The values of `self` that `current` does not already have (nil when nothing differs).
    public func changes(from current: IPVSTimeouts?) -> IPVSTimeouts? {
        func changed(_ wanted: UInt32?, _ have: UInt32?) -> UInt32? {
            guard let wanted, wanted != 0, wanted != have else { return nil }
            return wanted
        }
        let result = IPVSTimeouts(tcp: changed(tcp, current?.tcp), tcpFin: changed(tcpFin, current?.tcpFin),
                                  udp: changed(udp, current?.udp))
        return result == IPVSTimeouts() ? nil : result
    }

    /// `self` with the non-zero values of `update` applied (what IPVS_CMD_SET_CONFIG does).
    public func applying(_ update: IPVSTimeouts) -> IPVSTimeouts {
        func pick(_ new: UInt32?, _ old: UInt32?) -> UInt32? { (new ?? 0) != 0 ? new : old }
        return IPVSTimeouts(tcp: pick(update.tcp, tcp), tcpFin: pick(update.tcpFin, tcpFin), udp: pick(update.udp, udp))
    }
}

/// One kernel connection-sync daemon (IPVS_CMD_NEW_DAEMON): `lvs_sync_daemon`.
///
/// The optional values are kernel defaults when nil; a desired daemon with nil values is satisfied
/// by any running value.
public struct IPVSSyncDaemon: Sendable, Hashable, CustomStringConvertible {
    public enum Role: UInt32, Sendable, Hashable, CaseIterable {
        case master = 1
        case backup = 2
    }

    public var role: Role
    public var interface: String
    public var syncID: UInt32
    public var maxLength: UInt16?
    public var port: UInt16?
    public var ttl: UInt8?
    public var group: IPAddress?

    public init(role: Role, interface: String, syncID: UInt32, maxLength: UInt16? = nil, port: UInt16? = nil,
                ttl: UInt8? = nil, group: IPAddress? = nil) {
        self.role = role
        self.interface = interface
        self.syncID = syncID
        self.maxLength = maxLength
        self.port = port
        self.ttl = ttl
        self.group = group
    }

    /// True when `running` is this daemon as far as this one specifies it.
    public func isSatisfied(by running: IPVSSyncDaemon) -> Bool {
        func same<T: Equatable>(_ wanted: T?, _ have: T?) -> Bool { wanted == nil || wanted == have }
        return role == running.role && interface == running.interface && syncID == running.syncID
            && same(maxLength, running.maxLength) && same(port, running.port) && same(ttl, running.ttl) && same(group, running.group)
    }

    public var description: String {
        "\(role == .master ? "master" : "backup") sync daemon (mcast=\(interface), syncid=\(syncID))"
    }
}
