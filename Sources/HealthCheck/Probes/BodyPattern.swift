import ConfParser

/// HTTP_GET/SSL_GET `regex`: the body must match (or, with `regex_no_match`, must not). keepalived
/// uses PCRE2; this uses Swift's regular expressions, whose syntax is PCRE's for the usual
/// patterns. `regex_options` caseless, dotall, multiline, extended and ungreedy are applied
/// (the other PCRE2 compile options have no counterpart and are ignored), as are
/// `regex_min_offset` (the search starts there) and `regex_max_offset` (a match must start at or
/// before it). `regex_stack` sizes PCRE2's JIT stack and has no meaning here.
public struct BodyPattern: Sendable {
    /// The pattern as configured (for equality and messages).
    public let pattern: String
    public let options: [String]
    public let invert: Bool
    public let minOffset: Int
    public let maxOffset: Int?
    /// The compiled expression; nil when the pattern does not compile (every attempt then fails).
    private let compiled: CompiledRegex?

    /// At most this much of a body is searched.
    static let bodyLimit = 1 << 20

    public init?(_ url: URLCheck) {
        guard let pattern = url.regex else { return nil }
        self.pattern = pattern
        options = url.regexOptions
        invert = url.regexNoMatch
        minOffset = max(url.regexMinOffset ?? 0, 0)
        maxOffset = url.regexMaxOffset
        compiled = CompiledRegex(pattern: pattern, options: url.regexOptions)
    }

    /// Whether the body passes: it matches (or, inverted, does not).
    public func accepts(_ body: [UInt8]) -> Bool {
        guard let compiled else { return false }
        guard minOffset <= body.count else { return invert }
        let text = String(decoding: body[minOffset...], as: UTF8.self)
        guard let match = compiled.firstMatch(in: text) else { return invert }
        if let maxOffset {
            let start = minOffset + text.utf8.distance(from: text.startIndex, to: match)
            if start > maxOffset { return invert }
        }
        return !invert
    }
}

extension BodyPattern: Equatable {
    public static func == (lhs: BodyPattern, rhs: BodyPattern) -> Bool {
        lhs.pattern == rhs.pattern && lhs.options == rhs.options && lhs.invert == rhs.invert
            && lhs.minOffset == rhs.minOffset && lhs.maxOffset == rhs.maxOffset
    }
}

/// The expression to compile. `Regex` is not Sendable, so the source (checked once) travels and
/// each match compiles it again: a pattern of a few characters, once per attempt.
private struct CompiledRegex: Sendable {
    let source: String

    init?(pattern: String, options: [String]) {
        // Options with an inline-flag counterpart are prefixed to the pattern.
        let flags = options.compactMap { option -> String? in
            switch option {
            case "caseless": "i"
            case "dotall": "s"
            case "multiline": "m"
            case "extended": "x"
            case "ungreedy": "U"
            default: nil
            }
        }
        source = flags.isEmpty ? pattern : "(?\(flags.joined()))" + pattern
        guard (try? Regex(source)) != nil else { return nil }
    }

    /// Where the first match starts, if any.
    func firstMatch(in text: String) -> String.Index? {
        guard let regex = try? Regex(source) else { return nil }
        return (try? regex.firstMatch(in: text))?.range.lowerBound
    }
}
