import ConfParser
import Testing
@testable import VRRP

/// One failing packet per drop reason, built from the keepalived captures.
@Suite("VRRPPacket validation")
struct VRRPPacketValidationTests {
    typealias Golden = VRRPPacketGoldenTests
    static let sender = Golden.sender

    static var v2None: [UInt8] { VRRPPacketCaptures.bytes(VRRPPacketCaptures.v2None) }
    static var v2Pass: [UInt8] { VRRPPacketCaptures.bytes(VRRPPacketCaptures.v2Pass) }
    static var v2AH: [UInt8] { VRRPPacketCaptures.bytes(VRRPPacketCaptures.v2AHFirst) }
    static var v3Unicast: [UInt8] { VRRPPacketCaptures.bytes(VRRPPacketCaptures.v3Unicast) }

    static var noneExpectations: VRRPReceiveExpectations { Golden.expectations(for: Golden.ipv4Cases[0].advert) }
    static var passExpectations: VRRPReceiveExpectations {
        Golden.expectations(for: Golden.ipv4Cases[2].advert, auth: .password(VRRPAuthKey("pw42")))
    }
    static var ahExpectations: VRRPReceiveExpectations {
        Golden.expectations(for: Golden.ipv4Cases[3].advert, auth: .ah(Golden.ahKey))
    }
    static var unicastExpectations: VRRPReceiveExpectations {
        Golden.expectations(for: Golden.ipv4Cases[8].advert, peers: [VRRPUnicastPeerExpectation(address: Golden.sender)])
    }

    static func patched(_ bytes: [UInt8], _ changes: [Int: UInt8]) -> [UInt8] {
        var copy = bytes
        for (offset, value) in changes { copy[offset] = value }
        return copy
    }

    /// A v2/none datagram rebuilt with a different first VRRP byte or auth type (checksum left stale).
    static func v2NoneWithTTL(_ ttl: UInt8) throws -> [UInt8] {
        try Golden.ipv4Cases[0].advert.encodeIPv4Datagram(source: sender, destination: Golden.group4, identification: 1, ttl: ttl)
    }

