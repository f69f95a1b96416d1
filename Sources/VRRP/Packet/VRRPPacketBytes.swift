import ConfParser

/// Bounds-checked big-endian reads and writes and the Internet checksum used by the codec.
/// Every read returns nil instead of trapping, so malformed input of any length is safe.
enum VRRPPacketBytes {
    static func byte(_ bytes: [UInt8], _ offset: Int) -> UInt8? {
        offset >= 0 && offset < bytes.count ? bytes[offset] : nil
    }

    static func uint16(_ bytes: [UInt8], _ offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for index in offset..<offset + 4 { value = value << 8 | UInt32(bytes[index]) }
        return value
    }

    static func slice(_ bytes: [UInt8], _ offset: Int, _ length: Int) -> [UInt8]? {
        guard offset >= 0, length >= 0, offset + length <= bytes.count else { return nil }
        return Array(bytes[offset..<offset + length])
    }

    static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    static func put(_ value: UInt16, into bytes: inout [UInt8], at offset: Int) {
        guard offset >= 0, offset + 2 <= bytes.count else { return }
        bytes[offset] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    /// Network-order bytes of an address (4 or 16).
    static func addressBytes(_ address: IPAddress) -> [UInt8] {
        var bytes: [UInt8] = []
        switch address {
        case .v4(let value):
            append(value, to: &bytes)
        case .v6(let high, let low):
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        }
        return bytes
    }

    /// The address in 4 (IPv4) or 16 (IPv6) bytes at `offset`; nil when out of range.
    static func address(_ bytes: [UInt8], _ offset: Int, isIPv6: Bool) -> IPAddress? {
        if !isIPv6 {
            return uint32(bytes, offset).map { IPAddress.v4($0) }
        }
        guard let highBytes = slice(bytes, offset, 8), let lowBytes = slice(bytes, offset + 8, 8) else { return nil }
        let high = highBytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = lowBytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return .v6(high, low)
    }

    /// Ones' complement sum of 16-bit big-endian words (odd trailing byte padded with zero),
    /// not yet folded.
    static func onesComplementSum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        var sum = UInt64(initial)
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt64(bytes[index]) << 8 | UInt64(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt64(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return UInt32(sum)
    }

    /// The Internet checksum (RFC 1071) of `bytes` preceded by an optional pseudo-header.
    /// A message whose checksum field is correct yields 0.
    static func internetChecksum(_ bytes: [UInt8], pseudoHeader: [UInt8] = []) -> UInt16 {
        let sum = onesComplementSum(bytes, initial: onesComplementSum(pseudoHeader))
        return ~UInt16(truncatingIfNeeded: sum)
    }

    /// The pseudo-header of RFC 5798 5.2.8: IPv4 (src, dst, zero, protocol 112, length) or
    /// IPv6 (src, dst, 32-bit length, 3 zero bytes, next header 112).
    static func pseudoHeader(source: IPAddress, destination: IPAddress, length: Int) -> [UInt8] {
        var header = addressBytes(source) + addressBytes(destination)
        if source.isIPv6 {
            append(UInt32(truncatingIfNeeded: length), to: &header)
            header += [0, 0, 0, VRRPPacketConstants.ipProtocolVRRP]
        } else {
            header += [0, VRRPPacketConstants.ipProtocolVRRP]
            append(UInt16(truncatingIfNeeded: length), to: &header)
        }
        return header
    }
}
