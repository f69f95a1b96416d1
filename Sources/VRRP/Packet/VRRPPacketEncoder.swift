import ConfParser

/// Why an advert cannot be put on the wire.
public enum VRRPEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Addresses, source and destination must all be IPv4 or all IPv6.
    case mixedAddressFamilies
    /// The count field is 8 bits.
    case tooManyAddresses(Int)
    /// VRRPv2: whole seconds 0...255; VRRPv3: 0...4095 centiseconds.
    case intervalNotRepresentable(centiseconds: Int, version: VRRPVersion)
    /// Authentication exists only for VRRPv2 over IPv4.
    case authenticationNotAllowed
    /// `.ah` adverts need a key and sequence number (and are IPv4 datagrams only).
    case missingAHSigning

    public var description: String {
        switch self {
        case .mixedAddressFamilies: return "advert addresses, source and destination mix IPv4 and IPv6"
        case .tooManyAddresses(let count): return "\(count) addresses do not fit an advert (at most 255)"
        case .intervalNotRepresentable(let centiseconds, let version):
            return "advert interval \(centiseconds)cs cannot be carried by VRRPv\(version)"
        case .authenticationNotAllowed: return "authentication is only possible with VRRPv2 over IPv4"
        case .missingAHSigning: return "AH authentication needs a key and a sequence number (IPv4 datagram only)"
        }
    }
}

/// Keeps the IPv4 identification field the way keepalived does: incremented for every
/// advert, skipping 0 (which would make the kernel choose one).
public struct VRRPIPv4IdentificationCounter: Sendable, Hashable {
    public private(set) var last: UInt16

    public init(last: UInt16 = 0) { self.last = last }

    /// The identification for the next advert (1, 2, ... 65535, 1, ...).
    public mutating func next() -> UInt16 {
        last = last &+ 1
        if last == 0 { last = 1 }
        return last
    }
}

extension VRRPAdvert {
    /// The VRRP message (no IP header) with its checksum.
    ///
    /// - VRRPv2 over IPv4: checksum over the message (header, addresses, 8 auth bytes).
    /// - VRRPv3 over IPv4: the IPv4 pseudo-header (`source`, `pseudoHeaderDestination ?? destination`)
    ///   is included, RFC 5798 5.2.8. keepalived's `old_unicast_checksum` (and its automatic
    ///   detection of old peers) uses the multicast group instead of the unicast peer:
    ///   pass that group as `pseudoHeaderDestination`.
    /// - IPv6: the IPv6 pseudo-header (what the kernel computes with IPV6_CHECKSUM).
    public func encodePayload(
        source: IPAddress,
        destination: IPAddress,
        pseudoHeaderDestination: IPAddress? = nil
    ) throws(VRRPEncodingError) -> [UInt8] {
        let checksumDestination = pseudoHeaderDestination ?? destination
        guard source.isIPv6 == destination.isIPv6, checksumDestination.isIPv6 == source.isIPv6 else {
            throw .mixedAddressFamilies
        }
        var message = try unsummedMessage(isIPv6: source.isIPv6)
        let checksum: UInt16
        if version == .v2 && !source.isIPv6 {
            checksum = VRRPPacketBytes.internetChecksum(message)
        } else {
            let pseudo = VRRPPacketBytes.pseudoHeader(source: source, destination: checksumDestination, length: message.count)
            checksum = VRRPPacketBytes.internetChecksum(message, pseudoHeader: pseudo)
        }
        VRRPPacketBytes.put(checksum, into: &message, at: 6)
        return message
    }

