/// `Sourced` for an optional setting that is seldom written (a real server's `notify_up` or
/// `delay_loop`, a checker's `bindto`): unset, it takes one word, where `Sourced` takes 16 to 32
/// bytes in each of the 10,000 real servers and checkers of a large configuration. A written value
/// is boxed. `$field` reads and writes the value with its location as a `Sourced`, so code that
/// sets (`$field.set(_:at:)`) or reads (`$field.location`) it is the same for both wrappers.
@propertyWrapper
public struct SparseSourced<Wrapped: Sendable>: Sendable {
    /// A written value and its location (shared by copies of a configuration).
    private var box: ImmutableBox<Sourced<Wrapped?>>?

    public init(wrappedValue: Wrapped?) {
        box = wrappedValue.map { ImmutableBox(Sourced(wrappedValue: $0)) }
    }

    public var wrappedValue: Wrapped? {
        get { box?.value.wrappedValue ?? nil }
        // As `Sourced`: a plain write keeps the location.
        set { projectedValue.wrappedValue = newValue }
    }

    /// The value with its location (nil for a default or a derived value).
    public var projectedValue: Sourced<Wrapped?> {
        get { box?.value ?? Sourced(wrappedValue: nil) }
        set { box = newValue.wrappedValue == nil && newValue.location == nil ? nil : ImmutableBox(newValue) }
    }
}

extension SparseSourced: Equatable where Wrapped: Equatable {
    public static func == (lhs: SparseSourced, rhs: SparseSourced) -> Bool {
        lhs.box === rhs.box || lhs.projectedValue == rhs.projectedValue
    }
}

extension SparseSourced: Encodable where Wrapped: Encodable {
    public func encode(to encoder: any Encoder) throws {
        try wrappedValue.encode(to: encoder)
    }
}
