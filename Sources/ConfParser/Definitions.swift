/// `$NAME=value` definitions and their substitution into lines.
struct Definitions {
    var values: [String: String] = [:]
    /// Directory of the file being read, for `${_PWD}`.
    var pwd = ""

    /// The most substitutions applied to one line before giving up (guards `$A=$A`).
    static let maximumPasses = 64
    /// The longest a line may grow by substitution (guards `$A=$B $B` / `$B=$A $A`).
    static let maximumLength = 1 << 20

    mutating func set(_ name: String, to value: String) { values[name] = value }

    static func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
    static func isNameChar(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }

    /// Parses `$NAME=value`; `continues` is true when the value ends with `\` (a multi-line definition).
    static func parseDefinition(_ text: Substring) -> (name: String, value: String, continues: Bool)? {
        guard text.first == "$" else { return nil }
        let afterDollar = text.dropFirst()
        guard let first = afterDollar.first, isNameStart(first) else { return nil }
        let name = afterDollar.prefix(while: isNameChar)
        let rest = afterDollar.dropFirst(name.count)
        guard rest.first == "=" else { return nil }
        var value = rest.dropFirst().trimmingSpaces()
        var continues = false
        if value.hasSuffix("\\") {
            continues = true
            value = String(value.dropLast()).trimmingSpaces()
        }
        return (String(name), value, continues)
    }

    /// Replaces `$NAME` (followed by whitespace or end of line) and `${NAME}` until nothing changes.
    /// Undefined names are left as they are. Returns nil when substitution does not settle
    /// (a definition that refers to itself) or the line grows beyond `maximumLength`.
    func substitute(_ line: String, random: inout SplitMix64, environment: [String: String], instance: String) -> String? {
        var current = line
        for _ in 0..<Self.maximumPasses {
            let next = substituteOnce(current, random: &random, environment: environment, instance: instance)
            if next == current { return current }
            if next.utf8.count > Self.maximumLength { return nil }
            current = next
            // A multi-line value: its lines are processed one by one, each substituted when it is
            // reached, so definitions made by earlier lines apply to later ones.
            if current.utf8.contains(UInt8(ascii: "\n")) { return current }
        }
        return nil
    }

    func substituteOnce(_ line: String, random: inout SplitMix64, environment: [String: String], instance: String) -> String {
        var output = ""
        var index = line.startIndex
        while index < line.endIndex {
            let char = line[index]
            guard char == "$" else {
                output.append(char)
                index = line.index(after: index)
                continue
            }
            let afterDollar = line.index(after: index)
            if afterDollar < line.endIndex && line[afterDollar] == "{",
               let close = line[afterDollar...].firstIndex(of: "}") {
                let inner = line[line.index(after: afterDollar)..<close]
                if let value = braced(inner, random: &random, environment: environment, instance: instance) {
                    output += value
                    index = line.index(after: close)
                    continue
                }
            } else {
                let name = line[afterDollar...].prefix(while: Self.isNameChar)
                let end = line.index(afterDollar, offsetBy: name.count)
                let atBoundary = end == line.endIndex || line[end] == " " || line[end] == "\t"
                if !name.isEmpty, atBoundary, let value = values[String(name)] {
                    output += value
                    index = end
                    continue
                }
            }
            output.append(char)
            index = afterDollar
        }
        return output
    }

    /// The value of `${...}`: a definition or one of the predefined names, nil if undefined.
    func braced(_ inner: Substring, random: inout SplitMix64, environment: [String: String], instance: String) -> String? {
        let words = inner.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let head = words.first else { return nil }
        switch head {
        case "_PWD": return pwd
        case "_INSTANCE": return instance
        case "_HASH": return "#"
        case "_BANG": return "!"
        case "_ENV":
            guard words.count == 2 else { return nil }
            return environment[String(words[1])] ?? ""
        case "_RANDOM":
            let low = words.count > 1 ? UInt64(words[1]) ?? 0 : 0
            let high = words.count > 2 ? UInt64(words[2]) ?? 32767 : 32767
            guard low <= high else { return String(low) }
            return String(low + random.next() % (high - low + 1))
        default:
            guard words.count == 1 else { return nil }
            return values[String(head)]
        }
    }
}

/// `~SEQ(var, start, step, end)`, `~SEQx(...)` and `~LST(var, a, b, ...)` / `~LST({a, b}, {1, 2}, ...)`.
struct Repetition {
    /// One set of variable values per repetition of the body.
    var bindings: [[(String, String)]]
    /// The rest of the line, processed once per binding.
    var body: Substring

