/// Where a new text differs from the parts of the last one.
enum ChangedRegion {
    /// Old parts `first...last` are replaced by the new bytes `prefixEnd..<suffixStart`
    /// (`last < first` when parts were only added). `first == old.count` with
    /// `prefixEnd == bytes.count`: nothing changed.
    static func find(_ bytes: [UInt8], in old: [ConfigSegment]) -> (first: Int, prefixEnd: Int, last: Int, suffixStart: Int) {
        bytes.withUnsafeBytes { raw in
            var first = 0
            var prefixEnd = 0
            while first < old.count, prefixEnd + old[first].length <= raw.count,
                  ConfigTextHash.hash(UnsafeRawBufferPointer(rebasing: raw[prefixEnd..<prefixEnd + old[first].length])) == old[first].hash {
                prefixEnd += old[first].length
                first += 1
            }
            var last = old.count - 1
            var suffixStart = raw.count
            while last >= first, suffixStart - old[last].length >= prefixEnd,
                  ConfigTextHash.hash(UnsafeRawBufferPointer(rebasing: raw[suffixStart - old[last].length..<suffixStart])) == old[last].hash {
                suffixStart -= old[last].length
                last -= 1
            }
            return (first, prefixEnd, last, suffixStart)
        }
    }

    /// Whether `offset` is the start of a line (or the end of the text).
    static func isLineStart(_ offset: Int, in bytes: [UInt8]) -> Bool {
        offset == 0 || offset == bytes.count || bytes[offset - 1] == UInt8(ascii: "\n")
    }

    /// References named in `lines` of file `fileID` replaced by `new`; those after moved by `lineDelta`.
    static func splice(_ references: [NamedReference], replacing lines: Range<Int>, in fileID: UInt32,
                       with new: [NamedReference], lineDelta: Int) -> [NamedReference] {
        var before: [NamedReference] = []
        var after: [NamedReference] = []
        for reference in references {
            let line = Int(reference.location.lineNumber)
            if reference.location.fileID != fileID || line < lines.lowerBound {
                before.append(reference)
            } else if line >= lines.upperBound {
                var moved = reference
                moved.location = SourceLocation(fileID: fileID, line: line + lineDelta)
                after.append(moved)
            }
        }
        return before + new + after
    }
}
