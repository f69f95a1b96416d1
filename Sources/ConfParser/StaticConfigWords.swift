/// A cursor over the words of one route or rule line.
struct LineWords {
    let node: ConfNode
    let words: [String]
    var index = 0

    init(_ node: ConfNode) {
        self.node = node
        words = node.tokens
    }

    var atEnd: Bool { index >= words.count }
    var current: String { words[index] }

    /// Moves onto the word after the current one and returns it; at the end of the line, reports
    /// keepalived's "missing a parameter" error and returns nil.
    mutating func value(_ context: inout BuildContext) -> String? {
        guard index + 1 < words.count else {
            context.error("Configuration line starting `\(words[0])` is missing a parameter after keyword `\(words[index])` at word position \(index + 2)", at: node)
            return nil
        }
        index += 1
        return words[index]
    }

    /// An unsigned number (decimal, 0x hex, 0 octal) in `range`, or `message` as an error.
    func number(_ text: String, in range: ClosedRange<UInt64>, _ message: String, _ context: inout BuildContext) -> UInt64? {
        guard let value = GlobalDefs.parseCNumber(text), range.contains(value) else {
            context.error(message, at: node)
            return nil
        }
        return value
    }

    /// Moves onto the next word when it is `word` (e.g. an optional `lock`).
    mutating func skip(_ word: String) -> Bool {
        guard index + 1 < words.count, words[index + 1] == word else { return false }
        index += 1
        return true
    }
}

/// An address or prefix of a route or rule: `ADDR[/LEN]`, or `default` / `all` / `any`.
enum LinePrefix {
    /// `default`, `all` or `any`: the zero prefix of whatever family the line turns out to have.
    case any
    case prefix(IPPrefix)

    var family: RouteFamily? {
        if case .prefix(let prefix) = self { return RouteFamily(prefix.address) }
        return nil
    }

    /// The prefix, with `any` resolved in `family`.
    func resolved(_ family: RouteFamily) -> IPPrefix {
        switch self {
        case .any: return IPPrefix(address: family.anyAddress, length: 0)
        case .prefix(let prefix): return prefix
        }
    }

    /// keepalived's rules: a malformed address is an error ("VRRP parsed invalid IP ..."); a bad
    /// length is a config error and the full length is used.
    static func parse(_ text: String, at node: ConfNode, _ context: inout BuildContext) -> LinePrefix? {
        if text == "default" || text == "all" || text == "any" { return .any }
        let slash = text.firstIndex(of: "/")
        guard let address = IPAddress(slash.map { text[..<$0] } ?? text[...]) else {
            context.error("VRRP parsed invalid IP \(text). skipping IP...", at: node)
            return nil
        }
        var length = address.bitWidth
        if let slash {
            let lengthText = text[text.index(after: slash)...]
            if !lengthText.isEmpty {
                if let value = Int(lengthText), (0...address.bitWidth).contains(value) {
                    length = value
                } else {
                    context.warning("Invalid address prefix len \(lengthText) for address \(text) - using \(address.bitWidth)", at: node)
                }
            }
        }
        return .prefix(IPPrefix(address: address, length: length))
    }

    /// A plain address (no length), or an error naming it.
    static func address(_ text: String, at node: ConfNode, _ context: inout BuildContext) -> IPAddress? {
        guard let address = IPAddress(text) else {
            context.error("VRRP parsed invalid IP \(text). skipping IP...", at: node)
            return nil
        }
        return address
    }
}
