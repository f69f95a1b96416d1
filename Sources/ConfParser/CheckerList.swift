/// The checkers of a real server, in configuration order.
///
/// Nearly every real server has exactly one checker, so one is kept inline: in an array of its own
/// it took a separate allocation, 40 bytes more per real server than the checker itself (10,000
/// real servers: 0.4 MB for the life of the daemon). Two or more are kept in an array.
public struct CheckerList: Sendable, Equatable, Encodable, RandomAccessCollection, MutableCollection,
    RangeReplaceableCollection, ExpressibleByArrayLiteral {
    private enum Storage: Sendable, Equatable {
        case one(Checker)
        /// None, or two and more.
        case many([Checker])
    }

    private var storage: Storage

    public init() {
        storage = .many([])
    }

    public init(arrayLiteral elements: Checker...) {
        self.init(elements)
    }

    public init(_ checkers: some Sequence<Checker>) {
        self.init()
        replaceSubrange(0..<0, with: Array(checkers))
    }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .one: return 1
        case .many(let checkers): return checkers.count
        }
    }

    public subscript(position: Int) -> Checker {
        get {
            switch storage {
            case .one(let checker):
                precondition(position == 0, "CheckerList index out of range")
                return checker
            case .many(let checkers):
                return checkers[position]
            }
        }
        _modify {
            switch storage {
            case .one(var checker):
                precondition(position == 0, "CheckerList index out of range")
                // Not referenced from `storage` while it is changed, so it is changed in place.
                storage = .many([])
                defer { storage = .one(checker) }
                yield &checker
            case .many(var checkers):
                storage = .many([])
                defer { storage = .many(checkers) }
                yield &checkers[position]
            }
        }
    }

    public mutating func replaceSubrange<Replacement: Collection<Checker>>(_ subrange: Range<Int>, with newElements: Replacement) {
        var checkers: [Checker]
        switch storage {
        case .one(let checker): checkers = [checker]
        case .many(let many): checkers = many
        }
        storage = .many([])
        checkers.replaceSubrange(subrange, with: newElements)
        storage = checkers.count == 1 ? .one(checkers[0]) : .many(checkers)
    }

    /// Encoded as an array, as when it was one.
    public func encode(to encoder: any Encoder) throws {
        try Array(self).encode(to: encoder)
    }
}
