import ConfParser

/// Why a received packet was not accepted as an advert for an instance, in the order
/// keepalived 2.2.7 checks (dispatcher first, then `vrrp_check_packet`).
public enum VRRPDropReason: Error, Sendable, Hashable, CustomStringConvertible {
    /// Shorter than the IP header (IPv4), the AH header or the fixed VRRP header.
    case tooShort(family: IPFamily, length: Int, withAH: Bool)
    /// Not an IPv4 header keepalivedd can read (version, IHL or protocol); the kernel never
    /// hands such a datagram to a VRRP raw socket, so keepalived has no check for it.
    case malformedIPHeader(String)
    /// No instance with this VRID on the socket: route the packet elsewhere or ignore it.
    case unknownVirtualRouterID(UInt8)
    /// A multicast advert for a unicast instance or the reverse.
    case unexpectedCast(receivedMulticast: Bool, family: IPFamily)
    /// AH header present without `auth_type AH` configured, or missing with it.
    case ahPresenceMismatch(receivedAH: Bool)
    /// The packet length does not match the VRRP header's address count.
    case lengthMismatch(received: Int, expected: Int)
    /// TTL / hop limit not 255 on a multicast instance.
    case ttl(received: Int)
    case versionMismatch(received: UInt8, expected: VRRPVersion)
    /// VRRPv2 auth type other than 0, 1 or 2.
    case invalidAuthType(UInt8)
    case authTypeMismatch(received: UInt8, expected: UInt8)
    case passwordMismatch
    /// An AH header protecting something other than VRRP (silently dropped by keepalived).
    case ahNotCarryingVRRP(nextHeader: UInt8)
    case ahICVMismatch
    /// The SPI is not the sender's address; both values as keepalived prints them.
    case ahSPIMismatch(spi: UInt32, source: UInt32)
    case ahSequenceNotIncreasing(received: UInt32, last: UInt32)
    /// VRRPv2 only (VRRPv3 backups adopt the master's interval).
    case advertIntervalMismatch(receivedSeconds: Int, expectedSeconds: Int)
    case typeNotAdvertisement(UInt8)
    case addressCountMismatch(received: Int, expected: Int)
    case ipTotalLengthMismatch(totalLength: Int, received: Int)
    case checksum(VRRPVersion)
    /// A configured virtual address missing from the advert.
    case addressMissing(IPAddress, virtualRouterID: UInt8)
    /// `check_unicast_src` / `vrrp_check_unicast_src`: the sender is not a unicast peer.
    case unicastSourceNotPeer(IPAddress)
    /// The peer's `min_ttl` / `max_ttl` range.
    case ttlOutOfPeerRange(received: Int, min: Int, max: Int)

    /// One case per reason, for counting.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case tooShort, malformedIPHeader, unknownVirtualRouterID, unexpectedCast, ahPresenceMismatch
        case lengthMismatch, ttl, versionMismatch, invalidAuthType, authTypeMismatch, passwordMismatch
        case ahNotCarryingVRRP, ahICVMismatch, ahSPIMismatch, ahSequenceNotIncreasing
        case advertIntervalMismatch, typeNotAdvertisement, addressCountMismatch, ipTotalLengthMismatch
        case checksum, addressMissing, unicastSourceNotPeer, ttlOutOfPeerRange

        /// The keepalived statistics counter the reason increments (`vrrp_t.stats`), if any.
        public var keepalivedCounter: String? {
            switch self {
            case .lengthMismatch, .ipTotalLengthMismatch: return "packet_len_err"
            case .ttl, .ttlOutOfPeerRange: return "ip_ttl_err"
            case .versionMismatch: return "vers_err"
            case .invalidAuthType: return "invalid_authtype"
            case .authTypeMismatch, .ahPresenceMismatch: return "authtype_mismatch"
            case .passwordMismatch, .ahICVMismatch, .ahSPIMismatch, .ahSequenceNotIncreasing: return "auth_failure"
            case .typeNotAdvertisement: return "invalid_type_rcvd"
            case .addressCountMismatch, .addressMissing, .unexpectedCast: return "addr_list_err"
            case .checksum: return "chk_err"
            case .unknownVirtualRouterID: return "vrid_err"
            case .tooShort, .malformedIPHeader, .ahNotCarryingVRRP, .advertIntervalMismatch, .unicastSourceNotPeer:
                return nil
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .tooShort: return .tooShort
        case .malformedIPHeader: return .malformedIPHeader
        case .unknownVirtualRouterID: return .unknownVirtualRouterID
        case .unexpectedCast: return .unexpectedCast
        case .ahPresenceMismatch: return .ahPresenceMismatch
        case .lengthMismatch: return .lengthMismatch
        case .ttl: return .ttl
        case .versionMismatch: return .versionMismatch
        case .invalidAuthType: return .invalidAuthType
        case .authTypeMismatch: return .authTypeMismatch
        case .passwordMismatch: return .passwordMismatch
        case .ahNotCarryingVRRP: return .ahNotCarryingVRRP
        case .ahICVMismatch: return .ahICVMismatch
        case .ahSPIMismatch: return .ahSPIMismatch
        case .ahSequenceNotIncreasing: return .ahSequenceNotIncreasing
        case .advertIntervalMismatch: return .advertIntervalMismatch
        case .typeNotAdvertisement: return .typeNotAdvertisement
        case .addressCountMismatch: return .addressCountMismatch
        case .ipTotalLengthMismatch: return .ipTotalLengthMismatch
        case .checksum: return .checksum
        case .addressMissing: return .addressMissing
        case .unicastSourceNotPeer: return .unicastSourceNotPeer
        case .ttlOutOfPeerRange: return .ttlOutOfPeerRange
        }
    }

