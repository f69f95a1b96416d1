import ConfParser

/// A received packet located in its buffer: where the VRRP message starts and what the IP
/// layer said about it. Built only through the bounds-checked constructors below.
struct VRRPReceiveFrame {
    let bytes: [UInt8]
    let family: IPFamily
    /// IPv4 header length including options; 0 for an IPv6 payload.
    let ipHeaderLength: Int
    let hasAH: Bool
    let vrrpOffset: Int
    let source: IPAddress
    let destination: IPAddress
    let ttlOrHopLimit: Int?

    /// keepalived's dispatcher checks: the IPv4 header, the AH header (protocol 51) and the
    /// fixed VRRP header must all be there. The IP version, IHL and protocol checks are ours.
    static func ipv4(_ datagram: [UInt8]) -> Result<VRRPReceiveFrame, VRRPDropReason> {
        let minimum = VRRPPacketConstants.ipv4HeaderLength
        guard datagram.count >= minimum, let first = VRRPPacketBytes.byte(datagram, 0),
              let ttl = VRRPPacketBytes.byte(datagram, 8), let proto = VRRPPacketBytes.byte(datagram, 9),
              let source = VRRPPacketBytes.uint32(datagram, 12), let destination = VRRPPacketBytes.uint32(datagram, 16) else {
            return .failure(.tooShort(family: .ipv4, length: datagram.count, withAH: false))
        }
        guard first >> 4 == 4 else { return .failure(.malformedIPHeader("IP version \(first >> 4)")) }
        let headerLength = Int(first & 0x0f) * 4
        guard headerLength >= minimum else { return .failure(.malformedIPHeader("header length \(headerLength)")) }
        guard datagram.count >= headerLength + VRRPPacketConstants.headerLength else {
            return .failure(.tooShort(family: .ipv4, length: datagram.count, withAH: false))
        }
        let hasAH: Bool
        switch proto {
        case VRRPPacketConstants.ipProtocolAH:
            guard datagram.count >= headerLength + VRRPPacketConstants.ahHeaderLength + VRRPPacketConstants.headerLength else {
                return .failure(.tooShort(family: .ipv4, length: datagram.count, withAH: true))
            }
            hasAH = true
        case VRRPPacketConstants.ipProtocolVRRP:
            hasAH = false
        default:
            return .failure(.malformedIPHeader("protocol \(proto)"))
        }
        return .success(VRRPReceiveFrame(
            bytes: datagram, family: .ipv4, ipHeaderLength: headerLength, hasAH: hasAH,
            vrrpOffset: headerLength + (hasAH ? VRRPPacketConstants.ahHeaderLength : 0),
            source: .v4(source), destination: .v4(destination), ttlOrHopLimit: Int(ttl)
        ))
    }

    /// An IPv6 raw socket returns the VRRP message only; the addresses and the hop limit come
    /// from recvmsg (source) and ancillary data (IPV6_PKTINFO, IPV6_HOPLIMIT).
    static func ipv6(_ payload: [UInt8], source: IPAddress, destination: IPAddress, hopLimit: Int?) -> Result<VRRPReceiveFrame, VRRPDropReason> {
        guard payload.count >= VRRPPacketConstants.headerLength else {
            return .failure(.tooShort(family: .ipv6, length: payload.count, withAH: false))
        }
        guard source.isIPv6, destination.isIPv6 else {
            return .failure(.malformedIPHeader("IPv4 addresses given for an IPv6 packet"))
        }
        return .success(VRRPReceiveFrame(
            bytes: payload, family: .ipv6, ipHeaderLength: 0, hasAH: false, vrrpOffset: 0,
            source: source, destination: destination, ttlOrHopLimit: hopLimit
        ))
    }

    var versionNibble: UInt8 { (VRRPPacketBytes.byte(bytes, vrrpOffset) ?? 0) >> 4 }
    var typeNibble: UInt8 { (VRRPPacketBytes.byte(bytes, vrrpOffset) ?? 0) & 0x0f }
    var virtualRouterID: UInt8 { VRRPPacketBytes.byte(bytes, vrrpOffset + 1) ?? 0 }
    var priority: UInt8 { VRRPPacketBytes.byte(bytes, vrrpOffset + 2) ?? 0 }
    var addressCount: Int { Int(VRRPPacketBytes.byte(bytes, vrrpOffset + 3) ?? 0) }
    /// VRRPv2: auth type; VRRPv3: high byte of the reserved bits + interval.
    var authTypeField: UInt8 { VRRPPacketBytes.byte(bytes, vrrpOffset + 4) ?? 0 }
    var v2IntervalSeconds: Int { Int(VRRPPacketBytes.byte(bytes, vrrpOffset + 5) ?? 0) }
    var v3IntervalCentiseconds: Int { Int((VRRPPacketBytes.uint16(bytes, vrrpOffset + 4) ?? 0) & 0x0fff) }
    var addressLength: Int { family == .ipv6 ? 16 : 4 }
    /// The v2 auth data field exists only for VRRPv2 over IPv4.
    var carriesAuthData: Bool { family == .ipv4 && versionNibble == VRRPVersion.v2.rawValue }

    /// The whole length keepalived expects from the VRRP header's version and count.
    var expectedLength: Int {
        vrrpOffset + VRRPPacketConstants.headerLength + addressCount * addressLength
            + (carriesAuthData ? VRRPPacketConstants.authDataLength : 0)
    }

    /// IPv4 header total length field.
    var ipTotalLength: Int? {
        family == .ipv4 ? VRRPPacketBytes.uint16(bytes, 2).map(Int.init) : nil
    }

    /// The VRRP message (header, addresses, auth data), cut at the end of the buffer.
    var message: ArraySlice<UInt8> {
        vrrpOffset <= bytes.count ? bytes[vrrpOffset...] : []
    }

    /// The addresses the advert carries (as many as fit the buffer).
    var advertisedAddresses: [IPAddress] {
        var addresses: [IPAddress] = []
        for index in 0..<addressCount {
            let offset = vrrpOffset + VRRPPacketConstants.headerLength + index * addressLength
            guard let address = VRRPPacketBytes.address(bytes, offset, isIPv6: family == .ipv6) else { break }
            addresses.append(address)
        }
        return addresses
    }

    /// The advert the frame carries (fields only, no checks beyond bounds).
    func advert(ahSequenceNumber: UInt32?) -> VRRPAdvert {
        let version: VRRPVersion = versionNibble == VRRPVersion.v2.rawValue ? .v2 : .v3
        var authentication = VRRPAdvertAuthentication.none
        if carriesAuthData {
            switch authTypeField {
            case 1:
                let offset = vrrpOffset + VRRPPacketConstants.headerLength + addressCount * addressLength
                let data = VRRPPacketBytes.slice(bytes, offset, VRRPPacketConstants.authDataLength) ?? []
                authentication = .password(VRRPAuthKey(bytes: data))
            case 2:
                authentication = .ah
            default:
                authentication = .none
            }
        }
        return VRRPAdvert(
            version: version,
            virtualRouterID: virtualRouterID,
            priority: priority,
            advertIntervalCentiseconds: version == .v2 ? v2IntervalSeconds * 100 : v3IntervalCentiseconds,
            addresses: advertisedAddresses,
            authentication: authentication,
            origin: VRRPAdvertOrigin(source: source, destination: destination, ttlOrHopLimit: ttlOrHopLimit, ahSequenceNumber: ahSequenceNumber)
        )
    }
}
