#if canImport(Glibc)
import Glibc
#endif

/// Value readers with keepalived's rules and wording for `global_defs` keywords.
extension GlobalDefs {
    /// How keepalived words a bad BOOL for a keyword.
    enum BoolWording {
        /// "Invalid value 'x' for global KEYWORD specified" (most global keywords).
        case global
        /// "Invalid value for KEYWORD specified" (vrrp_min_garp, vrrp_lower_prio_no_advert, ...).
        case plain
    }

    /// keepalived's BOOL: `on|off|true|false|yes|no` in lower case; no value means true.
    static func bool(_ node: ConfNode, _ context: inout BuildContext, wording: BoolWording = .global) -> Bool? {
        guard let text = node.arguments.first else { return true }
        switch text {
        case "on", "true", "yes": return true
        case "off", "false", "no": return false
        default:
            switch wording {
            case .global: context.error("Invalid value '\(text)' for global \(node.keyword) specified", at: node)
            case .plain: context.error("Invalid value for \(node.keyword) specified", at: node)
            }
            return nil
        }
    }

    /// The first argument as an integer in `range`, or an error (also when missing).
    static func number(_ node: ConfNode, _ context: inout BuildContext, in range: ClosedRange<Int>) -> Int? {
        context.integer(node, 0, in: range)
    }

    /// A decimal time in seconds (microsecond resolution) within `range`, with keepalived's
    /// wording: "number '0' outside range [0.000001, 4294.967295]".
    static func timer(_ text: String, at node: ConfNode, _ context: inout BuildContext,
                      in range: ClosedRange<Double>) -> Double? {
        guard let value = parseDecimal(text) else {
            context.error("invalid number '\(text)'", at: node)
            return nil
        }
        guard value >= 0 else {
            context.error("negative number '\(text)'", at: node)
            return nil
        }
        guard range.contains(value) else {
            context.error("number '\(text)' outside range [\(formatDecimal(range.lowerBound)), \(formatDecimal(range.upperBound))]", at: node)
            return nil
        }
        return (value * 1_000_000).rounded() / 1_000_000
    }

    /// `[-]DIGITS[.DIGITS]`; nil for anything else (no exponents, no inf/nan).
    static func parseDecimal(_ text: String) -> Double? {
        var digits = 0
        var dots = 0
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: "-") where index == 0: break
            default: return nil
            }
        }
        guard digits > 0, dots <= 1 else { return nil }
        return Double(text)
    }

    /// Up to six decimals without trailing zeros: 0.000001, 4294.967295, 30.
    static func formatDecimal(_ value: Double) -> String {
        let micros = Int((value * 1_000_000).rounded())
        let whole = micros / 1_000_000
        var fraction = micros % 1_000_000
        guard fraction != 0 else { return String(whole) }
        var digits = 6
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    /// The first argument, or keepalived's message for a missing one.
    static func word(_ node: ConfNode, _ context: inout BuildContext, missing message: String? = nil) -> String? {
        if let text = node.arguments.first { return text }
        context.error(message ?? missingParameter(node), at: node)
        return nil
    }

    /// keepalived's wording for a keyword written without its value.
    static func missingParameter(_ node: ConfNode) -> String {
        "Configuration line starting `\(node.keyword)` is missing a parameter after keyword `\(node.keyword)` at word position 2"
    }

    /// `KEYWORD COMMAND [USER [GROUP]]`.
    static func scriptCommand(_ node: ConfNode) -> ScriptCommand? {
        guard let command = node.arguments.first else { return nil }
        let user = node.arguments.count > 1 ? node.arguments[1] : nil
        let group = node.arguments.count > 2 ? node.arguments[2] : nil
        return ScriptCommand(command: command, user: user, group: group)
    }

    /// Whether the user (and group, when given) exist on this host.
    static func userExists(_ user: String, group: String?) -> Bool {
        guard getpwnam(user) != nil else { return false }
        if let group { return getgrnam(group) != nil }
        return true
    }

    /// 224.0.0.0/4 or ff00::/8.
    static func isMulticast(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let value): return value >> 28 == 0xE
        case .v6(let high, _): return high >> 56 == 0xFF
        }
    }

    /// An unsigned number in C's `strtoul(text, 0)` forms: decimal, 0x hex, 0 octal.
    static func parseCNumber(_ text: String) -> UInt64? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        if text.count > 1 && text.hasPrefix("0") { return UInt64(text.dropFirst(), radix: 8) }
        return UInt64(text)
    }
}
