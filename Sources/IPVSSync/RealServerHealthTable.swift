/// What the health checkers say about each real server, laid out by virtual server and then real
/// server (`RealServerRef`): 8 bytes a real server.
///
/// A health snapshot is made anew at every health change and kept until the next; as a
/// dictionary it took 52 bytes a real server (10,000 real servers: 520 KB, and as many hashed
/// insertions per change). A weight is kept as an `Int32` (clamped), the range IPVS takes.
public struct RealServerHealthTable: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: RealServerRef, value: RealServerHealth)

    /// One real server's entry: no state (the defaults apply), down or up, and its weight.
    struct Entry: Sendable {
        static let none = Entry(state: 0, weight: 0)

        var state: UInt8
        var weight: Int32

        init(state: UInt8, weight: Int32) {
            self.state = state
            self.weight = weight
        }

        init(_ health: RealServerHealth) {
            self.init(state: health.alive ? 2 : 1, weight: Int32(clamping: health.weight))
        }

        var health: RealServerHealth? {
            state == 0 ? nil : RealServerHealth(alive: state == 2, weight: Int(weight))
        }
    }

    /// `rows[virtualServer][realServer]`; rows end at their last entry set so far.
    private var rows: [[Entry]] = []
    /// How many real servers have an entry.
    public private(set) var count = 0

    public init() {}

    public init(_ entries: some Sequence<Element>) {
        for (ref, health) in entries { self[ref] = health }
    }

    public init(_ dictionary: [RealServerRef: RealServerHealth]) {
        self.init(dictionary.lazy.map { (key: $0.key, value: $0.value) })
    }

    public init(dictionaryLiteral elements: (RealServerRef, RealServerHealth)...) {
        for (ref, health) in elements { self[ref] = health }
    }

    public var isEmpty: Bool { count == 0 }

    /// Room for `realServers` entries in the row of `virtualServer` (a snapshot of a whole
    /// configuration is filled one virtual server after the other).
    public mutating func reserve(_ realServers: Int, inVirtualServer virtualServer: Int) {
        growRows(to: virtualServer + 1)
        rows[virtualServer].reserveCapacity(realServers)
    }

    public subscript(ref: RealServerRef) -> RealServerHealth? {
        get {
            guard rows.indices.contains(ref.virtualServer), rows[ref.virtualServer].indices.contains(ref.realServer) else { return nil }
            return rows[ref.virtualServer][ref.realServer].health
        }
        set {
            guard ref.virtualServer >= 0, ref.realServer >= 0 else { return }
            let old = self[ref]
            guard let newValue else {
                if old != nil {
                    rows[ref.virtualServer][ref.realServer] = .none
                    count -= 1
                }
                return
            }
            growRows(to: ref.virtualServer + 1)
            if rows[ref.virtualServer].count <= ref.realServer {
                rows[ref.virtualServer].append(contentsOf: repeatElement(.none, count: ref.realServer + 1 - rows[ref.virtualServer].count))
            }
            rows[ref.virtualServer][ref.realServer] = Entry(newValue)
            if old == nil { count += 1 }
        }
    }

    /// Takes every entry of `other`, replacing those of the same real servers.
    public mutating func merge(_ other: RealServerHealthTable) {
        for (ref, health) in other { self[ref] = health }
    }

    /// The real servers with an entry, in order.
    public var keys: [RealServerRef] { map(\.key) }
    /// Their entries, in the same order.
    public var values: [RealServerHealth] { map(\.value) }

    public func makeIterator() -> some IteratorProtocol<Element> {
        rows.enumerated().lazy.flatMap { vsIndex, row in
            row.enumerated().lazy.compactMap { rsIndex, entry in
                entry.health.map { (key: RealServerRef(virtualServer: vsIndex, realServer: rsIndex), value: $0) }
            }
        }.makeIterator()
    }

    private mutating func growRows(to count: Int) {
        if rows.count < count { rows.append(contentsOf: repeatElement([], count: count - rows.count)) }
    }
}

extension RealServerHealthTable: Equatable {
    /// The same real servers with the same health, whatever room the rows have.
    public static func == (lhs: RealServerHealthTable, rhs: RealServerHealthTable) -> Bool {
        lhs.count == rhs.count && lhs.allSatisfy { rhs[$0.key] == $0.value }
    }
}
