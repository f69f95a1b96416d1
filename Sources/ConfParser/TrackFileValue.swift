#if canImport(Glibc)
import Glibc
#endif

/// What a `track_file` holds, read as keepalived reads it: the first 127 bytes, a number in C's
/// `strtol(..., 0)` syntax (leading blanks, a sign, `0x` hex or a leading-`0` octal), 0 for a
/// missing or empty file or text without digits, and a number outside C's `int` refused.
public enum TrackFileValue: Sendable, Equatable {
    /// The number to use.
    case value(Int)
    /// A number keepalived refuses: it logs `Invalid number N read from PATH - ignoring` and keeps
    /// the previous value. `number` is what `strtol` returned (clamped to 64 bits on overflow).
    case invalid(number: Int64)

    /// keepalived reads at most this many bytes.
    static let readLimit = 127

    /// Reads the file at `path` (a missing or unreadable file is 0).
    public static func read(path: String) -> TrackFileValue {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return .value(0) }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: readLimit)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, readLimit) }
        guard count > 0 else { return .value(0) }
        return parse(buffer[..<count])
    }

    /// The value of a file's contents.
    public static func parse<Bytes: Collection>(_ bytes: Bytes) -> TrackFileValue where Bytes.Element == UInt8 {
        var index = bytes.startIndex
        func peek(_ offset: Int = 0) -> UInt8? {
            guard let position = bytes.index(index, offsetBy: offset, limitedBy: bytes.endIndex),
                  position < bytes.endIndex else { return nil }
            return bytes[position]
        }
        // isspace: space, \t, \n, \v, \f, \r.
        while let byte = peek(), byte == 0x20 || (0x09...0x0d).contains(byte) { index = bytes.index(after: index) }
        var negative = false
        if let sign = peek(), sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            index = bytes.index(after: index)
        }
        var radix: UInt64 = 10
        if peek() == UInt8(ascii: "0") {
            if let x = peek(1), x | 0x20 == UInt8(ascii: "x"), let next = peek(2), digit(next, radix: 16) != nil {
                radix = 16
                index = bytes.index(index, offsetBy: 2)
            } else {
                radix = 8
            }
        }
        var magnitude: UInt64 = 0
        var overflow = false
        while let byte = peek(), let value = digit(byte, radix: radix) {
            let (product, productOverflow) = magnitude.multipliedReportingOverflow(by: radix)
            let (sum, sumOverflow) = product.addingReportingOverflow(UInt64(value))
            if productOverflow || sumOverflow { overflow = true } else { magnitude = sum }
            index = bytes.index(after: index)
        }
        // strtol saturates at LONG_MIN / LONG_MAX and sets ERANGE.
        if overflow || magnitude > UInt64(Int64.max) + (negative ? 1 : 0) {
            return .invalid(number: negative ? Int64.min : Int64.max)
        }
        let number = negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
        guard (Int64(Int32.min)...Int64(Int32.max)).contains(number) else { return .invalid(number: number) }
        return .value(Int(number))
    }

    private static func digit(_ byte: UInt8, radix: UInt64) -> UInt64? {
        let value: UInt64
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt64(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt64(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
        return value < radix ? value : nil
    }
}

extension TrackFile {
    /// `init_file`, as keepalived applies it when it reads the configuration: a missing file is
    /// created with the value; with `overwrite` an existing regular file is rewritten too, except
    /// on a reload. Returns keepalived's error line when the file cannot be initialised.
    public func writeInitialValue(reloading: Bool) -> String? {
        guard let initial = initFile else { return nil }
        var info = stat()
        if stat(file, &info) == 0 {
            guard initial.overwrite else { return nil }
            guard info.st_mode & S_IFMT == S_IFREG else {
                return "Cannot initialise track file \(name) - it is not a regular file"
            }
            if reloading { return nil }
        }
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return "Unable to initialise track file \(name)" }
        defer { close(descriptor) }
        let text = Array("\(initial.value)\n".utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        return written == text.count ? nil : "Unable to initialise track file \(name)"
    }
}
