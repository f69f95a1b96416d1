import Foundation

/// keepalived's per-instance advert and transition statistics (`vrrp_t.stats`): what the shell
/// really sent and received, and how often the instance took or gave up MASTER.
///
/// A plain value: the shell owns one per instance on its queue and records as things happen.
public struct VRRPTrafficCounters: Sendable, Hashable, Codable {
    /// Adverts that left on the wire (`advert_sent`; one per advert, whatever the peer count).
    public var advertsSent = 0
    /// Adverts accepted for the instance after every check (`advert_rcvd`).
    public var advertsReceived = 0
    /// Sent adverts with priority 0, a MASTER stepping down (`pri_zero_sent`).
    public var priorityZeroSent = 0
    /// Accepted adverts with priority 0 (`pri_zero_rcvd`).
    public var priorityZeroReceived = 0
    /// Transitions into MASTER (`become_master`).
    public var becameMaster = 0
    /// Transitions out of MASTER (`release_master`).
    public var releasedMaster = 0
    /// Wall-clock time of the last state change; nil before the first one.
    public var lastTransition: Date?

    public init(advertsSent: Int = 0, advertsReceived: Int = 0, priorityZeroSent: Int = 0,
                priorityZeroReceived: Int = 0, becameMaster: Int = 0, releasedMaster: Int = 0,
                lastTransition: Date? = nil) {
        self.advertsSent = advertsSent
        self.advertsReceived = advertsReceived
        self.priorityZeroSent = priorityZeroSent
        self.priorityZeroReceived = priorityZeroReceived
        self.becameMaster = becameMaster
        self.releasedMaster = releasedMaster
        self.lastTransition = lastTransition
    }

    /// Counts one advert sent with `priority`.
    public mutating func recordSent(priority: Int) {
        advertsSent += 1
        if priority == 0 { priorityZeroSent += 1 }
    }

    /// Counts one accepted advert carrying `priority`.
    public mutating func recordReceived(priority: Int) {
        advertsReceived += 1
        if priority == 0 { priorityZeroReceived += 1 }
    }

    /// Records a state change at wall-clock time `date`.
    public mutating func recordTransition(from: VRRPMachineState, to: VRRPMachineState, at date: Date) {
        guard from != to else { return }
        if to == .master { becameMaster += 1 }
        if from == .master { releasedMaster += 1 }
        lastTransition = date
    }
}

/// keepalived's "Packet Errors" statistics group, folded from the drop counters.
public struct VRRPPacketErrorCounts: Sendable, Hashable, Codable {
    /// `packet_len_err`: length against the header, the address count or the IP total length.
    public var length = 0
    /// `ip_ttl_err`: TTL / hop limit not 255, or outside a unicast peer's range.
    public var ttl = 0
    /// `invalid_type_rcvd`: not an advertisement.
    public var invalidType = 0
    /// `advert_interval_err`: VRRPv2 interval differs from ours.
    public var advertisementInterval = 0
    /// `addr_list_err`: the address list does not match (count, a missing VIP, uni/multicast).
    public var addressList = 0

    public init(length: Int = 0, ttl: Int = 0, invalidType: Int = 0, advertisementInterval: Int = 0, addressList: Int = 0) {
        self.length = length
        self.ttl = ttl
        self.invalidType = invalidType
        self.advertisementInterval = advertisementInterval
        self.addressList = addressList
    }

    /// The group from an instance's drop counters.
    public init(_ drops: VRRPDropCounters) {
        length = drops[.lengthMismatch] + drops[.ipTotalLengthMismatch] + drops[.tooShort]
        ttl = drops[.ttl] + drops[.ttlOutOfPeerRange]
        invalidType = drops[.typeNotAdvertisement]
        advertisementInterval = drops[.advertIntervalMismatch]
        addressList = drops[.addressCountMismatch] + drops[.addressMissing] + drops[.unexpectedCast]
    }
}

/// keepalived's "Authentication Errors" statistics group, folded from the drop counters.
public struct VRRPAuthenticationErrorCounts: Sendable, Hashable, Codable {
    /// `invalid_authtype`: a VRRPv2 auth type other than 0, 1 or 2.
    public var invalidType = 0
    /// `authtype_mismatch`: another auth type than ours (AH present or missing included).
    public var typeMismatch = 0
    /// `auth_failure`: wrong password, AH ICV, SPI or sequence number.
    public var failure = 0

    public init(invalidType: Int = 0, typeMismatch: Int = 0, failure: Int = 0) {
        self.invalidType = invalidType
        self.typeMismatch = typeMismatch
        self.failure = failure
    }

    /// The group from an instance's drop counters.
    public init(_ drops: VRRPDropCounters) {
        invalidType = drops[.invalidAuthType]
        typeMismatch = drops[.authTypeMismatch] + drops[.ahPresenceMismatch]
        failure = drops[.passwordMismatch] + drops[.ahICVMismatch] + drops[.ahSPIMismatch]
            + drops[.ahSequenceNotIncreasing]
    }
}
