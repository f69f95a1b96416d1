import ConfParser

/// The authentication an instance expects (VRRPv2 over IPv4 only).
public enum VRRPExpectedAuthentication: Sendable, Hashable {
    case none
    case password(VRRPAuthKey)
    case ah(VRRPAuthKey)

    /// The VRRPv2 "Auth Type" value: 0, 1 or 2.
    public var typeCode: UInt8 {
        switch self {
        case .none: return 0
        case .password: return 1
        case .ah: return 2
        }
    }
}

/// keepalived's VRRPv3-over-IPv4 unicast checksum compatibility (`old_unicast_checksum [never]`).
/// keepalived up to 1.3.6 put the multicast group, not the unicast peer, in the pseudo-header.
public enum VRRPUnicastChecksumCompat: Sendable, Hashable {
    /// Default: RFC checksum, but a unicast advert that only verifies with the multicast group in
    /// the pseudo-header is accepted and switches the instance to the old checksum
    /// (`VRRPReceiveState.oldUnicastChecksumDetected`).
    case auto
    /// `old_unicast_checksum never`: RFC checksum only, no detection.
    case never
    /// `old_unicast_checksum`: always the multicast group in the pseudo-header.
    case old
}

/// A `unicast_peer` entry as the receive checks need it.
public struct VRRPUnicastPeerExpectation: Sendable, Hashable {
    public var address: IPAddress
    public var minTTL: Int
    public var maxTTL: Int

    public init(address: IPAddress, minTTL: Int = 0, maxTTL: Int = 255) {
        self.address = address
        self.minTTL = minTTL
        self.maxTTL = maxTTL
    }
}

/// What one instance expects of a received advert.
public struct VRRPReceiveExpectations: Sendable, Hashable {
    public var version: VRRPVersion
    public var virtualRouterID: UInt8
    public var family: IPFamily
    public var authentication: VRRPExpectedAuthentication
    /// Checked for VRRPv2 only, in whole seconds (centiseconds / 100).
    public var advertIntervalCentiseconds: Int
    /// The virtual addresses the adverts must carry (excluded addresses are not in adverts).
    public var addresses: [IPAddress]
    /// Whether the address count and list are checked. keepalived checks them always, except
    /// that with `skip_check_adv_addr` a BACKUP skips them for adverts from the current
    /// master (see `shouldCheckAddresses`). A mismatch drops the advert.
    public var checkAddresses: Bool
    /// Empty for multicast instances.
    public var unicastPeers: [VRRPUnicastPeerExpectation]
    /// `check_unicast_src` / global `vrrp_check_unicast_src` (or a peer with min/max_ttl).
    public var checkUnicastSource: Bool
    public var unicastChecksum: VRRPUnicastChecksumCompat
    /// `vrrp_mcast_group4`: the pseudo-header destination of old unicast checksums.
    public var multicastGroup4: IPAddress

    public init(
        version: VRRPVersion,
        virtualRouterID: UInt8,
        family: IPFamily,
        authentication: VRRPExpectedAuthentication = .none,
        advertIntervalCentiseconds: Int,
        addresses: [IPAddress],
        checkAddresses: Bool = true,
        unicastPeers: [VRRPUnicastPeerExpectation] = [],
        checkUnicastSource: Bool = false,
        unicastChecksum: VRRPUnicastChecksumCompat = .auto,
        multicastGroup4: IPAddress = VRRPPacketConstants.multicastGroup4
    ) {
        self.version = version
        self.virtualRouterID = virtualRouterID
        self.family = family
        self.authentication = authentication
        self.advertIntervalCentiseconds = advertIntervalCentiseconds
        self.addresses = addresses
        self.checkAddresses = checkAddresses
        self.unicastPeers = unicastPeers
        self.checkUnicastSource = checkUnicastSource
        self.unicastChecksum = unicastChecksum
        self.multicastGroup4 = multicastGroup4
    }

    /// The expectations of a completed config instance.
    public init(instance: VRRPInstance, globals: GlobalDefs) {
        let version = VRRPVersion(instance.version) ?? .v2
        let family = instance.addressFamily
        var authentication = VRRPExpectedAuthentication.none
        if version == .v2, family == .ipv4, let auth = instance.authentication, let type = auth.type {
            let key = VRRPAuthKey(auth.password ?? "")
            authentication = type == .ah ? .ah(key) : .password(key)
        }
        var checksum = VRRPUnicastChecksumCompat.auto
        if let keyword = instance.otherKeywords.last(where: { $0.keyword == "old_unicast_checksum" }) {
            checksum = keyword.arguments.first == "never" ? .never : .old
        }
        let peers = instance.unicastPeers.map {
            VRRPUnicastPeerExpectation(address: $0.address, minTTL: $0.minTTL ?? 0, maxTTL: $0.maxTTL ?? 255)
        }
        let peerTTLRange = instance.unicastPeers.contains { $0.minTTL != nil || $0.maxTTL != nil }
        self.init(
            version: version,
            virtualRouterID: UInt8(clamping: instance.virtualRouterID),
            family: family,
            authentication: authentication,
            advertIntervalCentiseconds: VRRPAdvert.centiseconds(fromSeconds: instance.advertInterval, version: version),
            addresses: instance.virtualAddresses.map(\.address).filter { $0.isIPv6 == (family == .ipv6) },
            unicastPeers: peers,
            checkUnicastSource: instance.checkUnicastSource || globals.vrrpCheckUnicastSrc || peerTTLRange,
            unicastChecksum: checksum,
            multicastGroup4: globals.vrrpMcastGroup4
        )
    }

    public var isUnicast: Bool { !unicastPeers.isEmpty }

    /// keepalived's rule for checking the address list: always as MASTER; as BACKUP unless
    /// `skip_check_adv_addr` is set and the advert comes from the master we already follow.
    public static func shouldCheckAddresses(
        skipCheckAdvertAddresses: Bool,
        isMaster: Bool,
        currentMaster: IPAddress?,
        source: IPAddress
    ) -> Bool {
        isMaster || !skipCheckAdvertAddresses || currentMaster != source
    }
}

/// Receive-side state that validation updates: AH anti-replay and checksum detection.
public struct VRRPReceiveState: Sendable, Hashable {
    /// Highest AH sequence number accepted per sender. keepalived keeps one counter per
    /// instance (shared with its own send counter); keepalivedd keeps one per sender so a
    /// second router does not poison the first one's window.
    public var ahLastSequence: [IPAddress: UInt32]
    /// Set when a unicast VRRPv3 advert verified only with keepalived's old checksum: from
    /// then on send with `pseudoHeaderDestination` = the multicast group, and log
    /// `(NAME) Setting unicast VRRPv3 checksum to old version`.
    public var oldUnicastChecksumDetected: Bool

    public init(ahLastSequence: [IPAddress: UInt32] = [:], oldUnicastChecksumDetected: Bool = false) {
        self.ahLastSequence = ahLastSequence
        self.oldUnicastChecksumDetected = oldUnicastChecksumDetected
    }
}
