import ConfParser

/// Receive-side checks of VRRP adverts, in keepalived 2.2.7's order (`vrrp_dispatcher_read`
/// then `vrrp_check_packet`). Pure: the only state is the `VRRPReceiveState` passed in.
/// Never traps on malformed input of any length.
public enum VRRPReceiveValidator {
    /// The dispatcher step: length checks, then the VRID used to pick the instance.
    public static func virtualRouterID(ipv4Datagram datagram: [UInt8]) -> Result<UInt8, VRRPDropReason> {
        VRRPReceiveFrame.ipv4(datagram).map(\.virtualRouterID)
    }

    /// The dispatcher step for an IPv6 payload.
    public static func virtualRouterID(ipv6Payload payload: [UInt8]) -> Result<UInt8, VRRPDropReason> {
        guard payload.count >= VRRPPacketConstants.headerLength else {
            return .failure(.tooShort(family: .ipv6, length: payload.count, withAH: false))
        }
        return .success(payload[1])
    }

    /// Validates a whole IPv4 datagram as a raw socket returns it (IP header included).
    public static func validate(
        ipv4Datagram datagram: [UInt8],
        expecting expectations: VRRPReceiveExpectations,
        state: inout VRRPReceiveState
    ) -> Result<VRRPAdvert, VRRPDropReason> {
        switch VRRPReceiveFrame.ipv4(datagram) {
        case .failure(let reason): return .failure(reason)
        case .success(let frame): return check(frame, expectations, &state)
        }
    }

    /// Validates an IPv6 VRRP payload with the source (recvmsg), the destination
    /// (IPV6_PKTINFO) and the hop limit (IPV6_HOPLIMIT; nil when absent: not checked).
    public static func validate(
        ipv6Payload payload: [UInt8],
        source: IPAddress,
        destination: IPAddress,
        hopLimit: Int?,
        expecting expectations: VRRPReceiveExpectations,
        state: inout VRRPReceiveState
    ) -> Result<VRRPAdvert, VRRPDropReason> {
        switch VRRPReceiveFrame.ipv6(payload, source: source, destination: destination, hopLimit: hopLimit) {
        case .failure(let reason): return .failure(reason)
        case .success(let frame): return check(frame, expectations, &state)
        }
    }

    private static func check(
        _ frame: VRRPReceiveFrame,
        _ expected: VRRPReceiveExpectations,
        _ state: inout VRRPReceiveState
    ) -> Result<VRRPAdvert, VRRPDropReason> {
        guard frame.family == expected.family else {
            return .failure(.malformedIPHeader("\(frame.family.rawValue) packet for an \(expected.family.rawValue) instance"))
        }
        // Dispatcher: route by VRID, then (IPv6) discard the wrong kind of cast.
        guard frame.virtualRouterID == expected.virtualRouterID else {
            return .failure(.unknownVirtualRouterID(frame.virtualRouterID))
        }
        if frame.family == .ipv6 && isMulticast(frame.destination) == expected.isUnicast {
            return .failure(.unexpectedCast(receivedMulticast: isMulticast(frame.destination), family: .ipv6))
        }
        // vrrp_check_packet.
        let expectsAH: Bool
        if case .ah = expected.authentication { expectsAH = true } else { expectsAH = false }
        if frame.family == .ipv4 && frame.hasAH != expectsAH {
            return .failure(.ahPresenceMismatch(receivedAH: frame.hasAH))
        }
        guard frame.bytes.count == frame.expectedLength else {
            return .failure(.lengthMismatch(received: frame.bytes.count, expected: frame.expectedLength))
        }
        if !expected.isUnicast, let ttl = frame.ttlOrHopLimit, ttl != Int(VRRPPacketConstants.requiredTTL) {
            return .failure(.ttl(received: ttl))
        }
        guard frame.versionNibble == expected.version.rawValue else {
            return .failure(.versionMismatch(received: frame.versionNibble, expected: expected.version))
        }
        var ahSequence: UInt32?
        if expected.version == .v2 {
            switch checkAuthentication(frame, expected, &state) {
            case .failure(let reason): return .failure(reason)
            case .success(let sequence): ahSequence = sequence
            }
            guard frame.v2IntervalSeconds * 100 == expected.advertIntervalCentiseconds else {
                return .failure(.advertIntervalMismatch(receivedSeconds: frame.v2IntervalSeconds, expectedSeconds: expected.advertIntervalCentiseconds / 100))
            }
        }
        guard frame.typeNibble == VRRPPacketConstants.advertisementType else {
            return .failure(.typeNotAdvertisement(frame.typeNibble))
        }
        if expected.checkAddresses && frame.addressCount != expected.addresses.count {
            return .failure(.addressCountMismatch(received: frame.addressCount, expected: expected.addresses.count))
        }
        if let totalLength = frame.ipTotalLength, totalLength != frame.bytes.count {
            return .failure(.ipTotalLengthMismatch(totalLength: totalLength, received: frame.bytes.count))
        }
        if let reason = checkChecksum(frame, expected, &state) { return .failure(reason) }
        if frame.family == .ipv4 && isMulticast(frame.destination) == expected.isUnicast {
            return .failure(.unexpectedCast(receivedMulticast: isMulticast(frame.destination), family: .ipv4))
        }
        let advert = frame.advert(ahSequenceNumber: ahSequence)
        if expected.checkAddresses {
            if let missing = expected.addresses.first(where: { !advert.addresses.contains($0) }) {
                return .failure(.addressMissing(missing, virtualRouterID: expected.virtualRouterID))
            }
            if expected.isUnicast && expected.checkUnicastSource {
                guard let peer = expected.unicastPeers.first(where: { $0.address == frame.source }) else {
                    return .failure(.unicastSourceNotPeer(frame.source))
                }
                if let ttl = frame.ttlOrHopLimit, ttl < peer.minTTL || ttl > peer.maxTTL {
                    return .failure(.ttlOutOfPeerRange(received: ttl, min: peer.minTTL, max: peer.maxTTL))
                }
            }
        }
        return .success(advert)
    }

