/// One top-level part of a configuration file: from a line where a top-level statement begins
/// with no block open, up to the next such line (comments and blank lines after it included).
/// Parsed alone, such a part gives the same statements as in its file, so a reload can keep
/// the parts whose text did not change.
struct ConfigSegment: Sendable, Equatable {
    /// Byte offset in the file and length.
    var start: Int
    var length: Int
    /// The line `start` is on.
    var firstLine: Int
    /// `ConfigTextHash` of the part's bytes.
    var hash: UInt64 = 0
    /// How many `virtual_server` statements it holds.
    var virtualServers = 0
    /// Whether every statement in it is a `virtual_server` (true for a part with only comments).
    var onlyVirtualServers = true
    /// Whether it defines something a checker may name: `track_file`, `vrrp_track_file`, `bfd_instance`.
    var definesCheckerReferences = false

    static let checkerReferenceKeywords: Set<String> = ["track_file", "vrrp_track_file", "bfd_instance"]

    mutating func count(_ keyword: String) {
        if keyword == "virtual_server" {
            virtualServers += 1
        } else {
            onlyVirtualServers = false
        }
        if Self.checkerReferenceKeywords.contains(keyword) { definesCheckerReferences = true }
    }

    /// Splits `bytes` (a whole file, or a run of its lines from `firstLine` on) into parts, from
    /// what reading it recorded: the lines that began with no block open, and the top-level
    /// statements with their lines. Offsets are relative to `bytes`.
    static func split(_ bytes: [UInt8], firstLine: Int, topLevelLineStarts: [(line: Int, offset: Int)],
                      statements: [(keyword: String, line: Int)]) -> [ConfigSegment] {
        guard !bytes.isEmpty else { return [] }
        var segments = [ConfigSegment(start: 0, length: 0, firstLine: firstLine)]
        var lineIndex = 0
        for (index, statement) in statements.enumerated() {
            if index > 0 && statement.line != statements[index - 1].line {
                while lineIndex < topLevelLineStarts.count && topLevelLineStarts[lineIndex].line < statement.line { lineIndex += 1 }
                if lineIndex < topLevelLineStarts.count && topLevelLineStarts[lineIndex].line == statement.line,
                   !startsWithOpeningBrace(bytes, at: topLevelLineStarts[lineIndex].offset) {
                    segments.append(ConfigSegment(start: topLevelLineStarts[lineIndex].offset, length: 0, firstLine: statement.line))
                }
            }
            segments[segments.count - 1].count(statement.keyword)
        }
        bytes.withUnsafeBytes { raw in
            for index in segments.indices {
                let end = index + 1 < segments.count ? segments[index + 1].start : bytes.count
                segments[index].length = end - segments[index].start
                segments[index].hash = ConfigTextHash.hash(UnsafeRawBufferPointer(rebasing: raw[segments[index].start..<end]))
            }
        }
        return segments
    }

    /// Whether the line at `offset` begins with `{` (it opens the statement before it).
    static func startsWithOpeningBrace(_ bytes: [UInt8], at offset: Int) -> Bool {
        var index = offset
        while index < bytes.count && Tokenizer.isSpace(bytes[index]) { index += 1 }
        return index < bytes.count && bytes[index] == Tokenizer.openBrace
    }
}
