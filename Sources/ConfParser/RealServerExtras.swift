/// The settings a real server seldom has. `RealServer` keeps them together in one shared box that
/// it makes at the first write: a real server without any takes one word for all twelve, where a
/// word each (`SparseSourced`) took 96 bytes (10,000 real servers: 0.9 MB).
public struct RealServerExtras: Sendable, Encodable {
    @Sourced public var notifyUp: LVSScript? = nil
    @Sourced public var notifyDown: LVSScript? = nil
    /// `uthreshold`: maximum number of connections.
    @Sourced public var upperThreshold: UInt32? = nil
    /// `lthreshold`: minimum number of connections.
    @Sourced public var lowerThreshold: UInt32? = nil
    @Sourced public var smtpAlert: Bool? = nil
    @Sourced public var virtualhost: String? = nil
    @Sourced public var snmpName: String? = nil

    /// Checker defaults written on the real server (resolved into each `Checker`).
    @Sourced public var delayLoop: Double? = nil
    @Sourced public var connectTimeout: Double? = nil
    @Sourced public var retry: Int? = nil
    @Sourced public var delayBeforeRetry: Double? = nil
    @Sourced public var warmup: Double? = nil

    public init() {}

    /// What a real server without any of them reads.
    static let none = RealServerExtras()
}

extension RealServer {
    /// The seldom-written settings; `rs.extras.$notifyUp` reads and writes one with its location.
    public var extras: RealServerExtras {
        get { extrasBox?.value ?? .none }
        set { extrasBox = ImmutableBox(newValue) }
    }

    /// Each extra as a property of the real server: `rs.notifyUp`, `rs.upperThreshold = 100`, ...
    public subscript<Value>(dynamicMember path: WritableKeyPath<RealServerExtras, Value>) -> Value {
        get { extras[keyPath: path] }
        set { extras[keyPath: path] = newValue }
    }
}
