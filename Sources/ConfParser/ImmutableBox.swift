/// A value kept behind one reference and never changed once boxed: a write makes a new box, so
/// copies share it safely across threads. Seldom-written or large parts of values held by the
/// thousand (a real server's or a checker's extras, a `SparseSourced` setting, an IPVS service's
/// fields) take one word where they are held.
public final class ImmutableBox<Value: Sendable>: Sendable {
    public let value: Value

    public init(_ value: Value) {
        self.value = value
    }
}

extension ImmutableBox: Equatable where Value: Equatable {
    public static func == (lhs: ImmutableBox, rhs: ImmutableBox) -> Bool {
        lhs === rhs || lhs.value == rhs.value
    }
}
