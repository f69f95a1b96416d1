/// What the typed builders share while turning the keyword tree into a `Config`:
/// the diagnostics and helpers that read typed values and report bad ones with their line.
public struct BuildContext {
    public var diagnostics = Diagnostics()
    /// Interfaces named in the configuration, each with the place it was named and what for.
    public var interfacesNamed: [NamedReference] = []
    /// Scripts named in the configuration (for the script-security check).
    public var scriptsNamed: [NamedReference] = []

    public init() {}

    // MARK: Reporting

    public mutating func unknownKeyword(_ node: ConfNode) {
        diagnostics.warning("Unknown keyword '\(node.keyword)'", at: node.location)
    }

    public mutating func error(_ message: String, at node: ConfNode) {
        diagnostics.error(message, at: node.location)
    }

    public mutating func warning(_ message: String, at node: ConfNode) {
        diagnostics.warning(message, at: node.location)
    }

    public mutating func note(_ message: String, at node: ConfNode) {
        diagnostics.note(message, at: node.location)
    }

    /// Remembers an interface name so `-t` can report it when the host lacks it.
    public mutating func interface(_ name: String, at node: ConfNode, for what: String) {
        interfacesNamed.append(NamedReference(name: name, location: node.location, what: what))
    }

    /// Remembers a script so `-t` can apply keepalived's script-security rule.
    /// `user` is the account the script is to run as, when the configuration names one.
    public mutating func script(_ command: String, at node: ConfNode, for what: String = "script", user: String? = nil) {
        scriptsNamed.append(NamedReference(name: command, location: node.location, what: what, user: user))
    }

    // MARK: Arguments

    /// The argument at `index`, or an error naming what was expected.
    public mutating func argument(_ node: ConfNode, _ index: Int = 0, expecting what: String? = nil) -> String? {
        guard index < node.arguments.count else {
            error("\(node.keyword): missing \(what ?? "value")", at: node)
            return nil
        }
        return node.arguments[index]
    }

    /// An integer in `range`; keepalived's wording for bad numbers.
    public mutating func integer(_ node: ConfNode, _ index: Int = 0, in range: ClosedRange<Int>) -> Int? {
        guard let text = argument(node, index, expecting: "number") else { return nil }
        return integer(text, at: node, in: range)
    }

    public mutating func integer(_ text: String, at node: ConfNode, in range: ClosedRange<Int>) -> Int? {
        guard let value = Self.parseInteger(text) else {
            error("invalid number '\(text)'", at: node)
            return nil
        }
        guard range.contains(value) else {
            error("number '\(text)' outside range [\(range.lowerBound), \(range.upperBound)]", at: node)
            return nil
        }
        return value
    }

    /// Decimal integers, with optional sign; hex with 0x.
    public static func parseInteger(_ text: some StringProtocol) -> Int? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return Int(text.dropFirst(2), radix: 16) }
        return Int(text)
    }

    /// A BOOL (`on|off|true|false|yes|no`); a keyword without a value means true.
    public mutating func bool(_ node: ConfNode, _ index: Int = 0) -> Bool? {
        guard index < node.arguments.count else { return true }
        let text = node.arguments[index]
        guard let value = Self.parseBool(text) else {
            error("\(node.keyword): invalid boolean '\(text)' - expected on|off|true|false|yes|no", at: node)
            return nil
        }
        return value
    }

    public static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "on", "true", "yes": return true
        case "off", "false", "no": return false
        default: return nil
        }
    }

    /// A time in decimal seconds (microsecond resolution) within `range`.
    public mutating func seconds(_ node: ConfNode, _ index: Int = 0, in range: ClosedRange<Double> = 0...4294.967295) -> Double? {
        guard let text = argument(node, index, expecting: "time in seconds") else { return nil }
        guard let value = Double(text), value.isFinite else {
            error("invalid number '\(text)'", at: node)
            return nil
        }
        guard range.contains(value) else {
            error("number '\(text)' outside range [\(Self.format(range.lowerBound)), \(Self.format(range.upperBound))]", at: node)
            return nil
        }
        return (value * 1_000_000).rounded() / 1_000_000
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// An IP address, or an error naming the bad text.
    public mutating func address(_ text: String, at node: ConfNode, what: String = "IP address") -> IPAddress? {
        guard let address = IPAddress(text) else {
            error("invalid \(what) '\(text)'", at: node)
            return nil
        }
        return address
    }

    /// `ADDR[/LEN]`, or an error naming the bad text.
    public mutating func prefix(_ text: String, at node: ConfNode, what: String = "IP address") -> IPPrefix? {
        guard let prefix = IPPrefix(text) else {
            error("invalid \(what) '\(text)'", at: node)
            return nil
        }
        return prefix
    }

    /// A port number 0-65535.
    public mutating func port(_ text: String, at node: ConfNode) -> UInt16? {
        guard let value = integer(text, at: node, in: 0...65535) else { return nil }
        return UInt16(value)
    }

    /// One of `choices` (case-sensitive unless `caseInsensitive`).
    public mutating func choice(_ node: ConfNode, _ index: Int = 0, from choices: [String], caseInsensitive: Bool = false) -> String? {
        guard let text = argument(node, index) else { return nil }
        let match = choices.first { caseInsensitive ? $0.lowercased() == text.lowercased() : $0 == text }
        guard let match else {
            error("\(node.keyword): unknown value '\(text)', expected one of \(choices.joined(separator: "|"))", at: node)
            return nil
        }
        return match
    }

    /// The rest of the statement's words joined by spaces (for script command lines).
    public func rest(_ node: ConfNode, from index: Int = 0) -> String {
        node.arguments.dropFirst(index).joined(separator: " ")
    }

    /// The children of a block keyword, or an error when it was written without `{ }`.
    public mutating func block(_ node: ConfNode) -> [ConfNode] {
        guard let children = node.children else {
            error("\(node.keyword) expects a block '{ ... }'", at: node)
            return []
        }
        return children
    }
}

/// An interface or script named in the configuration, checked against the host by `HostChecks`.
public struct NamedReference: Sendable, Equatable {
    /// The interface name, or the script's command line.
    public var name: String
    public var location: SourceLocation
    /// What it is named for, e.g. "vrrp_instance VI_1" or "notify_master".
    public var what: String
    /// For scripts: the user named to run it, if any.
    public var user: String? = nil

    public init(name: String, location: SourceLocation, what: String, user: String? = nil) {
        self.name = name
        self.location = location
        self.what = what
        self.user = user
    }
}
