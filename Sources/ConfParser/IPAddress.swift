#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address as written in keepalived.conf.
public enum IPAddress: Hashable, Sendable, Encodable, CustomStringConvertible, Comparable {
    case v4(UInt32)
    case v6(UInt64, UInt64)

    /// Parses dotted-quad IPv4 or any textual IPv6 form; nil when malformed.
    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            var storage = in6_addr()
            let ok = String(text).withCString { inet_pton(AF_INET6, $0, &storage) } == 1
            guard ok else { return nil }
            let bytes = withUnsafeBytes(of: storage) { Array($0) }
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
            self = .v6(high, low)
        } else {
            guard let value = Self.parseIPv4(text) else { return nil }
            self = .v4(value)
        }
    }

    /// Strict dotted-quad: four decimal parts 0-255 (inet_pton's rules, without a libc call).
    static func parseIPv4(_ text: some StringProtocol) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if digits > 0 && part == 0 { return nil }  // leading zero
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard part <= 255, digits <= 3 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }

    public var isIPv6: Bool { if case .v6 = self { return true } else { return false } }

    /// Address length in bits: 32 or 128.
    public var bitWidth: Int { isIPv6 ? 128 : 32 }

    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
        case .v6(let high, let low):
            var storage = in6_addr()
            withUnsafeMutableBytes(of: &storage) { raw in
                for index in 0..<8 { raw[index] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index)) }
                for index in 0..<8 { raw[8 + index] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * index)) }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            _ = inet_ntop(AF_INET6, &storage, &buffer, socklen_t(buffer.count))
            let length = buffer.firstIndex(of: 0) ?? buffer.count
            return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The address `offset` places further on (for virtual_server_group ranges); nil on overflow.
    public func advanced(by offset: UInt64) -> IPAddress? {
        switch self {
        case .v4(let value):
            let next = UInt64(value) + offset
            return next <= UInt64(UInt32.max) ? .v4(UInt32(next)) : nil
        case .v6(let high, let low):
            let (sum, overflow) = low.addingReportingOverflow(offset)
            if overflow {
                guard high < UInt64.max else { return nil }
                return .v6(high + 1, sum)
            }
            return .v6(high, sum)
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case (.v6(let ah, let al), .v6(let bh, let bl)): return (ah, al) < (bh, bl)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An address with a prefix length, e.g. `10.0.0.1/24`.
public struct IPPrefix: Hashable, Sendable, Encodable, CustomStringConvertible {
    public var address: IPAddress
    public var length: Int

    public init(address: IPAddress, length: Int) {
        self.address = address
        self.length = length
    }

    /// Parses `ADDR` or `ADDR/LEN`; `defaultLength` (32/128 when nil) applies without `/LEN`.
    public init?(_ text: some StringProtocol, defaultLength: Int? = nil) {
        if let slash = text.firstIndex(of: "/") {
            guard let address = IPAddress(text[..<slash]),
                  let length = Int(text[text.index(after: slash)...]),
                  length >= 0, length <= address.bitWidth else { return nil }
            self.init(address: address, length: length)
        } else {
            guard let address = IPAddress(text) else { return nil }
            self.init(address: address, length: defaultLength ?? address.bitWidth)
        }
    }

    public var description: String { "\(address)/\(length)" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
