import ConfParser

/// Which shared socket an instance sends and receives on: one per interface, family, IP protocol
/// (51 for AH) and multicast group / unicast source.
struct VRRPSocketKey: Hashable, Sendable, CustomStringConvertible {
    var interface: String
    var isIPv6: Bool
    var ipProtocol: Int32
    /// The joined group; nil for a unicast socket.
    var group: IPAddress?
    /// IPv6 unicast: the source put in IPV6_PKTINFO.
    var unicastSource: IPAddress?

    var description: String {
        "\(interface)/\(isIPv6 ? "IPv6" : "IPv4")/\(ipProtocol)" + (group.map { "/\($0)" } ?? "/unicast")
    }
}

/// How instances are matched across a reload: VRID, interface and family (keepalived's rule).
struct VRRPInstanceIdentity: Hashable, Sendable {
    var virtualRouterID: Int
    var interface: String
    var family: IPFamily
}

/// The I/O half of one instance: what it sends, where, and what it accepts. The machine lives in
/// its `VRRPMachineUnit`; this value is owned by the shell's queue.
struct VRRPInstanceRunner: Sendable {
    var instance: VRRPInstance
    let globals: GlobalDefs
    var expectations: VRRPReceiveExpectations
    var receiveState = VRRPReceiveState()
    var drops = VRRPDropCounters()
    /// Adverts sent / received and MASTER transitions (keepalived's statistics).
    var traffic = VRRPTrafficCounters()
    /// The AH sequence number of the last advert sent.
    var ahSequence: UInt32 = 0

    init(instance: VRRPInstance, globals: GlobalDefs) {
        self.instance = instance
        self.globals = globals
        expectations = VRRPReceiveExpectations(instance: instance, globals: globals)
    }

    var name: String { instance.name }
    var family: IPFamily { instance.addressFamily }
    var version: VRRPVersion { VRRPVersion(instance.version) ?? .v2 }
    var identity: VRRPInstanceIdentity {
        VRRPInstanceIdentity(virtualRouterID: instance.virtualRouterID, interface: instance.interface, family: family)
    }

    /// The multicast group the instance sends to (and its socket joins).
    var multicastGroup: IPAddress {
        if let destination = instance.multicastDestinationIP { return destination }
        return family == .ipv6 ? globals.vrrpMcastGroup6 : globals.vrrpMcastGroup4
    }

    var socketKey: VRRPSocketKey {
        let usesAH: Bool
        if case .ah = expectations.authentication { usesAH = true } else { usesAH = false }
        return VRRPSocketKey(
            interface: instance.interface,
            isIPv6: family == .ipv6,
            ipProtocol: usesAH ? 51 : 112,
            group: instance.isUnicast ? nil : multicastGroup,
            unicastSource: family == .ipv6 && instance.isUnicast ? instance.unicastSourceIP : nil
        )
    }

    /// Each unicast peer, or the group.
    var destinations: [IPAddress] {
        instance.isUnicast ? instance.unicastPeers.map(\.address) : [multicastGroup]
    }

    /// The source of our adverts: unicast_src_ip / mcast_src_ip, else the interface's primary
    /// IPv4 address or its link-local IPv6 address.
    func sourceAddress(interface: InterfaceInfo?) -> IPAddress? {
        if let configured = instance.unicastSourceIP ?? instance.multicastSourceIP { return configured }
        return family == .ipv6 ? interface?.linkLocalIPv6 : interface?.primaryIPv4
    }

    /// The addresses our adverts carry (virtual_ipaddress of the instance's family).
    var advertisedAddresses: [IPAddress] {
        instance.virtualAddresses.map(\.address).filter { $0.isIPv6 == (family == .ipv6) }
    }

    /// Everything the instance configures when MASTER: virtual_ipaddress then the excluded ones.
    var allVirtualAddresses: [VirtualAddress] {
        instance.virtualAddresses + instance.excludedAddresses
    }

    /// The advert to send with `priority`.
    func advert(priority: Int) -> VRRPAdvert {
        var authentication = VRRPAdvertAuthentication.none
        switch expectations.authentication {
        case .none: break
        case .password(let key): authentication = .password(key)
        case .ah: authentication = .ah
        }
        return VRRPAdvert(
            version: version,
            virtualRouterID: UInt8(clamping: instance.virtualRouterID),
            priority: UInt8(clamping: priority),
            advertIntervalCentiseconds: VRRPAdvert.centiseconds(fromSeconds: instance.advertInterval, version: version),
            addresses: advertisedAddresses,
            authentication: authentication
        )
    }

    /// The bytes to send to `destination`: a whole IPv4 datagram (IP_HDRINCL) or the IPv6 payload.
    mutating func encode(priority: Int, source: IPAddress, destination: IPAddress,
                         identification: inout VRRPIPv4IdentificationCounter) throws(VRRPEncodingError) -> [UInt8] {
        let advert = advert(priority: priority)
        if family == .ipv6 {
            return try advert.encodePayload(source: source, destination: destination)
        }
        var signing: VRRPAHSigning?
        if case .ah(let key) = expectations.authentication {
            ahSequence &+= 1
            signing = VRRPAHSigning(key: key, sequenceNumber: ahSequence, zeroTTLInICV: instance.isUnicast)
        }
        var pseudoDestination: IPAddress?
        if version == .v3 && instance.isUnicast
            && (expectations.unicastChecksum == .old || receiveState.oldUnicastChecksumDetected) {
            pseudoDestination = expectations.multicastGroup4
        }
        let ttl = instance.isUnicast ? UInt8(clamping: instance.unicastTTL) : VRRPPacketConstants.requiredTTL
        return try advert.encodeIPv4Datagram(source: source, destination: destination,
                                             identification: identification.next(), ttl: ttl, ah: signing,
                                             pseudoHeaderDestination: pseudoDestination)
    }

    /// Validates a received packet for this instance (checks the address list as keepalived
    /// does for `machine`'s state), updating the receive state and drop counters.
    mutating func validate(_ packet: VRRPReceivedPacket, machine: VRRPInstanceMachine?) -> Result<VRRPAdvert, VRRPDropReason> {
        var expected = expectations
        expected.checkAddresses = VRRPReceiveExpectations.shouldCheckAddresses(
            skipCheckAdvertAddresses: instance.skipCheckAdvertAddresses || globals.vrrpSkipCheckAdvAddr,
            isMaster: machine?.state == .master, currentMaster: machine?.masterSource, source: packet.source)
        let result: Result<VRRPAdvert, VRRPDropReason>
        if family == .ipv6 {
            result = VRRPReceiveValidator.validate(
                ipv6Payload: packet.bytes, source: packet.source,
                destination: packet.destination ?? multicastGroup, hopLimit: packet.hopLimit,
                expecting: expected, state: &receiveState)
        } else {
            result = VRRPReceiveValidator.validate(ipv4Datagram: packet.bytes, expecting: expected, state: &receiveState)
        }
        drops.record(result)
        return result
    }
}
