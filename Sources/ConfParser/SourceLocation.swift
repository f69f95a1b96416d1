import Synchronization

/// Where a configuration value came from: a file and a 1-based line number.
///
/// Eight bytes and trivially copyable: the file is an index into a process-wide table of
/// file names, so copying locations (every value has one) costs no reference counting.
public struct SourceLocation: Hashable, Sendable, Encodable, CustomStringConvertible {
    /// Index of the file in `SourceFiles`.
    public let fileID: UInt32
    /// 1-based line number within the file.
    public let lineNumber: UInt32

    public init(file: String, line: Int) {
        self.init(fileID: SourceFiles.id(for: file), line: line)
    }

    public init(fileID: UInt32, line: Int) {
        self.fileID = fileID
        self.lineNumber = UInt32(clamping: line)
    }

    /// Path of the file as it was opened (after include resolution).
    /// No location (`Sourced` stores it instead of an optional); no file has this many lines.
    static let unwritten = SourceLocation(fileID: .max, line: Int(UInt32.max))

    public var file: String { SourceFiles.name(of: fileID) }

    /// 1-based line number within `file`.
    public var line: Int { Int(lineNumber) }

    public var description: String { "\(file):\(line)" }

    /// The file name without its directory, as keepalived prints it.
    public var fileName: String {
        let file = self.file
        guard let slash = file.lastIndex(of: "/") else { return file }
        return String(file[file.index(after: slash)...])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The process-wide table of configuration file names that `SourceLocation` indexes.
public enum SourceFiles {
    struct Table {
        var names: [String] = []
        var ids: [String: UInt32] = [:]
    }

    static let table = Mutex(Table())

    /// The id of `path`, registering it on first use.
    public static func id(for path: String) -> UInt32 {
        table.withLock { table in
            if let id = table.ids[path] { return id }
            let id = UInt32(table.names.count)
            table.names.append(path)
            table.ids[path] = id
            return id
        }
    }

    /// The path registered under `id`.
    public static func name(of id: UInt32) -> String {
        table.withLock { table in Int(id) < table.names.count ? table.names[Int(id)] : "?" }
    }
}

/// A configuration value together with the place it was set.
///
/// `location` is nil when the value is a default or was derived by a completion rule.
@propertyWrapper
public struct Sourced<Value: Sendable>: Sendable {
    public var wrappedValue: Value
    /// The location, `SourceLocation.unwritten` for none: an optional would take a ninth byte,
    /// padded to 16 with the value, in each of the tens of settings of every real server and checker.
    private var writtenAt: SourceLocation

    /// Where the value was written in the configuration, nil for defaults.
    public var location: SourceLocation? {
        get { writtenAt == .unwritten ? nil : writtenAt }
        set { writtenAt = newValue ?? .unwritten }
    }

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
        writtenAt = .unwritten
    }

    public init(wrappedValue: Value, location: SourceLocation?) {
        self.wrappedValue = wrappedValue
        writtenAt = location ?? .unwritten
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
