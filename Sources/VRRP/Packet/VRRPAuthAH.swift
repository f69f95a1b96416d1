import Crypto

/// What the sender needs to put an IPsec AH header (RFC 2402, as keepalived uses it) in front
/// of a VRRPv2 advert: the key and the sequence number of this advert.
public struct VRRPAHSigning: Sendable, Hashable {
    /// `auth_pass`, cut and zero padded to 8 bytes: the HMAC-MD5 key.
    public var key: VRRPAuthKey
    /// This advert's sequence number. keepalived starts at 0 and increments before each
    /// multicast send, so the first advert carries 1.
    public var sequenceNumber: UInt32
    /// keepalived zeroes the TTL in the ICV input only for unicast instances.
    public var zeroTTLInICV: Bool

    public init(key: VRRPAuthKey, sequenceNumber: UInt32, zeroTTLInICV: Bool = false) {
        self.key = key
        self.sequenceNumber = sequenceNumber
        self.zeroTTLInICV = zeroTTLInICV
    }
}

/// The AH header and its HMAC-MD5-96 ICV.
///
/// Layout (24 bytes): next header (112), payload length (4), 2 reserved bytes, SPI (the
/// sender's IPv4 source address, as keepalived chooses it), sequence number, 12-byte ICV.
/// The ICV is HMAC-MD5 keyed with the 8-byte auth data over: the IP header with TOS,
/// fragment offset/flags and header checksum zeroed (and the TTL zeroed when unicast), the
/// AH header with the ICV zeroed, and the VRRP message; truncated to 12 bytes.
enum VRRPAuthAH {
    /// Offsets inside the AH header.
    static let nextHeaderOffset = 0
    static let spiOffset = 4
    static let sequenceOffset = 8
    static let icvOffset = 12

    /// The AH header with a zero ICV.
    static func header(spi: UInt32, sequenceNumber: UInt32) -> [UInt8] {
        var header: [UInt8] = [VRRPPacketConstants.ipProtocolVRRP, VRRPPacketConstants.ahPayloadLengthField, 0, 0]
        VRRPPacketBytes.append(spi, to: &header)
        VRRPPacketBytes.append(sequenceNumber, to: &header)
        header += [UInt8](repeating: 0, count: VRRPPacketConstants.ahICVLength)
        return header
    }

    /// The 12-byte ICV. `ipHeader` is the whole IP header (options included) as sent or
    /// received; `ahHeader` the 24-byte AH header (its ICV bytes are ignored).
    static func icv(ipHeader: [UInt8], ahHeader: [UInt8], message: ArraySlice<UInt8>, key: VRRPAuthKey, zeroTTL: Bool) -> [UInt8] {
        var header = ipHeader
        if header.count >= VRRPPacketConstants.ipv4HeaderLength {
            header[1] = 0                   // TOS
            header[6] = 0; header[7] = 0    // flags + fragment offset
            header[10] = 0; header[11] = 0  // header checksum
            if zeroTTL { header[8] = 0 }
        }
        var ah = ahHeader
        for index in icvOffset..<min(ah.count, icvOffset + VRRPPacketConstants.ahICVLength) { ah[index] = 0 }

        var mac = HMAC<Insecure.MD5>(key: SymmetricKey(data: key.bytes))
        mac.update(data: header)
        mac.update(data: ah)
        mac.update(data: Array(message))
        return Array(mac.finalize().prefix(VRRPPacketConstants.ahICVLength))
    }

    /// Constant-time comparison of two ICVs (keepalived uses memcmp_constant_time).
    static func equalICV(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
