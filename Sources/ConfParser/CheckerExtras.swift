/// The settings a checker seldom has. `Checker` keeps them together in one shared box that it makes
/// at the first write: a checker without any takes one word for all six, where a word each took 48
/// bytes (10,000 checkers: 0.5 MB, for the life of the daemon).
public struct CheckerExtras: Sendable, Equatable, Encodable {
    @SparseSourced public var bindTo: IPAddress? = nil
    @SparseSourced public var bindPort: UInt16? = nil
    @SparseSourced public var bindInterface: String? = nil
    /// `fwmark` to mark the checker's packets with.
    @SparseSourced public var fwmark: UInt32? = nil
    /// nil leaves it to global_defs `checker_log_all_failures`.
    @SparseSourced public var logAllFailures: Bool? = nil
    /// Keywords keepalived accepts here that keepalivedd keeps without acting on them.
    public var otherKeywords: [RecognisedKeyword] = []

    public init() {}

    /// What a checker without any of them reads.
    static let none = CheckerExtras()
}

extension Checker {
    /// The seldom-written settings; `checker.extras.$bindTo` reads and writes one with its location.
    public var extras: CheckerExtras {
        get { extrasBox?.value ?? .none }
        set { extrasBox = newValue == .none ? nil : ImmutableBox(newValue) }
    }

    /// Each extra as a property of the checker: `checker.bindTo`, `checker.fwmark = 3`, ...
    public subscript<Value>(dynamicMember path: WritableKeyPath<CheckerExtras, Value>) -> Value {
        get { extras[keyPath: path] }
        set { extras[keyPath: path] = newValue }
    }
}
