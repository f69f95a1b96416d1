import ConfParser
import Testing
@testable import VRRP

/// Decode and re-encode the adverts captured from keepalived 2.2.7 (see Fixtures/VRRPPacketCaptures.swift).
/// IPv4 re-encoding passes the captured IP identification, so whole datagrams (header
/// checksum and, for AH, the ICV that covers the ID) compare byte for byte.
@Suite("VRRPPacket golden captures")
struct VRRPPacketGoldenTests {
    static let sender = IPAddress("10.231.0.1")!
    static let peer = IPAddress("10.231.0.2")!
    static let group4 = VRRPPacketConstants.multicastGroup4
    static let linkLocal = IPAddress("fe80::7c16:b9ff:fea1:1f96")!
    static let group6 = VRRPPacketConstants.multicastGroup6

    static func ipv4(_ text: String...) -> [IPAddress] { text.map { IPAddress($0)! } }

    static func expectations(for advert: VRRPAdvert, family: IPFamily = .ipv4, auth: VRRPExpectedAuthentication = .none,
                             peers: [VRRPUnicastPeerExpectation] = []) -> VRRPReceiveExpectations {
        VRRPReceiveExpectations(version: advert.version, virtualRouterID: advert.virtualRouterID, family: family,
                                authentication: auth, advertIntervalCentiseconds: advert.advertIntervalCentiseconds,
                                addresses: advert.addresses, unicastPeers: peers)
    }

    struct IPv4Case: Sendable, CustomStringConvertible {
        let name: String
        let hex: String
        let advert: VRRPAdvert
        let destination: IPAddress
        let ah: VRRPAHSigning?
        let expectedAuth: VRRPExpectedAuthentication
        let pseudoHeaderDestination: IPAddress?
        var description: String { name }
    }

    static let ahKey = VRRPAuthKey("ahsecret")
    static let ipv4Cases: [IPv4Case] = [
        IPv4Case(name: "v2 none", hex: VRRPPacketCaptures.v2None,
                 advert: VRRPAdvert(version: .v2, virtualRouterID: 51, priority: 150, advertIntervalCentiseconds: 100,
                                    addresses: ipv4("10.231.0.100", "10.231.0.101")),
                 destination: group4, ah: nil, expectedAuth: .none, pseudoHeaderDestination: nil),
        IPv4Case(name: "v2 none priority 0", hex: VRRPPacketCaptures.v2NoneStop,
                 advert: VRRPAdvert(version: .v2, virtualRouterID: 51, priority: 0, advertIntervalCentiseconds: 100,
                                    addresses: ipv4("10.231.0.100", "10.231.0.101")),
                 destination: group4, ah: nil, expectedAuth: .none, pseudoHeaderDestination: nil),
        IPv4Case(name: "v2 PASS", hex: VRRPPacketCaptures.v2Pass,
                 advert: VRRPAdvert(version: .v2, virtualRouterID: 52, priority: 120, advertIntervalCentiseconds: 200,
                                    addresses: ipv4("10.231.0.102"), authentication: .password(VRRPAuthKey("pw42"))),
                 destination: group4, ah: nil, expectedAuth: .password(VRRPAuthKey("pw42")), pseudoHeaderDestination: nil),
        IPv4Case(name: "v2 AH seq 1", hex: VRRPPacketCaptures.v2AHFirst,
                 advert: VRRPAdvert(version: .v2, virtualRouterID: 53, priority: 200, advertIntervalCentiseconds: 100,
                                    addresses: ipv4("10.231.0.103"), authentication: .ah),
                 destination: group4, ah: VRRPAHSigning(key: ahKey, sequenceNumber: 1), expectedAuth: .ah(ahKey), pseudoHeaderDestination: nil),
        IPv4Case(name: "v2 AH seq 2", hex: VRRPPacketCaptures.v2AHSecond,
                 advert: VRRPAdvert(version: .v2, virtualRouterID: 53, priority: 200, advertIntervalCentiseconds: 100,
                                    addresses: ipv4("10.231.0.103"), authentication: .ah),
                 destination: group4, ah: VRRPAHSigning(key: ahKey, sequenceNumber: 2), expectedAuth: .ah(ahKey), pseudoHeaderDestination: nil),
        IPv4Case(name: "v2 AH priority 0", hex: VRRPPacketCaptures.v2AHStop,
                 advert: VRRPAdvert(version: .v2, virtualRouterID: 53, priority: 0, advertIntervalCentiseconds: 100,
                                    addresses: ipv4("10.231.0.103"), authentication: .ah),
                 destination: group4, ah: VRRPAHSigning(key: ahKey, sequenceNumber: 9), expectedAuth: .ah(ahKey), pseudoHeaderDestination: nil),
        IPv4Case(name: "v3 IPv4", hex: VRRPPacketCaptures.v3IPv4,
                 advert: VRRPAdvert(version: .v3, virtualRouterID: 54, priority: 100, advertIntervalCentiseconds: 100,
                                    addresses: ipv4("10.231.0.104", "10.231.0.105", "10.231.0.106")),
                 destination: group4, ah: nil, expectedAuth: .none, pseudoHeaderDestination: nil),
        IPv4Case(name: "v3 IPv4 priority 0", hex: VRRPPacketCaptures.v3IPv4Stop,
                 advert: VRRPAdvert(version: .v3, virtualRouterID: 54, priority: 0, advertIntervalCentiseconds: 100,
                                    addresses: ipv4("10.231.0.104", "10.231.0.105", "10.231.0.106")),
                 destination: group4, ah: nil, expectedAuth: .none, pseudoHeaderDestination: nil),
        IPv4Case(name: "v3 unicast", hex: VRRPPacketCaptures.v3Unicast,
                 advert: VRRPAdvert(version: .v3, virtualRouterID: 56, priority: 130, advertIntervalCentiseconds: 100,
                                    addresses: ipv4("10.231.0.107")),
                 destination: peer, ah: nil, expectedAuth: .none, pseudoHeaderDestination: nil),
        IPv4Case(name: "v3 unicast old checksum", hex: VRRPPacketCaptures.v3UnicastOldChecksum,
                 advert: VRRPAdvert(version: .v3, virtualRouterID: 57, priority: 140, advertIntervalCentiseconds: 100,
                                    addresses: ipv4("10.231.0.108")),
                 destination: peer, ah: nil, expectedAuth: .none, pseudoHeaderDestination: group4),
    ]