    /// VRRPv2 auth type, PASS and AH checks; returns the AH sequence number when AH was checked.
    private static func checkAuthentication(
        _ frame: VRRPReceiveFrame,
        _ expected: VRRPReceiveExpectations,
        _ state: inout VRRPReceiveState
    ) -> Result<UInt32?, VRRPDropReason> {
        let received = frame.authTypeField
        guard received <= 2 else { return .failure(.invalidAuthType(received)) }
        guard received == expected.authentication.typeCode else {
            return .failure(.authTypeMismatch(received: received, expected: expected.authentication.typeCode))
        }
        switch expected.authentication {
        case .none:
            return .success(nil)
        case .password(let key):
            // keepalived reads the 8 bytes before the end given by the IPv4 total length.
            let end = frame.ipTotalLength ?? frame.bytes.count
            let start = end - VRRPPacketConstants.authDataLength
            guard start >= frame.vrrpOffset, let data = VRRPPacketBytes.slice(frame.bytes, start, VRRPPacketConstants.authDataLength),
                  VRRPAuthAH.equalICV(data, key.bytes) else {
                return .failure(.passwordMismatch)
            }
            return .success(nil)
        case .ah(let key):
            return checkAH(frame, key: key, zeroTTL: expected.isUnicast, &state).map { Optional($0) }
        }
    }

