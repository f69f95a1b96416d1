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

/// A value per real server of a configuration (nil: none), stored by the server's position.
struct ServerTable<Value: Sendable>: Sendable {
    let layout: CheckerLayout
    private var values: [Value?]

    init(layout: CheckerLayout) {
        self.layout = layout
        values = Array(repeating: nil, count: layout.serverCount)
    }

    /// The value of a real server. Setting one for a server the layout does not have does nothing.
    subscript(ref: RealServerRef) -> Value? {
        get { layout.position(of: ref).flatMap { values[$0] } }
        _modify {
            if let position = layout.position(of: ref) {
                yield &values[position]
            } else {
                var ignored: Value?
                yield &ignored
            }
        }
    }

    /// Every real server with a value, in configuration order.
    func forEach(_ body: (RealServerRef, Value) throws -> Void) rethrows {
        try layout.forEachServer { ref, position in
            if let value = values[position] { try body(ref, value) }
        }
    }
}

/// A value per checker of a configuration (nil: none), stored by the checker's position.
struct CheckerTable<Value: Sendable>: Sendable {
    let layout: CheckerLayout
    private var values: [Value?]

    init(layout: CheckerLayout) {
        self.layout = layout
        values = Array(repeating: nil, count: layout.checkerCount)
    }

    /// The value of a checker. Setting one for a checker the layout does not have does nothing.
    subscript(id: CheckerID) -> Value? {
        get { layout.position(of: id).flatMap { values[$0] } }
        _modify {
            if let position = layout.position(of: id) {
                yield &values[position]
            } else {
                var ignored: Value?
                yield &ignored
            }
        }
    }

    /// The checkers of a real server that have a value, in order.
    func ids(of ref: RealServerRef) -> [CheckerID] {
        let positions = layout.checkerPositions(of: ref)
        return positions.compactMap { values[$0] == nil ? nil : CheckerID(realServer: ref, index: $0 - positions.lowerBound) }
    }

    /// Whether every checker of a real server with a value satisfies `predicate`.
    func allOf(_ ref: RealServerRef, _ predicate: (Value) -> Bool) -> Bool {
        layout.checkerPositions(of: ref).allSatisfy { values[$0].map(predicate) ?? true }
    }

    /// Whether some checker of a real server with a value satisfies `predicate`.
    func anyOf(_ ref: RealServerRef, _ predicate: (Value) -> Bool) -> Bool {
        layout.checkerPositions(of: ref).contains { values[$0].map(predicate) ?? false }
    }

    /// Drops every value (the layout stays).
    mutating func removeAll() {
        values = Array(repeating: nil, count: layout.checkerCount)
    }
}