    /// An AH datagram whose SPI is not the source but whose ICV is valid.
    static func ahWithForeignSPI() -> [UInt8] {
        var datagram = v2AH
        datagram.replaceSubrange(24..<28, with: [10, 231, 0, 99])
        let icv = VRRPAuthAH.icv(ipHeader: Array(datagram[0..<20]), ahHeader: Array(datagram[20..<44]),
                                 message: datagram[44...], key: Golden.ahKey, zeroTTL: false)
        datagram.replaceSubrange(32..<44, with: icv)
        return datagram
    }

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let datagram: [UInt8]
        let expectations: VRRPReceiveExpectations
        let expected: VRRPDropReason
        var description: String { name }
    }

    static func cases() throws -> [Case] {
        var ttlPeer = unicastExpectations
        ttlPeer.checkUnicastSource = true
        ttlPeer.unicastPeers = [VRRPUnicastPeerExpectation(address: sender, minTTL: 0, maxTTL: 64)]
        var notPeer = unicastExpectations
        notPeer.checkUnicastSource = true
        notPeer.unicastPeers = [VRRPUnicastPeerExpectation(address: IPAddress("10.231.0.9")!)]
        var otherVRID = noneExpectations
        otherVRID.virtualRouterID = 99
        var multicastOnUnicast = noneExpectations
        multicastOnUnicast.unicastPeers = [VRRPUnicastPeerExpectation(address: sender)]
        var v2ForV3 = Golden.expectations(for: Golden.ipv4Cases[6].advert)
        v2ForV3.version = .v2
        var wrongPassword = passExpectations
        wrongPassword.authentication = .password(VRRPAuthKey("pw43"))
        var wrongKey = ahExpectations
        wrongKey.authentication = .ah(VRRPAuthKey("ahsecreT"))
        var slower = noneExpectations
        slower.advertIntervalCentiseconds = 200
        var fewer = noneExpectations
        fewer.addresses = [IPAddress("10.231.0.100")!]
        var other = noneExpectations
        other.addresses = [IPAddress("10.231.0.100")!, IPAddress("10.231.0.200")!]

        return [
            Case(name: "too short", datagram: Array(v2None.prefix(27)), expectations: noneExpectations,
                 expected: .tooShort(family: .ipv4, length: 27, withAH: false)),
            Case(name: "bad IP header", datagram: patched(v2None, [0: 0x65]), expectations: noneExpectations,
                 expected: .malformedIPHeader("IP version 6")),
            Case(name: "VRID not ours", datagram: v2None, expectations: otherVRID, expected: .unknownVirtualRouterID(51)),
            Case(name: "multicast on unicast instance", datagram: v2None, expectations: multicastOnUnicast,
                 expected: .unexpectedCast(receivedMulticast: true, family: .ipv4)),
            Case(name: "AH without AH configured", datagram: v2AH, expectations: Golden.expectations(for: Golden.ipv4Cases[3].advert),
                 expected: .ahPresenceMismatch(receivedAH: true)),
            Case(name: "length", datagram: v2None + [0, 0, 0, 0], expectations: noneExpectations,
                 expected: .lengthMismatch(received: 48, expected: 44)),
            Case(name: "TTL", datagram: try v2NoneWithTTL(64), expectations: noneExpectations, expected: .ttl(received: 64)),
            Case(name: "version", datagram: VRRPPacketCaptures.bytes(VRRPPacketCaptures.v3IPv4), expectations: v2ForV3,
                 expected: .versionMismatch(received: 3, expected: .v2)),
            Case(name: "invalid auth type", datagram: patched(v2None, [24: 7]), expectations: noneExpectations,
                 expected: .invalidAuthType(7)),
            Case(name: "auth type mismatch", datagram: v2Pass, expectations: Golden.expectations(for: Golden.ipv4Cases[2].advert),
                 expected: .authTypeMismatch(received: 1, expected: 0)),
            Case(name: "PASS mismatch", datagram: v2Pass, expectations: wrongPassword, expected: .passwordMismatch),
            Case(name: "AH for another protocol", datagram: patched(v2AH, [20: 6]), expectations: ahExpectations,
                 expected: .ahNotCarryingVRRP(nextHeader: 6)),
            Case(name: "AH ICV", datagram: v2AH, expectations: wrongKey, expected: .ahICVMismatch),
            Case(name: "AH SPI", datagram: ahWithForeignSPI(), expectations: ahExpectations,
                 expected: .ahSPIMismatch(spi: 0x0ae7_0063, source: 0x0ae7_0001)),
            Case(name: "advert interval", datagram: v2None, expectations: slower,
                 expected: .advertIntervalMismatch(receivedSeconds: 1, expectedSeconds: 2)),
            Case(name: "type", datagram: patched(v2None, [20: 0x22]), expectations: noneExpectations,
                 expected: .typeNotAdvertisement(2)),
            Case(name: "address count", datagram: v2None, expectations: fewer,
                 expected: .addressCountMismatch(received: 2, expected: 1)),
            Case(name: "IP total length", datagram: patched(v2None, [3: 0x2d]), expectations: noneExpectations,
                 expected: .ipTotalLengthMismatch(totalLength: 45, received: 44)),
            Case(name: "checksum", datagram: patched(v2None, [26: 0x33]), expectations: noneExpectations, expected: .checksum(.v2)),
            Case(name: "address missing", datagram: v2None, expectations: other,
                 expected: .addressMissing(IPAddress("10.231.0.200")!, virtualRouterID: 51)),
            Case(name: "unicast source", datagram: v3Unicast, expectations: notPeer, expected: .unicastSourceNotPeer(sender)),
            Case(name: "peer TTL range", datagram: v3Unicast, expectations: ttlPeer,
                 expected: .ttlOutOfPeerRange(received: 255, min: 0, max: 64)),
        ]
    }

    @Test("every drop reason is reported and counted exactly once")
    func everyReasonOnce() throws {
        var counters = VRRPDropCounters()
        for testCase in try Self.cases() {
            var state = VRRPReceiveState()
            let result = VRRPReceiveValidator.validate(ipv4Datagram: testCase.datagram, expecting: testCase.expectations, state: &state)
            #expect(result == .failure(testCase.expected), "\(testCase.name)")
            counters.record(result)
        }
        // The AH replay needs two packets: the first is accepted (counts nothing).
        var state = VRRPReceiveState()
        counters.record(VRRPReceiveValidator.validate(ipv4Datagram: Self.v2AH, expecting: Self.ahExpectations, state: &state))
        counters.record(VRRPReceiveValidator.validate(ipv4Datagram: Self.v2AH, expecting: Self.ahExpectations, state: &state))

        for kind in VRRPDropReason.Kind.allCases {
            #expect(counters[kind] == 1, "\(kind)")
        }
        #expect(counters.total == VRRPDropReason.Kind.allCases.count)
        #expect(counters.keepalivedStatistics["auth_failure"] == 4)
        #expect(counters.keepalivedStatistics["packet_len_err"] == 2)
    }

    @Test("IPv6: too short, wrong cast, hop limit, checksum")
    func ipv6Drops() throws {
        let parts = Golden.ipv6Parts(VRRPPacketCaptures.v3IPv6)
        let advert = try VRRPAdvert.decode(ipv6Payload: parts.payload, source: parts.source, destination: parts.destination).get()
        let multicast = Golden.expectations(for: advert, family: .ipv6)
        var unicast = multicast
        unicast.unicastPeers = [VRRPUnicastPeerExpectation(address: parts.source)]
        var state = VRRPReceiveState()
        func run(_ payload: [UInt8], hopLimit: Int?, _ expectations: VRRPReceiveExpectations) -> Result<VRRPAdvert, VRRPDropReason> {
            VRRPReceiveValidator.validate(ipv6Payload: payload, source: parts.source, destination: parts.destination,
                                          hopLimit: hopLimit, expecting: expectations, state: &state)
        }
        #expect(run(Array(parts.payload.prefix(7)), hopLimit: 255, multicast) == .failure(.tooShort(family: .ipv6, length: 7, withAH: false)))
        #expect(run(parts.payload, hopLimit: 255, unicast) == .failure(.unexpectedCast(receivedMulticast: true, family: .ipv6)))
        #expect(run(parts.payload, hopLimit: 1, multicast) == .failure(.ttl(received: 1)))
        #expect((try? run(parts.payload, hopLimit: nil, multicast).get()) != nil)  // no IPV6_HOPLIMIT: not checked
        #expect(run(Self.patched(parts.payload, [23: 1]), hopLimit: 255, multicast) == .failure(.checksum(.v3)))
        #expect(VRRPReceiveValidator.virtualRouterID(ipv6Payload: parts.payload) == .success(55))
    }

    @Test("old unicast checksum: detected in auto, refused with never, required with old")
    func unicastChecksumCompat() throws {
        let old = VRRPPacketCaptures.bytes(VRRPPacketCaptures.v3UnicastOldChecksum)
        var expectations = Golden.expectations(for: Golden.ipv4Cases[9].advert, peers: [VRRPUnicastPeerExpectation(address: Self.sender)])
        var state = VRRPReceiveState()
        #expect((try? VRRPReceiveValidator.validate(ipv4Datagram: old, expecting: expectations, state: &state).get()) != nil)
        #expect(state.oldUnicastChecksumDetected)

        expectations.unicastChecksum = .never
        state = VRRPReceiveState()
        #expect(VRRPReceiveValidator.validate(ipv4Datagram: old, expecting: expectations, state: &state) == .failure(.checksum(.v3)))
        #expect(!state.oldUnicastChecksumDetected)

        expectations.unicastChecksum = .old
        #expect((try? VRRPReceiveValidator.validate(ipv4Datagram: old, expecting: expectations, state: &state).get()) != nil)
        #expect(!state.oldUnicastChecksumDetected)

        var rfc = Self.unicastExpectations
        rfc.unicastChecksum = .old
        #expect(VRRPReceiveValidator.validate(ipv4Datagram: Self.v3Unicast, expecting: rfc, state: &state) == .failure(.checksum(.v3)))
    }

    @Test("address checks are skipped only when the instance says so")
    func skipAddressCheck() {
        var expectations = Self.noneExpectations
        expectations.addresses = [IPAddress("10.9.9.9")!]
        var state = VRRPReceiveState()
        #expect(VRRPReceiveValidator.validate(ipv4Datagram: Self.v2None, expecting: expectations, state: &state)
                    == .failure(.addressCountMismatch(received: 2, expected: 1)))
        expectations.checkAddresses = false
        #expect((try? VRRPReceiveValidator.validate(ipv4Datagram: Self.v2None, expecting: expectations, state: &state).get())?.addresses.count == 2)

        let master = IPAddress("10.0.0.1")!
        let other = IPAddress("10.0.0.2")!
        #expect(VRRPReceiveExpectations.shouldCheckAddresses(skipCheckAdvertAddresses: false, isMaster: false, currentMaster: master, source: master))
        #expect(!VRRPReceiveExpectations.shouldCheckAddresses(skipCheckAdvertAddresses: true, isMaster: false, currentMaster: master, source: master))
        #expect(VRRPReceiveExpectations.shouldCheckAddresses(skipCheckAdvertAddresses: true, isMaster: false, currentMaster: master, source: other))
        #expect(VRRPReceiveExpectations.shouldCheckAddresses(skipCheckAdvertAddresses: true, isMaster: true, currentMaster: master, source: master))
    }

    @Test("log lines are worded like keepalived's")
    func descriptions() {
        #expect(VRRPDropReason.ttl(received: 64).logMessage(instance: "VI_1") == "(VI_1) invalid TTL/HL. Received 64 and expect 255")
        #expect(VRRPDropReason.passwordMismatch.logMessage(instance: "VI_1") == "(VI_1) received an invalid passwd!")
        #expect(VRRPDropReason.tooShort(family: .ipv4, length: 12, withAH: false).logMessage(instance: "VI_1")
                    == "IPv4 VRRP packet too short - 12 bytes")
        #expect(VRRPDropReason.advertIntervalMismatch(receivedSeconds: 1, expectedSeconds: 2).description
                    == "advertisement interval mismatch mine=2 sec rcv'd=1 sec")
        #expect(VRRPDropReason.addressCountMismatch(received: 2, expected: 1).description
                    == "received an unexpected ip number count 2, expected 1!")
        #expect(VRRPDropReason.lengthMismatch(received: 48, expected: 44).description == "vrrp packet too long, length 48 and expect 44")
        #expect(VRRPDropReason.unknownVirtualRouterID(7).isRoutingMiss)
        #expect(!VRRPDropReason.checksum(.v2).isRoutingMiss)
    }

    @Test("the VRID is read for routing before any instance check")
    func routing() {
        #expect(VRRPReceiveValidator.virtualRouterID(ipv4Datagram: Self.v2None) == .success(51))
        #expect(VRRPReceiveValidator.virtualRouterID(ipv4Datagram: Self.v2AH) == .success(53))
        #expect(VRRPReceiveValidator.virtualRouterID(ipv4Datagram: Array(Self.v2AH.prefix(40)))
                    == .failure(.tooShort(family: .ipv4, length: 40, withAH: true)))
    }
}