    private static func checkAH(
        _ frame: VRRPReceiveFrame,
        key: VRRPAuthKey,
        zeroTTL: Bool,
        _ state: inout VRRPReceiveState
    ) -> Result<UInt32, VRRPDropReason> {
        let ahOffset = frame.ipHeaderLength
        guard let ipHeader = VRRPPacketBytes.slice(frame.bytes, 0, frame.ipHeaderLength),
              let ahHeader = VRRPPacketBytes.slice(frame.bytes, ahOffset, VRRPPacketConstants.ahHeaderLength),
              let nextHeader = VRRPPacketBytes.byte(ahHeader, VRRPAuthAH.nextHeaderOffset),
              let spi = VRRPPacketBytes.uint32(ahHeader, VRRPAuthAH.spiOffset),
              let sequence = VRRPPacketBytes.uint32(ahHeader, VRRPAuthAH.sequenceOffset),
              let receivedICV = VRRPPacketBytes.slice(ahHeader, VRRPAuthAH.icvOffset, VRRPPacketConstants.ahICVLength),
              let source = VRRPPacketBytes.uint32(ipHeader, 12) else {
            return .failure(.tooShort(family: .ipv4, length: frame.bytes.count, withAH: true))
        }
        guard nextHeader == VRRPPacketConstants.ipProtocolVRRP else {
            return .failure(.ahNotCarryingVRRP(nextHeader: nextHeader))
        }
        let computed = VRRPAuthAH.icv(ipHeader: ipHeader, ahHeader: ahHeader, message: frame.message, key: key, zeroTTL: zeroTTL)
        guard VRRPAuthAH.equalICV(receivedICV, computed) else { return .failure(.ahICVMismatch) }
        guard spi == source else { return .failure(.ahSPIMismatch(spi: spi, source: source)) }
        let last = state.ahLastSequence[frame.source] ?? 0
        guard sequence > last else { return .failure(.ahSequenceNotIncreasing(received: sequence, last: last)) }
        state.ahLastSequence[frame.source] = sequence
        return .success(sequence)
    }

    /// VRRPv2/IPv4: plain checksum. VRRPv3/IPv4: pseudo-header with the destination (or the
    /// multicast group for old unicast checksums, detected once in `.auto`). IPv6: pseudo-header
    /// (keepalived leaves this to the kernel's IPV6_CHECKSUM; the result is the same).
    private static func checkChecksum(
        _ frame: VRRPReceiveFrame,
        _ expected: VRRPReceiveExpectations,
        _ state: inout VRRPReceiveState
    ) -> VRRPDropReason? {
        let message = Array(frame.message)
        if frame.family == .ipv4 && expected.version == .v2 {
            return VRRPPacketBytes.internetChecksum(message) == 0 ? nil : .checksum(.v2)
        }
        func verifies(with destination: IPAddress) -> Bool {
            let pseudo = VRRPPacketBytes.pseudoHeader(source: frame.source, destination: destination, length: message.count)
            return VRRPPacketBytes.internetChecksum(message, pseudoHeader: pseudo) == 0
        }
        if frame.family == .ipv6 {
            return verifies(with: frame.destination) ? nil : .checksum(expected.version)
        }
        let useOld = expected.unicastChecksum == .old || state.oldUnicastChecksumDetected
        if verifies(with: useOld ? expected.multicastGroup4 : frame.destination) { return nil }
        if expected.isUnicast && expected.unicastChecksum == .auto && !useOld
            && frame.destination != expected.multicastGroup4 && verifies(with: expected.multicastGroup4) {
            state.oldUnicastChecksumDetected = true
            return nil
        }
        return .checksum(.v3)
    }

    private static func isMulticast(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let value): return value >> 28 == 0xE
        case .v6(let high, _): return high >> 56 == 0xFF
        }
    }
}

extension VRRPAdvert {
    /// Reads the advert of an IPv4 datagram without any instance checks (only lengths):
    /// for dumps, tests and tools.
    public static func decode(ipv4Datagram datagram: [UInt8]) -> Result<VRRPAdvert, VRRPDropReason> {
        VRRPReceiveFrame.ipv4(datagram).flatMap { frame in
            guard frame.bytes.count >= frame.expectedLength else {
                return .failure(.lengthMismatch(received: frame.bytes.count, expected: frame.expectedLength))
            }
            let sequence = frame.hasAH ? VRRPPacketBytes.uint32(frame.bytes, frame.ipHeaderLength + VRRPAuthAH.sequenceOffset) : nil
            return .success(frame.advert(ahSequenceNumber: sequence))
        }
    }

    /// Reads the advert of an IPv6 payload without any instance checks (only lengths).
    public static func decode(ipv6Payload payload: [UInt8], source: IPAddress, destination: IPAddress, hopLimit: Int? = nil) -> Result<VRRPAdvert, VRRPDropReason> {
        VRRPReceiveFrame.ipv6(payload, source: source, destination: destination, hopLimit: hopLimit).flatMap { frame in
            guard frame.bytes.count >= frame.expectedLength else {
                return .failure(.lengthMismatch(received: frame.bytes.count, expected: frame.expectedLength))
            }
            return .success(frame.advert(ahSequenceNumber: nil))
        }
    }
}
