/// Splits one configuration line into tokens the way keepalived does.
///
/// Whitespace separates tokens; `"..."` makes one token (quotes removed); `{` and `}` outside
/// quotes are tokens of their own even when glued to a word; `!` and `#` outside quotes start a
/// comment that runs to the end of the line.
///
/// The hot paths work on `UnsafeBufferPointer` views of the file's bytes: a 334k-line
/// configuration goes through here once per line.
enum Tokenizer {
    static let quote = UInt8(ascii: "\"")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let bang = UInt8(ascii: "!")
    static let hash = UInt8(ascii: "#")

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C || byte == 0x0A
    }

    /// The range of `line` left once a comment is removed and surrounding whitespace trimmed.
    static func stripComment(_ line: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var inQuote = false
        var end = line.count
        var index = 0
        while index < end {
            let byte = line[index]
            if byte == quote {
                inQuote.toggle()
            } else if !inQuote && (byte == bang || byte == hash) {
                end = index
                break
            }
            index += 1
        }
        var start = 0
        while start < end && isSpace(line[start]) { start += 1 }
        while end > start && isSpace(line[end - 1]) { end -= 1 }
        return start..<end
    }

    /// The line with any comment removed and surrounding whitespace trimmed.
    static func stripComment(_ line: [UInt8]) -> ArraySlice<UInt8> {
        let range = line.withUnsafeBufferPointer { stripComment($0) }
        return line[range]
    }

    /// Tokens of a comment-free line.
    static func tokens(_ line: UnsafeBufferPointer<UInt8>) -> [String] {
        var result: [String] = []
        result.reserveCapacity(4)
        var index = 0
        let end = line.count
        while index < end {
            let byte = line[index]
            if isSpace(byte) {
                index += 1
            } else if byte == openBrace {
                result.append("{")
                index += 1
            } else if byte == closeBrace {
                result.append("}")
                index += 1
            } else if byte == quote {
                let start = index + 1
                var close = start
                while close < end && line[close] != quote { close += 1 }
                result.append(String(decoding: UnsafeBufferPointer(rebasing: line[start..<close]), as: UTF8.self))
                index = close < end ? close + 1 : end
            } else {
                let start = index
                while index < end {
                    let next = line[index]
                    if isSpace(next) || next == openBrace || next == closeBrace || next == quote { break }
                    index += 1
                }
                result.append(String(decoding: UnsafeBufferPointer(rebasing: line[start..<index]), as: UTF8.self))
            }
        }
        return result
    }

    /// Tokens of a comment-free line held in an array slice.
    static func tokens(_ line: ArraySlice<UInt8>) -> [String] {
        line.withUnsafeBufferPointer { tokens($0) }
    }
}