    /// A whole IPv4 datagram for a raw socket with IP_HDRINCL, built like keepalived:
    /// version 4, IHL 5, TOS 0xc0, the given identification, no DF (flags/fragment 0),
    /// TTL `ttl` (255 unless `unicast_ttl`), protocol 112 (or 51 with an AH header between
    /// the IP header and the VRRP message), a correct header checksum (the kernel rewrites
    /// it anyway), source and destination.
    ///
    /// With `authentication == .ah`, `ah` gives the key and sequence number; the SPI is the
    /// source address.
    public func encodeIPv4Datagram(
        source: IPAddress,
        destination: IPAddress,
        identification: UInt16,
        ttl: UInt8 = VRRPPacketConstants.requiredTTL,
        ah: VRRPAHSigning? = nil,
        pseudoHeaderDestination: IPAddress? = nil
    ) throws(VRRPEncodingError) -> [UInt8] {
        guard case .v4(let sourceValue) = source, !destination.isIPv6 else { throw .mixedAddressFamilies }
        let usesAH = authentication == .ah
        if usesAH && ah == nil { throw .missingAHSigning }
        let message = try encodePayload(source: source, destination: destination, pseudoHeaderDestination: pseudoHeaderDestination)
        let ahLength = usesAH ? VRRPPacketConstants.ahHeaderLength : 0
        let totalLength = VRRPPacketConstants.ipv4HeaderLength + ahLength + message.count

        var header: [UInt8] = [0x45, VRRPPacketConstants.ipv4TypeOfService]
        VRRPPacketBytes.append(UInt16(truncatingIfNeeded: totalLength), to: &header)
        VRRPPacketBytes.append(identification, to: &header)
        header += [0, 0, ttl, usesAH ? VRRPPacketConstants.ipProtocolAH : VRRPPacketConstants.ipProtocolVRRP, 0, 0]
        header += VRRPPacketBytes.addressBytes(source)
        header += VRRPPacketBytes.addressBytes(destination)

        var datagram = header
        if usesAH, let ah {
            var ahHeader = VRRPAuthAH.header(spi: sourceValue, sequenceNumber: ah.sequenceNumber)
            let icv = VRRPAuthAH.icv(ipHeader: header, ahHeader: ahHeader, message: message[...], key: ah.key, zeroTTL: ah.zeroTTLInICV)
            ahHeader.replaceSubrange(VRRPAuthAH.icvOffset..<VRRPAuthAH.icvOffset + icv.count, with: icv)
            datagram += ahHeader
        }
        datagram += message
        VRRPPacketBytes.put(VRRPPacketBytes.internetChecksum(header), into: &datagram, at: 10)
        return datagram
    }

    /// The message with a zero checksum field.
    private func unsummedMessage(isIPv6: Bool) throws(VRRPEncodingError) -> [UInt8] {
        guard addresses.allSatisfy({ $0.isIPv6 == isIPv6 }) else { throw .mixedAddressFamilies }
        guard addresses.count <= 255 else { throw .tooManyAddresses(addresses.count) }
        let carriesAuthField = version == .v2 && !isIPv6
        if !carriesAuthField && authentication != .none { throw .authenticationNotAllowed }

        var message: [UInt8] = [version.rawValue << 4 | VRRPPacketConstants.advertisementType, virtualRouterID, priority, UInt8(addresses.count)]
        switch version {
        case .v2:
            guard advertIntervalCentiseconds % 100 == 0, (0...25_500).contains(advertIntervalCentiseconds) else {
                throw .intervalNotRepresentable(centiseconds: advertIntervalCentiseconds, version: version)
            }
            message += [authentication.typeCode, UInt8(advertIntervalCentiseconds / 100)]
        case .v3:
            guard (0...0x0fff).contains(advertIntervalCentiseconds) else {
                throw .intervalNotRepresentable(centiseconds: advertIntervalCentiseconds, version: version)
            }
            VRRPPacketBytes.append(UInt16(advertIntervalCentiseconds), to: &message)
        }
        message += [0, 0]
        for address in addresses { message += VRRPPacketBytes.addressBytes(address) }
        if carriesAuthField {
            if case .password(let key) = authentication {
                message += key.bytes
            } else {
                message += [UInt8](repeating: 0, count: VRRPPacketConstants.authDataLength)
            }
        }
        return message
    }
}
