/// Where a configuration value came from: a file and a 1-based line number.
public struct SourceLocation: Hashable, Sendable, Encodable, CustomStringConvertible {
    /// Path of the file as it was opened (after include resolution).
    public let file: String
    /// 1-based line number within `file`.
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }

    /// The file name without its directory, as keepalived prints it.
    public var fileName: String {
        guard let slash = file.lastIndex(of: "/") else { return file }
        return String(file[file.index(after: slash)...])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A configuration value together with the place it was set.
///
/// `location` is nil when the value is a default or was derived by a completion rule.
@propertyWrapper
public struct Sourced<Value: Sendable>: Sendable {
    public var wrappedValue: Value
    /// Where the value was written in the configuration, nil for defaults.
    public var location: SourceLocation?

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
        self.location = nil
    }

    public init(wrappedValue: Value, location: SourceLocation?) {
        self.wrappedValue = wrappedValue
        self.location = location
    }

    /// `$field` gives access to the location.
    public var projectedValue: Sourced<Value> {
        get { self }
        set { self = newValue }
    }

    /// Sets the value and remembers where it came from.
    public mutating func set(_ value: Value, at location: SourceLocation) {
        wrappedValue = value
        self.location = location
    }
}

extension Sourced: Equatable where Value: Equatable {}

extension Sourced: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        try wrappedValue.encode(to: encoder)
    }
}
