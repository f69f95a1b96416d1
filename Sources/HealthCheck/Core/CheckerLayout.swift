import ConfParser
import IPVSSync

/// Dense positions of the real servers and checkers of a configuration, in configuration order.
/// The core and the engine keep their per-server and per-checker state in arrays indexed by these
/// positions (`ServerTable`, `CheckerTable`): at 10,000 real servers, dictionaries keyed by
/// `RealServerRef` and `CheckerID` took several megabytes of buckets and a hash per lookup.
struct CheckerLayout: Sendable, Equatable {
    /// Per virtual server, the position of its first real server; one more entry ends the last.
    private var serverStarts: [Int32]
    /// Per real server (by position), the position of its first checker; one more ends the last.
    private var checkerStarts: [Int32]

    init(_ virtualServers: [VirtualServer]) {
        serverStarts = [0]
        serverStarts.reserveCapacity(virtualServers.count + 1)
        var serverCount = 0
        for vs in virtualServers {
            serverCount += vs.realServers.count
            serverStarts.append(Int32(serverCount))
        }
        checkerStarts = [0]
        checkerStarts.reserveCapacity(serverCount + 1)
        var checkerCount = 0
        for vs in virtualServers {
            for rs in vs.realServers {
                checkerCount += rs.checkers.count
                checkerStarts.append(Int32(checkerCount))
            }
        }
    }

    /// How many virtual servers, real servers and checkers the configuration has.
    var virtualServerCount: Int { serverStarts.count - 1 }
    var serverCount: Int { Int(serverStarts[serverStarts.count - 1]) }
    var checkerCount: Int { Int(checkerStarts[checkerStarts.count - 1]) }

    /// The positions of a virtual server's real servers (empty for an unknown one).
    func serverPositions(ofVirtualServer index: Int) -> Range<Int> {
        guard index >= 0, index < virtualServerCount else { return 0..<0 }
        return Int(serverStarts[index])..<Int(serverStarts[index + 1])
    }

    /// The position of a real server; nil for one the configuration does not have.
    func position(of ref: RealServerRef) -> Int? {
        let servers = serverPositions(ofVirtualServer: ref.virtualServer)
        guard ref.realServer >= 0, ref.realServer < servers.count else { return nil }
        return servers.lowerBound + ref.realServer
    }

    /// The positions of a real server's checkers (empty for an unknown server).
    func checkerPositions(of ref: RealServerRef) -> Range<Int> {
        guard let server = position(of: ref) else { return 0..<0 }
        return Int(checkerStarts[server])..<Int(checkerStarts[server + 1])
    }

    /// The position of a checker; nil for one the configuration does not have.
    func position(of id: CheckerID) -> Int? {
        let checkers = checkerPositions(of: id.realServer)
        guard id.index >= 0, id.index < checkers.count else { return nil }
        return checkers.lowerBound + id.index
    }

    /// Every real server, in configuration order.
    func forEachServer(_ body: (RealServerRef, _ position: Int) throws -> Void) rethrows {
        for vsIndex in 0..<virtualServerCount {
            let servers = serverPositions(ofVirtualServer: vsIndex)
            for position in servers {
                try body(RealServerRef(virtualServer: vsIndex, realServer: position - servers.lowerBound), position)
            }
        }
    }
}

/// A key of a `PositionTable`: a real server or a checker, placed by a `CheckerLayout`.
protocol LayoutKey: Sendable {
    /// The key's position in `layout`; nil for one the configuration does not have.
    func position(in layout: CheckerLayout) -> Int?
    /// How many positions `layout` has for this kind of key.
    static func count(in layout: CheckerLayout) -> Int
}

extension RealServerRef: LayoutKey {
    func position(in layout: CheckerLayout) -> Int? { layout.position(of: self) }
    static func count(in layout: CheckerLayout) -> Int { layout.serverCount }
}

extension CheckerID: LayoutKey {
    func position(in layout: CheckerLayout) -> Int? { layout.position(of: self) }
    static func count(in layout: CheckerLayout) -> Int { layout.checkerCount }
}

/// A value per real server or per checker of a configuration (nil: none), stored by its position.
struct PositionTable<Key: LayoutKey, Value: Sendable>: Sendable {
    let layout: CheckerLayout
    private var values: [Value?]

    init(layout: CheckerLayout) {
        self.layout = layout
        values = Array(repeating: nil, count: Key.count(in: layout))
    }

    /// The value of a key. Setting one for a key the layout does not have does nothing.
    subscript(key: Key) -> Value? {
        get { key.position(in: layout).flatMap { values[$0] } }
        _modify {
            if let position = key.position(in: layout) {
                yield &values[position]
            } else {
                var ignored: Value?
                yield &ignored
            }
        }
    }

    /// The value at a position of the layout.
    fileprivate subscript(position position: Int) -> Value? { values[position] }
}

/// A value per real server of a configuration.
typealias ServerTable<Value: Sendable> = PositionTable<RealServerRef, Value>
/// A value per checker of a configuration.
typealias CheckerTable<Value: Sendable> = PositionTable<CheckerID, Value>

extension PositionTable where Key == RealServerRef {
    /// Every real server with a value, in configuration order.
    func forEach(_ body: (RealServerRef, Value) throws -> Void) rethrows {
        try layout.forEachServer { ref, position in
            if let value = self[position: position] { try body(ref, value) }
        }
    }
}

extension PositionTable where Key == CheckerID {
    /// The checkers of a real server that have a value, in order.
    func ids(of ref: RealServerRef) -> [CheckerID] {
        let positions = layout.checkerPositions(of: ref)
        return positions.compactMap { self[position: $0] == nil ? nil : CheckerID(realServer: ref, index: $0 - positions.lowerBound) }
    }

    /// Whether every checker of a real server with a value satisfies `predicate`.
    func allOf(_ ref: RealServerRef, _ predicate: (Value) -> Bool) -> Bool {
        layout.checkerPositions(of: ref).allSatisfy { self[position: $0].map(predicate) ?? true }
    }

    /// Whether some checker of a real server with a value satisfies `predicate`.
    func anyOf(_ ref: RealServerRef, _ predicate: (Value) -> Bool) -> Bool {
        layout.checkerPositions(of: ref).contains { self[position: $0].map(predicate) ?? false }
    }
}
