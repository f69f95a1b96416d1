/// `Sourced` for an optional setting that is seldom written (a real server's `notify_up` or
/// `delay_loop`, a checker's `bindto`): unset, it takes one word, where `Sourced` takes 16 to 32
/// bytes in each of the 10,000 real servers and checkers of a large configuration. A written value
/// is boxed. `$field` reads and writes the value with its location as a `Sourced`, so code that
/// sets (`$field.set(_:at:)`) or reads (`$field.location`) it is the same for both wrappers.
@propertyWrapper
public struct SparseSourced<Wrapped: Sendable>: Sendable {
    /// A written value and its location; never changed once made (a write makes a new box), so
    /// copies of a configuration share it safely.
    private final class Box: Sendable {
        let sourced: Sourced<Wrapped?>

        init(_ sourced: Sourced<Wrapped?>) {
            self.sourced = sourced
        }
    }

    private var box: Box?

    public init(wrappedValue: Wrapped?) {
        box = wrappedValue.map { Box(Sourced(wrappedValue: $0)) }
    }

    public var wrappedValue: Wrapped? {
        get { box?.sourced.wrappedValue ?? nil }
        // As `Sourced`: a plain write keeps the location.
        set { projectedValue.wrappedValue = newValue }
    }

    /// The value with its location (nil for a default or a derived value).
    public var projectedValue: Sourced<Wrapped?> {
        get { box?.sourced ?? Sourced(wrappedValue: nil) }
        set { box = newValue.wrappedValue == nil && newValue.location == nil ? nil : Box(newValue) }
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