    /// Whether the packet belongs to no instance of this socket (the shell routes by VRID).
    public var isRoutingMiss: Bool { kind == .unknownVirtualRouterID }

    /// Whether keepalived logs the reason with the instance name in front, `(NAME) ...`.
    public var isInstanceScoped: Bool {
        switch kind {
        case .tooShort, .malformedIPHeader, .unknownVirtualRouterID, .ahSPIMismatch: return false
        default: return true
        }
    }

    /// The log text, worded like keepalived's (without the `(INSTANCE) ` prefix).
    public var description: String {
        switch self {
        case .tooShort(let family, let length, let withAH):
            return "\(family.rawValue) VRRP packet \(withAH ? "with AH " : "")too short - \(length) bytes"
        case .malformedIPHeader(let detail):
            return "malformed IPv4 header: \(detail)"
        case .unknownVirtualRouterID(let vrid):
            return "Unknown VRID(\(vrid)) received. ignoring..."
        case .unexpectedCast(let receivedMulticast, let family):
            let received = receivedMulticast ? "mult" : "un"
            let expected = receivedMulticast ? "un" : "mult"
            if family == .ipv6 { return "discarding \(received)icast packet on \(expected)icast instance" }
            return "Expected \(expected)icast packet but received \(received)icast packet"
        case .ahPresenceMismatch(let receivedAH):
            return receivedAH ? "Received AH header but auth type not AH" : "No AH header but auth type is AH"
        case .lengthMismatch(let received, let expected):
            return "vrrp packet too \(received > expected ? "long" : "short"), length \(received) and expect \(expected)"
        case .ttl(let received):
            return "invalid TTL/HL. Received \(received) and expect \(VRRPPacketConstants.requiredTTL)"
        case .versionMismatch(let received, let expected):
            return "wrong version. Received \(received) and expect \(expected.rawValue)"
        case .invalidAuthType(let type):
            return "Invalid auth type: \(type)"
        case .authTypeMismatch(let received, let expected):
            return "received a \(received) auth, expecting \(expected)!"
        case .passwordMismatch:
            return "received an invalid passwd!"
        case .ahNotCarryingVRRP(let nextHeader):
            return "AH header for protocol \(nextHeader), not VRRP - ignoring"
        case .ahICVMismatch:
            return "IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
        case .ahSPIMismatch(let spi, let source):
            // keepalived prints the network-order words with %u on the host.
            return "IPSEC AH : invalid IPSEC SPI value. \(UInt32(bigEndian: source)) and expect \(UInt32(bigEndian: spi))"
        case .ahSequenceNotIncreasing(let received, let last):
            return "IPSEC-AH : sequence number \(received) already processed. Packet dropped. Local(\(last))"
        case .advertIntervalMismatch(let receivedSeconds, let expectedSeconds):
            return "advertisement interval mismatch mine=\(expectedSeconds) sec rcv'd=\(receivedSeconds) sec"
        case .typeNotAdvertisement(let type):
            return "Invalid packet type. \(type) and expect \(VRRPPacketConstants.advertisementType)"
        case .addressCountMismatch(let received, let expected):
            return "received an unexpected ip number count \(received), expected \(expected)!"
        case .ipTotalLengthMismatch(let totalLength, let received):
            return "ip_tot_len mismatch against received length. \(totalLength) and received \(received)"
        case .checksum(let version):
            return "Invalid VRRPv\(version.rawValue) checksum"
        case .addressMissing(let address, let vrid):
            return "ip address associated with VRID \(vrid) not present in MASTER advert: \(address)"
        case .unicastSourceNotPeer(let source):
            return "unicast source address \(source) not a unicast peer"
        case .ttlOutOfPeerRange(let received, let min, let max):
            return "TTL/HL \(received) not in range \(min) - \(max)"
        }
    }

    /// The whole log line as keepalived writes it for `instance` (prefix where keepalived has one).
    public func logMessage(instance: String) -> String {
        isInstanceScoped ? "(\(instance)) \(description)" : description
    }
}

/// How many packets were dropped for each reason (one instance or one socket).
public struct VRRPDropCounters: Sendable, Hashable {
    public private(set) var counts: [VRRPDropReason.Kind: Int] = [:]

    public init() {}

    /// Counts one drop.
    public mutating func record(_ reason: VRRPDropReason) {
        counts[reason.kind, default: 0] += 1
    }

    /// Counts the drop of a validation result; accepted adverts count nothing.
    public mutating func record(_ result: Result<VRRPAdvert, VRRPDropReason>) {
        if case .failure(let reason) = result { record(reason) }
    }

    public subscript(kind: VRRPDropReason.Kind) -> Int { counts[kind] ?? 0 }

    /// All drops.
    public var total: Int { counts.values.reduce(0, +) }

    /// The counts folded into keepalived's statistics names (`packet_len_err`, `auth_failure`, ...).
    public var keepalivedStatistics: [String: Int] {
        var statistics: [String: Int] = [:]
        for (kind, count) in counts {
            if let name = kind.keepalivedCounter { statistics[name, default: 0] += count }
        }
        return statistics
    }
}
