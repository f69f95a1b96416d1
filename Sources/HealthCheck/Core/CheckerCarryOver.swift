/// Which checkers a reload carried over (their state and schedule kept), from their id in the
/// previous configuration to their id in the new one. A probe in flight for an old id reports to
/// the new one; in-flight probes of checkers not carried over are dropped.
///
/// A reload in place keeps every checker under its id, so it names them without a dictionary of
/// 40,000 identical pairs.
public enum CheckerCarryOver: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// Every polling checker kept its id (these ids, in configuration order).
    case sameIDs([CheckerID])
    /// Checkers matched one by one: old id -> new id.
    case matched([CheckerID: CheckerID])

    public init(dictionaryLiteral elements: (CheckerID, CheckerID)...) {
        self = .matched(Dictionary(uniqueKeysWithValues: elements))
    }

    /// How many checkers were carried over.
    public var count: Int {
        switch self {
        case .sameIDs(let ids): ids.count
        case .matched(let pairs): pairs.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// The new id of a checker of the previous configuration, nil when it was not carried over.
    /// With `.sameIDs` the ids of the running checkers are asked for, and each is its own.
    public func newID(of old: CheckerID) -> CheckerID? {
        switch self {
        case .sameIDs: old
        case .matched(let pairs): pairs[old]
        }
    }

    /// Every pair, old id -> new id.
    public var pairs: [CheckerID: CheckerID] {
        switch self {
        case .sameIDs(let ids): Dictionary(uniqueKeysWithValues: ids.map { ($0, $0) })
        case .matched(let pairs): pairs
        }
    }

    /// The same pairs, however they are written down.
    public static func == (lhs: CheckerCarryOver, rhs: CheckerCarryOver) -> Bool {
        if case .sameIDs(let left) = lhs, case .sameIDs(let right) = rhs { return left == right }
        return lhs.pairs == rhs.pairs
    }
}