    @Test("decodes each captured IPv4 advert to its fields", arguments: ipv4Cases)
    func decodeIPv4(_ testCase: IPv4Case) throws {
        let datagram = VRRPPacketCaptures.bytes(testCase.hex)
        var decoded = try VRRPAdvert.decode(ipv4Datagram: datagram).get()
        #expect(decoded.origin?.source == Self.sender)
        #expect(decoded.origin?.destination == testCase.destination)
        #expect(decoded.origin?.ttlOrHopLimit == 255)
        #expect(decoded.origin?.ahSequenceNumber == testCase.ah?.sequenceNumber)
        decoded.origin = nil
        #expect(decoded == testCase.advert)
    }

    @Test("re-encodes each captured IPv4 advert byte for byte", arguments: ipv4Cases)
    func encodeIPv4(_ testCase: IPv4Case) throws {
        let captured = VRRPPacketCaptures.bytes(testCase.hex)
        let identification = UInt16(captured[4]) << 8 | UInt16(captured[5])
        let encoded = try testCase.advert.encodeIPv4Datagram(
            source: Self.sender, destination: testCase.destination, identification: identification,
            ah: testCase.ah, pseudoHeaderDestination: testCase.pseudoHeaderDestination)
        #expect(encoded == captured)
        let payloadStart = testCase.ah == nil ? 20 : 44
        let payload = try testCase.advert.encodePayload(source: Self.sender, destination: testCase.destination,
                                                        pseudoHeaderDestination: testCase.pseudoHeaderDestination)
        #expect(payload == Array(captured[payloadStart...]))
    }

    @Test("validates each captured IPv4 advert against its instance", arguments: ipv4Cases)
    func validateIPv4(_ testCase: IPv4Case) throws {
        var expectations = Self.expectations(for: testCase.advert, auth: testCase.expectedAuth)
        if testCase.destination == Self.peer {
            expectations.unicastPeers = [VRRPUnicastPeerExpectation(address: Self.peer)]
        }
        var state = VRRPReceiveState()
        let advert = try VRRPReceiveValidator.validate(ipv4Datagram: VRRPPacketCaptures.bytes(testCase.hex),
                                                       expecting: expectations, state: &state).get()
        #expect(advert.priority == testCase.advert.priority)
        #expect(advert.addresses == testCase.advert.addresses)
        #expect(state.oldUnicastChecksumDetected == (testCase.pseudoHeaderDestination != nil))
    }

