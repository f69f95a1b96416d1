import ConfParser

/// Protocol constants of VRRP (RFC 3768 / RFC 5798) as keepalived uses them.
public enum VRRPPacketConstants {
    /// IP protocol number of VRRP.
    public static let ipProtocolVRRP: UInt8 = 112
    /// IP protocol number of the IPsec Authentication Header (VRRPv2 `auth_type AH`).
    public static let ipProtocolAH: UInt8 = 51
    /// The TTL / hop limit every multicast advert must carry.
    public static let requiredTTL: UInt8 = 255
    /// Type field of an ADVERTISEMENT (the only type VRRP defines).
    public static let advertisementType: UInt8 = 1
    /// The fixed VRRP header: version/type, VRID, priority, count, 2 bytes, checksum.
    public static let headerLength = 8
    /// Length of the VRRPv2 authentication data field (IPv4 only).
    public static let authDataLength = 8
    /// Length of the IPv4 header keepalived sends (no options).
    public static let ipv4HeaderLength = 20
    /// Length of the AH header keepalived sends: 12 fixed bytes + a 96-bit ICV.
    public static let ahHeaderLength = 24
    /// AH "payload length" field: header length in 32-bit words minus 2 (RFC 2402).
    public static let ahPayloadLengthField: UInt8 = 4
    /// Length of the truncated HMAC-MD5-96 ICV.
    public static let ahICVLength = 12
    /// IPv4 type of service keepalived sets (internetwork control, 0xc0).
    public static let ipv4TypeOfService: UInt8 = 0xc0
    /// Default IPv4 multicast group 224.0.0.18.
    public static let multicastGroup4 = IPAddress.v4(0xE000_0012)
    /// Default IPv6 multicast group ff02::12.
    public static let multicastGroup6 = IPAddress.v6(0xFF02_0000_0000_0000, 0x12)
}

/// VRRP protocol version carried in the high nibble of the first byte.
public enum VRRPVersion: UInt8, Sendable, Hashable, CustomStringConvertible {
    case v2 = 2
    case v3 = 3

    /// The version from a config value (`version 2|3`); nil for anything else.
    public init?(_ configured: Int) {
        guard let byte = UInt8(exactly: configured), let version = VRRPVersion(rawValue: byte) else { return nil }
        self = version
    }

    public var description: String { "\(rawValue)" }
}

/// The 8-byte VRRPv2 authentication data: `auth_pass` cut to 8 bytes and zero padded,
/// exactly as keepalived stores it. It is the PASS password and the AH HMAC key.
public struct VRRPAuthKey: Sendable, Hashable, CustomStringConvertible {
    /// Always exactly 8 bytes.
    public let bytes: [UInt8]

    /// Cuts the UTF-8 bytes of `password` to 8 and pads with zeros.
    public init(_ password: String) {
        self.init(bytes: Array(password.utf8))
    }

    /// Cuts `bytes` to 8 and pads with zeros.
    public init(bytes: [UInt8]) {
        var padded = Array(bytes.prefix(VRRPPacketConstants.authDataLength))
        padded.append(contentsOf: [UInt8](repeating: 0, count: VRRPPacketConstants.authDataLength - padded.count))
        self.bytes = padded
    }

    /// The password up to its first zero byte (never logged by keepalived; for dumps only).
    public var description: String {
        String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}

/// VRRPv2 authentication of an advert (v3 and IPv6 adverts always use `.none`).
public enum VRRPAdvertAuthentication: Sendable, Hashable {
    /// Auth type 0.
    case none
    /// Auth type 1: the 8 bytes travel in clear in the authentication data field.
    case password(VRRPAuthKey)
    /// Auth type 2: an IPsec AH header precedes the VRRP message; the key is not in the packet.
    case ah

    /// The value of the VRRPv2 "Auth Type" field.
    public var typeCode: UInt8 {
        switch self {
        case .none: return 0
        case .password: return 1
        case .ah: return 2
        }
    }

    /// keepalived's name of the auth type for logs and dumps.
    public var name: String {
        switch self {
        case .none: return "none"
        case .password: return "PASS"
        case .ah: return "IPSEC_AH"
        }
    }
}

/// Where a received advert came from: filled in by validation, ignored by encoding.
public struct VRRPAdvertOrigin: Sendable, Hashable {
    /// IPv4 header source / IPv6 source from recvmsg.
    public var source: IPAddress
    /// IPv4 header destination / IPv6 destination from IPV6_PKTINFO.
    public var destination: IPAddress
    /// IPv4 TTL or IPv6 hop limit; nil when the ancillary data did not carry it.
    public var ttlOrHopLimit: Int?
    /// The AH sequence number when the advert was authenticated with AH.
    public var ahSequenceNumber: UInt32?

    public init(source: IPAddress, destination: IPAddress, ttlOrHopLimit: Int?, ahSequenceNumber: UInt32? = nil) {
        self.source = source
        self.destination = destination
        self.ttlOrHopLimit = ttlOrHopLimit
        self.ahSequenceNumber = ahSequenceNumber
    }
}

/// One VRRP advertisement as a value: what keepalivedd sends and what validation returns.
public struct VRRPAdvert: Sendable, Hashable {
    public var version: VRRPVersion
    /// Virtual router ID, 1...255 (0 is carried but never configured).
    public var virtualRouterID: UInt8
    /// 0 (master stopping), 1...254, 255 (address owner).
    public var priority: UInt8
    /// The advert interval in centiseconds. VRRPv2 carries whole seconds in 8 bits
    /// (encoded as `centiseconds / 100`), VRRPv3 carries 12 bits of centiseconds.
    public var advertIntervalCentiseconds: Int
    /// The virtual addresses, all IPv4 or all IPv6, in configuration order.
    public var addresses: [IPAddress]
    /// VRRPv2 over IPv4 only; `.none` otherwise.
    public var authentication: VRRPAdvertAuthentication
    /// Set on received adverts only.
    public var origin: VRRPAdvertOrigin?

    public init(
        version: VRRPVersion,
        virtualRouterID: UInt8,
        priority: UInt8,
        advertIntervalCentiseconds: Int,
        addresses: [IPAddress],
        authentication: VRRPAdvertAuthentication = .none,
        origin: VRRPAdvertOrigin? = nil
    ) {
        self.version = version
        self.virtualRouterID = virtualRouterID
        self.priority = priority
        self.advertIntervalCentiseconds = advertIntervalCentiseconds
        self.addresses = addresses
        self.authentication = authentication
        self.origin = origin
    }

    /// The interval in seconds (centiseconds / 100).
    public var advertIntervalSeconds: Double { Double(advertIntervalCentiseconds) / 100 }

    /// Converts a configured `advert_int` in seconds to the centiseconds an advert carries:
    /// whole seconds for VRRPv2 (keepalived truncates), rounded centiseconds for VRRPv3.
    public static func centiseconds(fromSeconds seconds: Double, version: VRRPVersion) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        switch version {
        case .v2: return Int(min(seconds, 255).rounded(.towardZero)) * 100
        case .v3: return Int(min(seconds * 100, 4095).rounded())
        }
    }
}
