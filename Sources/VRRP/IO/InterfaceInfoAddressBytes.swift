import ConfParser

/// Conversions between `IPAddress` and the network-order bytes the kernel speaks.
enum IOAddressBytes {
    /// 4 bytes for IPv4, 16 for IPv6, most significant first.
    static func bytes(of address: IPAddress) -> [UInt8] {
        switch address {
        case .v4(let value):
            return (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * $0)) }
        case .v6(let high, let low):
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * $0)) }
        }
    }

    /// The address in `bytes` (4 or 16 of them); nil for any other length.
    static func address(from bytes: some Collection<UInt8>) -> IPAddress? {
        let array = Array(bytes)
        switch array.count {
        case 4:
            return .v4(array.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let high = array[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = array[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return .v6(high, low)
        default:
            return nil
        }
    }

    /// The address held in a fixed-size C byte tuple (`uint8_t[16]`), reading `count` bytes.
    static func address<T>(fromTuple tuple: T, count: Int) -> IPAddress? {
        withUnsafeBytes(of: tuple) { address(from: $0.prefix(count)) }
    }

    /// Whether an IPv6 address is link-local (fe80::/10).
    static func isLinkLocal(_ address: IPAddress) -> Bool {
        if case .v6(let high, _) = address { return high >> 54 == 0x3fa }
        return false
    }

    /// A MAC address as `aa:bb:cc:dd:ee:ff`.
    static func macText(_ mac: [UInt8]) -> String {
        mac.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined(separator: ":")
    }
}
