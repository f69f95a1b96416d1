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

/// The box of a real server's extras: never changed once made (a write makes a new one), so
/// copies of a configuration share it safely.
final class RealServerExtrasBox: Sendable {
    let extras: RealServerExtras

    init(_ extras: RealServerExtras) {
        self.extras = extras
    }
}

extension RealServer {
    /// The seldom-written settings; `rs.extras.$notifyUp` reads and writes one with its location.
    public var extras: RealServerExtras {
        get { extrasBox?.extras ?? .none }
        set { extrasBox = RealServerExtrasBox(newValue) }
    }

    public var notifyUp: LVSScript? {
        get { extras.notifyUp }
        set { extras.notifyUp = newValue }
    }

    public var notifyDown: LVSScript? {
        get { extras.notifyDown }
        set { extras.notifyDown = newValue }
    }

    /// `uthreshold`: maximum number of connections.
    public var upperThreshold: UInt32? {
        get { extras.upperThreshold }
        set { extras.upperThreshold = newValue }
    }

    /// `lthreshold`: minimum number of connections.
    public var lowerThreshold: UInt32? {
        get { extras.lowerThreshold }
        set { extras.lowerThreshold = newValue }
    }

    public var smtpAlert: Bool? {
        get { extras.smtpAlert }
        set { extras.smtpAlert = newValue }
    }

    public var virtualhost: String? {
        get { extras.virtualhost }
        set { extras.virtualhost = newValue }
    }

    public var snmpName: String? {
        get { extras.snmpName }
        set { extras.snmpName = newValue }
    }

    public var delayLoop: Double? {
        get { extras.delayLoop }
        set { extras.delayLoop = newValue }
    }

    public var connectTimeout: Double? {
        get { extras.connectTimeout }
        set { extras.connectTimeout = newValue }
    }

    public var retry: Int? {
        get { extras.retry }
        set { extras.retry = newValue }
    }

    public var delayBeforeRetry: Double? {
        get { extras.delayBeforeRetry }
        set { extras.delayBeforeRetry = newValue }
    }

    public var warmup: Double? {
        get { extras.warmup }
        set { extras.warmup = newValue }
    }
}
