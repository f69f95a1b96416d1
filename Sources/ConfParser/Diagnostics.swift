/// How serious a configuration diagnostic is, which decides `keepalivedd -t`'s exit status.
public enum Severity: Int, Comparable, Sendable, Encodable {
    /// Logged only; the configuration is clean (keepalived's plain log messages).
    case note = 0
    /// Something keepalived reports as a configuration error but runs anyway
    /// (unknown keyword, defaulted scheduler, missing interface): exit 4.
    case warning = 1
    /// A value that is rejected (out of range, malformed): exit 4.
    case error = 2
    /// Scripts configured without `enable_script_security`: exit 5.
    case security = 3
    /// The configuration cannot run at all (unreadable file, include loop): exit 3.
    case fatal = 4

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(describing: self))
    }
}

/// One message about the configuration, tied to the place it concerns.
public struct Diagnostic: Sendable, Equatable, Encodable, CustomStringConvertible {
    public let severity: Severity
    public let message: String
    /// Where the problem is; nil for whole-config findings (e.g. completion rules without a line).
    public let location: SourceLocation?

    public init(_ severity: Severity, _ message: String, at location: SourceLocation?) {
        self.severity = severity
        self.message = message
        self.location = location
    }

    /// keepalived's format: `(FILE: Line N) message`, or the bare message without a location.
    public var description: String {
        guard let location else { return message }
        return "(\(location.fileName): Line \(location.line)) \(message)"
    }
}

/// Collects diagnostics while a configuration is read and checked.
public struct Diagnostics: Sendable {
    public private(set) var items: [Diagnostic] = []

    public init() {}

    /// Appends everything `other` collected.
    public mutating func append(contentsOf other: Diagnostics) {
        items.append(contentsOf: other.items)
    }

    public mutating func add(_ severity: Severity, _ message: String, at location: SourceLocation?) {
        items.append(Diagnostic(severity, message, at: location))
    }

    public mutating func note(_ message: String, at location: SourceLocation? = nil) {
        add(.note, message, at: location)
    }

    public mutating func warning(_ message: String, at location: SourceLocation? = nil) {
        add(.warning, message, at: location)
    }

    public mutating func error(_ message: String, at location: SourceLocation? = nil) {
        add(.error, message, at: location)
    }

    /// The most serious severity seen, `nil` when there is nothing to report.
    public var worst: Severity? { items.map(\.severity).max() }

    /// Messages at `severity` or above.
    public func atLeast(_ severity: Severity) -> [Diagnostic] { items.filter { $0.severity >= severity } }
}

/// The exit status of `keepalivedd -t` as documented for keepalived:
/// 0 runs cleanly, 3 cannot run, 4 runs after corrections, 5 scripts without script security.
public enum ConfigTestStatus: Int32, Sendable {
    case ok = 0
    case cannotRun = 3
    case errors = 4
    case scriptSecurity = 5

    public init(_ diagnostics: Diagnostics) {
        switch diagnostics.worst {
        case nil, .note?: self = .ok
        case .warning?, .error?: self = .errors
        case .security?: self = .scriptSecurity
        case .fatal?: self = .cannotRun
        }
    }
}
