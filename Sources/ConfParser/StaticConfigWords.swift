/// A cursor over the words of one route or rule line, with what both grammars track while reading
/// it: the address family the line has so far and the track groups it may name.
struct StaticLine {
    let node: ConfNode
    let words: [String]
    var index = 0
    /// Names of the track groups defined so far; nil where `track_group` is not allowed.
    let trackGroups: Set<String>?
    var family: RouteFamily?

    init(_ node: ConfNode, trackGroups: Set<String>?) {
        self.node = node
        words = node.tokens
        self.trackGroups = trackGroups
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

    /// Takes `new` as the line's family, or reports `message` when the line already has the other one.
    mutating func adopt(_ new: RouteFamily?, _ message: String, _ context: inout BuildContext) -> Bool {
        guard let new else { return true }
        if let family, family != new {
            context.error(message, at: node)
            return false
        }
        family = new
        return true
    }

    /// `inet` / `inet6` at the cursor for a line of `kind` ("route" / "rule"); false when reported.
    mutating func familyWord(_ word: String, kind: String, _ context: inout BuildContext) -> Bool {
        let new: RouteFamily = word == "inet" ? .inet : .inet6
        guard adopt(new, "\(word) specified for IPv\(new == .inet ? 6 : 4) \(kind)", &context) else { return false }
        // keepalived 2.2.7 also skips the word after inet / inet6.
        index += 1
        return true
    }

    /// What reading `track_group NAME` leaves the line reader to do.
    enum TrackGroupOutcome {
        /// Go on with the next word.
        case next
        /// A second track_group (reported): stop reading options.
        case stop
        /// The name is missing (reported): keepalived drops the line.
        case failed
    }

    /// `track_group NAME` at the cursor, into `group`; a name not among `trackGroups` is reported.
    mutating func trackGroup(into group: inout String?, _ context: inout BuildContext) -> TrackGroupOutcome {
        guard let name = value(&context) else { return .failed }
        if group != nil {
            context.error("track_group \(name) is a duplicate", at: node)
            return .stop
        }
        if trackGroups?.contains(name) == true {
            group = name
        } else {
            context.error("track_group \(name) not found", at: node)
        }
        return .next
    }

    /// `tos` / `dsfield VALUE` at the cursor (a number or a name from rt_dsfield); nil when reported.
    mutating func tos(_ context: inout BuildContext) -> UInt8? {
        guard let text = value(&context) else { return nil }
        guard let value = RouteNames.value(text, in: RouteNames.dsfields, max: 255) else {
            context.error("TOS value \(text) is invalid", at: node)
            return nil
        }
        return UInt8(value)
    }

    /// The protocol of a tracked line: keepalived's own (RTPROT_KEEPALIVED, 18); another one that
    /// was given is reported (`kind`: "Route" / "Rule") and replaced.
    func trackedProtocol(_ given: UInt8?, kind: String, _ context: inout BuildContext) -> UInt8 {
        if let given, given != 18 {
            context.warning("\(kind) cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol", at: node)
        }
        return 18
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