    /// The most lines one repetition may produce, to keep a typo from exhausting memory.
    static let maximumCount = 1_000_000

    enum ParseResult {
        case none
        case failure(String)
        case success(Repetition)
    }

    static func parse(_ text: Substring) -> ParseResult {
        let kind: String
        if text.hasPrefix("~SEQx(") { kind = "SEQx" } else if text.hasPrefix("~SEQ(") { kind = "SEQ" } else if text.hasPrefix("~LST(") { kind = "LST" } else { return .none }
        let open = text.index(text.startIndex, offsetBy: kind.count + 2)
        var depth = 1
        var close = open
        while close < text.endIndex {
            if text[close] == "(" { depth += 1 }
            if text[close] == ")" { depth -= 1; if depth == 0 { break } }
            close = text.index(after: close)
        }
        guard close < text.endIndex else { return .failure("~\(kind) is missing its closing ')'") }
        let arguments = text[open..<close]
        let body = text[text.index(after: close)...].drop { $0 == " " || $0 == "\t" }
        if kind == "LST" { return parseList(arguments, body: body) }
        return parseSequence(arguments, body: body, hex: kind == "SEQx")
    }

    static func parseNumber(_ text: Substring) -> Int? {
        let trimmed = text.trimmingSpaces()
        if trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X") { return Int(trimmed.dropFirst(2), radix: 16) }
        if trimmed.hasPrefix("-0x") { return Int(trimmed.dropFirst(3), radix: 16).map { -$0 } }
        return Int(trimmed)
    }

    static func parseSequence(_ arguments: Substring, body: Substring, hex: Bool) -> ParseResult {
        let parts = arguments.split(separator: ",", omittingEmptySubsequences: false)
        guard (2...4).contains(parts.count) else { return .failure("~SEQ needs (var, [start, [step,]] end)") }
        let name = parts[0].trimmingSpaces()
        guard let first = name.first, Definitions.isNameStart(first), name.allSatisfy(Definitions.isNameChar) else {
            return .failure("~SEQ variable name '\(name)' is invalid")
        }
        let numbers = parts.dropFirst().map(parseNumber)
        guard numbers.allSatisfy({ $0 != nil }) else { return .failure("~SEQ has a value that is not a number") }
        let values = numbers.map { $0! }
        let end = values[values.count - 1]
        let start = values.count >= 2 ? values[0] : (end >= 0 ? 1 : -1)
        let step = values.count == 3 ? values[1] : (end >= start ? 1 : -1)
        guard step != 0 else { return .failure("~SEQ step must not be 0") }
        guard (end - start) / step < maximumCount else { return .failure("~SEQ would repeat more than \(maximumCount) times") }
        var bindings: [[(String, String)]] = []
        var value = start
        while step > 0 ? value <= end : value >= end {
            bindings.append([(name, hex ? String(value, radix: 16) : String(value))])
            value += step
        }
        return .success(Repetition(bindings: bindings, body: body))
    }

    static func parseList(_ arguments: Substring, body: Substring) -> ParseResult {
        // Split on commas outside {...}.
        var items: [Substring] = []
        var depth = 0
        var start = arguments.startIndex
        for index in arguments.indices {
            switch arguments[index] {
            case "{": depth += 1
            case "}": depth -= 1
            case "," where depth == 0:
                items.append(arguments[start..<index])
                start = arguments.index(after: index)
            default: break
            }
        }
        items.append(arguments[start...])
        func unbrace(_ item: Substring) -> [String] {
            var trimmed = Substring(item.trimmingSpaces())
            if trimmed.hasPrefix("{") && trimmed.hasSuffix("}") { trimmed = trimmed.dropFirst().dropLast() }
            return trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        }
        guard items.count >= 2 else { return .failure("~LST needs a variable and at least one value") }
        let names = unbrace(items[0])
        guard names.allSatisfy({ name in name.first.map(Definitions.isNameStart) == true && name.allSatisfy(Definitions.isNameChar) }) else {
            return .failure("~LST variable names \(names) are invalid")
        }
        var bindings: [[(String, String)]] = []
        for item in items.dropFirst() {
            let values = unbrace(item)
            guard values.count == names.count else {
                return .failure("~LST value \(item.trimmingSpaces()) does not give one value for each of \(names.joined(separator: ", "))")
            }
            bindings.append(Array(zip(names, values)))
        }
        return .success(Repetition(bindings: bindings, body: body))
    }
}