    static func ipv6Parts(_ hex: String) -> (payload: [UInt8], source: IPAddress, destination: IPAddress, hopLimit: Int) {
        let packet = VRRPPacketCaptures.bytes(hex)
        let source = VRRPPacketBytes.address(packet, 8, isIPv6: true)!
        let destination = VRRPPacketBytes.address(packet, 24, isIPv6: true)!
        return (Array(packet[40...]), source, destination, Int(packet[7]))
    }

    @Test("decodes, re-encodes and validates the captured IPv6 adverts", arguments: [
        (VRRPPacketCaptures.v3IPv6, UInt8(110)), (VRRPPacketCaptures.v3IPv6Stop, UInt8(0)),
    ])
    func ipv6RoundTrip(hex: String, priority: UInt8) throws {
        let parts = Self.ipv6Parts(hex)
        #expect(parts.source == Self.linkLocal)
        #expect(parts.destination == Self.group6)
        let expected = VRRPAdvert(version: .v3, virtualRouterID: 55, priority: priority, advertIntervalCentiseconds: 50,
                                  addresses: [IPAddress("fd00:231::100")!])
        var decoded = try VRRPAdvert.decode(ipv6Payload: parts.payload, source: parts.source, destination: parts.destination).get()
        decoded.origin = nil
        #expect(decoded == expected)
        #expect(try expected.encodePayload(source: parts.source, destination: parts.destination) == parts.payload)

        var state = VRRPReceiveState()
        let validated = VRRPReceiveValidator.validate(
            ipv6Payload: parts.payload, source: parts.source, destination: parts.destination, hopLimit: parts.hopLimit,
            expecting: Self.expectations(for: expected, family: .ipv6), state: &state)
        #expect(try validated.get().origin?.ttlOrHopLimit == 255)
    }

    @Test("two consecutive captured AH adverts are accepted, a replay is not")
    func ahSequence() throws {
        let expectations = Self.expectations(for: Self.ipv4Cases[3].advert, auth: .ah(Self.ahKey))
        var state = VRRPReceiveState()
        let first = try VRRPReceiveValidator.validate(ipv4Datagram: VRRPPacketCaptures.bytes(VRRPPacketCaptures.v2AHFirst),
                                                      expecting: expectations, state: &state).get()
        let second = try VRRPReceiveValidator.validate(ipv4Datagram: VRRPPacketCaptures.bytes(VRRPPacketCaptures.v2AHSecond),
                                                       expecting: expectations, state: &state).get()
        #expect(first.origin?.ahSequenceNumber == 1)
        #expect(second.origin?.ahSequenceNumber == 2)
        #expect(state.ahLastSequence[Self.sender] == 2)
        let replay = VRRPReceiveValidator.validate(ipv4Datagram: VRRPPacketCaptures.bytes(VRRPPacketCaptures.v2AHFirst),
                                                   expecting: expectations, state: &state)
        #expect(replay == .failure(.ahSequenceNotIncreasing(received: 1, last: 2)))
    }

    @Test("captured checksums verify with keepalived's pseudo-header choices")
    func capturedChecksums() {
        let rfc = VRRPPacketCaptures.bytes(VRRPPacketCaptures.v3Unicast)
        let old = VRRPPacketCaptures.bytes(VRRPPacketCaptures.v3UnicastOldChecksum)
        func sum(_ datagram: [UInt8], _ destination: IPAddress) -> UInt16 {
            let message = Array(datagram[20...])
            let pseudo = VRRPPacketBytes.pseudoHeader(source: Self.sender, destination: destination, length: message.count)
            return VRRPPacketBytes.internetChecksum(message, pseudoHeader: pseudo)
        }
        #expect(sum(rfc, Self.peer) == 0)
        #expect(sum(rfc, Self.group4) != 0)
        #expect(sum(old, Self.group4) == 0)
        #expect(sum(old, Self.peer) != 0)
        let v2 = VRRPPacketCaptures.bytes(VRRPPacketCaptures.v2Pass)
        #expect(VRRPPacketBytes.internetChecksum(Array(v2[20...])) == 0)
        #expect(VRRPPacketBytes.internetChecksum(Array(v2[0..<20])) == 0)  // kernel's IPv4 header checksum
    }
}
