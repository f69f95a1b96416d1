import ConfParser
import Testing
@testable import VRRP

@Suite("VRRPPacket encoding")
struct VRRPPacketEncoderTests {
    typealias Golden = VRRPPacketGoldenTests
    static let sender = Golden.sender
    static let group4 = Golden.group4

    static func advert(_ version: VRRPVersion = .v2, interval: Int = 100, addresses: [IPAddress] = Golden.ipv4("10.0.0.10"),
                       auth: VRRPAdvertAuthentication = .none) -> VRRPAdvert {
        VRRPAdvert(version: version, virtualRouterID: 7, priority: 100, advertIntervalCentiseconds: interval,
                   addresses: addresses, authentication: auth)
    }

    @Test("auth_pass is cut to 8 bytes and zero padded")
    func authKey() {
        #expect(VRRPAuthKey("pw42").bytes == [0x70, 0x77, 0x34, 0x32, 0, 0, 0, 0])
        #expect(VRRPAuthKey("longpassword").bytes == Array("longpass".utf8))
        #expect(VRRPAuthKey("").bytes == [UInt8](repeating: 0, count: 8))
        #expect(VRRPAuthKey("longpassword").description == "longpass")
    }

    @Test("adverts that cannot be carried are refused")
    func encodingErrors() {
        let v6 = IPAddress("fd00::1")!
        #expect(throws: VRRPEncodingError.mixedAddressFamilies) {
            try Self.advert(addresses: [IPAddress("10.0.0.1")!, v6]).encodePayload(source: Self.sender, destination: Self.group4)
        }
        #expect(throws: VRRPEncodingError.mixedAddressFamilies) {
            try Self.advert().encodePayload(source: Self.sender, destination: VRRPPacketConstants.multicastGroup6)
        }
        #expect(throws: VRRPEncodingError.authenticationNotAllowed) {
            try Self.advert(.v3, auth: .password(VRRPAuthKey("x"))).encodePayload(source: Self.sender, destination: Self.group4)
        }
        #expect(throws: VRRPEncodingError.intervalNotRepresentable(centiseconds: 150, version: .v2)) {
            try Self.advert(interval: 150).encodePayload(source: Self.sender, destination: Self.group4)
        }
        #expect(throws: VRRPEncodingError.intervalNotRepresentable(centiseconds: 4096, version: .v3)) {
            try Self.advert(.v3, interval: 4096).encodePayload(source: Self.sender, destination: Self.group4)
        }
        let many = (0..<256).map { IPAddress.v4(0x0a00_0000 + UInt32($0)) }
        #expect(throws: VRRPEncodingError.tooManyAddresses(256)) {
            try Self.advert(addresses: many).encodePayload(source: Self.sender, destination: Self.group4)
        }
        #expect(throws: VRRPEncodingError.missingAHSigning) {
            try Self.advert(auth: .ah).encodeIPv4Datagram(source: Self.sender, destination: Self.group4, identification: 1)
        }
    }

    @Test("configured intervals become the centiseconds an advert carries")
    func intervals() {
        #expect(VRRPAdvert.centiseconds(fromSeconds: 1.7, version: .v2) == 100)
        #expect(VRRPAdvert.centiseconds(fromSeconds: 3, version: .v2) == 300)
        #expect(VRRPAdvert.centiseconds(fromSeconds: 0.5, version: .v3) == 50)
        #expect(VRRPAdvert.centiseconds(fromSeconds: 100, version: .v3) == 4095)
        #expect(VRRPAdvert.centiseconds(fromSeconds: .nan, version: .v3) == 0)
    }

    @Test("the IPv4 identification counts from 1 and skips 0")
    func identification() {
        var counter = VRRPIPv4IdentificationCounter()
        #expect(counter.next() == 1)
        #expect(counter.next() == 2)
        counter = VRRPIPv4IdentificationCounter(last: 0xFFFF)
        #expect(counter.next() == 1)
    }

    @Test("datagrams carry a valid IPv4 header and a VRRP checksum that verifies")
    func datagramChecksums() throws {
        for version in [VRRPVersion.v2, .v3] {
            let datagram = try Self.advert(version).encodeIPv4Datagram(source: Self.sender, destination: Self.group4, identification: 77)
            #expect(VRRPPacketBytes.internetChecksum(Array(datagram[0..<20])) == 0)
            #expect(datagram[8] == 255 && datagram[9] == 112 && datagram[1] == 0xc0 && datagram[6] == 0)
            let message = Array(datagram[20...])
            let pseudo = version == .v3
                ? VRRPPacketBytes.pseudoHeader(source: Self.sender, destination: Self.group4, length: message.count) : []
            #expect(VRRPPacketBytes.internetChecksum(message, pseudoHeader: pseudo) == 0)
        }
    }

    @Test("VRRPv2 over IPv6 has no authentication field")
    func v2OverIPv6() throws {
        let address = IPAddress("fd00::10")!
        let payload = try Self.advert(addresses: [address]).encodePayload(source: Golden.linkLocal, destination: Golden.group6)
        #expect(payload.count == 8 + 16)
        let decoded = try VRRPAdvert.decode(ipv6Payload: payload, source: Golden.linkLocal, destination: Golden.group6).get()
        #expect(decoded.version == .v2 && decoded.addresses == [address] && decoded.authentication == .none)
    }

    @Test("unicast AH zeroes the TTL in the ICV on both sides")
    func unicastAH() throws {
        let peer = Golden.peer
        let key = VRRPAuthKey("k")
        let advert = Self.advert(auth: .ah)
        let datagram = try advert.encodeIPv4Datagram(source: Self.sender, destination: peer, identification: 3, ttl: 64,
                                                      ah: VRRPAHSigning(key: key, sequenceNumber: 5, zeroTTLInICV: true))
        var expectations = Golden.expectations(for: advert, auth: .ah(key), peers: [VRRPUnicastPeerExpectation(address: Self.sender)])
        var state = VRRPReceiveState()
        let accepted = try VRRPReceiveValidator.validate(ipv4Datagram: datagram, expecting: expectations, state: &state).get()
        #expect(accepted.origin?.ahSequenceNumber == 5)
        #expect(accepted.origin?.ttlOrHopLimit == 64)

        // Unicast: the TTL is neither checked nor covered by the ICV; multicast checks it first.
        var rewritten = datagram
        rewritten[8] = 3
        state = VRRPReceiveState()
        #expect((try? VRRPReceiveValidator.validate(ipv4Datagram: rewritten, expecting: expectations, state: &state).get()) != nil)
        expectations.unicastPeers = []
        state = VRRPReceiveState()
        #expect(VRRPReceiveValidator.validate(ipv4Datagram: rewritten, expecting: expectations, state: &state) == .failure(.ttl(received: 3)))
    }

    @Test("expectations follow the completed configuration")
    func expectationsFromConfig() throws {
        let text = """
        global_defs {
            vrrp_check_unicast_src
        }
        vrrp_instance A {
            interface eth0
            virtual_router_id 9
            priority 100
            advert_int 2
            authentication {
                auth_type PASS
                auth_pass secretpassword
            }
            virtual_ipaddress {
                192.0.2.1/24
                192.0.2.2/24
            }
        }
        vrrp_instance B {
            interface eth0
            version 3
            virtual_router_id 10
            advert_int 0.25
            unicast_src_ip 192.0.2.10
            unicast_peer {
                192.0.2.11 min_ttl 250
            }
            old_unicast_checksum
            virtual_ipaddress {
                192.0.2.3/24
            }
        }
        """
        let result = ConfigLoader.load(text: text)
        let instances = result.config.vrrpInstances
        try #require(instances.count == 2)
        let a = VRRPReceiveExpectations(instance: instances[0], globals: result.config.globalDefs)
        #expect(a.version == .v2 && a.virtualRouterID == 9 && a.family == .ipv4)
        #expect(a.authentication == .password(VRRPAuthKey("secretpa")))
        #expect(a.advertIntervalCentiseconds == 200)
        #expect(a.addresses == Golden.ipv4("192.0.2.1", "192.0.2.2"))
        #expect(!a.isUnicast)
        let b = VRRPReceiveExpectations(instance: instances[1], globals: result.config.globalDefs)
        #expect(b.version == .v3 && b.advertIntervalCentiseconds == 25 && b.authentication == .none)
        #expect(b.unicastPeers == [VRRPUnicastPeerExpectation(address: IPAddress("192.0.2.11")!, minTTL: 250, maxTTL: 255)])
        #expect(b.checkUnicastSource && b.unicastChecksum == .old)
    }
}
