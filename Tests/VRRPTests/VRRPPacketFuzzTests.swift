import ConfParser
import Testing
@testable import VRRP

/// Property-style robustness: thousands of random, truncated and mutated packets must never trap,
/// and the checksum / ICV must catch every single-byte change of a captured advert.
@Suite("VRRPPacket fuzz")
struct VRRPPacketFuzzTests {
    typealias Golden = VRRPPacketGoldenTests

    /// SplitMix64: a seeded generator so failures reproduce.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var value = state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            return value ^ (value >> 31)
        }
    }

    static var allExpectations: [VRRPReceiveExpectations] {
        var list = Golden.ipv4Cases.map { testCase in
            Golden.expectations(for: testCase.advert, auth: testCase.expectedAuth,
                                peers: testCase.destination == Golden.peer ? [VRRPUnicastPeerExpectation(address: Golden.sender)] : [])
        }
        var unicast = Golden.expectations(for: Golden.ipv4Cases[8].advert, peers: [VRRPUnicastPeerExpectation(address: Golden.sender)])
        unicast.checkUnicastSource = true
        list.append(unicast)
        return list
    }

    static var captures: [[UInt8]] { Golden.ipv4Cases.map { VRRPPacketCaptures.bytes($0.hex) } }

    func validateEverywhere(_ datagram: [UInt8], _ accepted: inout Int) {
        for expectations in Self.allExpectations {
            var state = VRRPReceiveState()
            if case .success(let advert) = VRRPReceiveValidator.validate(ipv4Datagram: datagram, expecting: expectations, state: &state) {
                accepted += 1
                #expect(advert.virtualRouterID == expectations.virtualRouterID)
                #expect(advert.addresses.count == expectations.addresses.count)
            }
        }
        _ = VRRPAdvert.decode(ipv4Datagram: datagram)
        _ = VRRPReceiveValidator.virtualRouterID(ipv4Datagram: datagram)
    }

    @Test("random buffers of every small length are rejected without trapping")
    func randomBuffers() {
        var generator = SeededGenerator(state: 0x5EED)
        var accepted = 0
        for _ in 0..<3000 {
            let length = Int.random(in: 0...120, using: &generator)
            var datagram = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if length > 0 && Bool.random(using: &generator) { datagram[0] = 0x45 }  // reach past the IP checks
            if length > 9 && Bool.random(using: &generator) { datagram[9] = Bool.random(using: &generator) ? 112 : 51 }
            validateEverywhere(datagram, &accepted)
            let hopLimit: Int? = Bool.random(using: &generator) ? Int.random(in: 0...300, using: &generator) : nil
            var state = VRRPReceiveState()
            let ipv6 = VRRPReceiveValidator.validate(ipv6Payload: datagram, source: Golden.linkLocal, destination: Golden.group6,
                                                     hopLimit: hopLimit, expecting: Golden.expectations(for: VRRPAdvert(
                                                        version: .v3, virtualRouterID: 55, priority: 1, advertIntervalCentiseconds: 50,
                                                        addresses: [IPAddress("fd00:231::100")!]), family: .ipv6), state: &state)
            if case .success(let advert) = ipv6 { #expect(advert.virtualRouterID == 55) }
        }
        #expect(accepted == 0)
    }

    @Test("every truncation of a captured advert is rejected")
    func truncations() {
        var accepted = 0
        for capture in Self.captures {
            for length in 0..<capture.count {
                validateEverywhere(Array(capture.prefix(length)), &accepted)
            }
        }
        #expect(accepted == 0)
    }

    @Test("every single-byte change of the VRRP message or AH header is caught")
    func singleByteMutations() {
        var generator = SeededGenerator(state: 42)
        for (index, capture) in Self.captures.enumerated() {
            var expectations = Self.allExpectations[index]
            expectations.checkAddresses = false
            var pristineState = VRRPReceiveState()
            #expect((try? VRRPReceiveValidator.validate(ipv4Datagram: capture, expecting: expectations, state: &pristineState).get()) != nil)
            for offset in 20..<capture.count {
                var mutated = capture
                mutated[offset] ^= UInt8.random(in: 1...255, using: &generator)
                var state = VRRPReceiveState()
                let result = VRRPReceiveValidator.validate(ipv4Datagram: mutated, expecting: expectations, state: &state)
                #expect((try? result.get()) == nil, "capture \(index) offset \(offset)")
            }
        }
    }

    @Test("random multi-byte mutations and extensions never trap")
    func randomMutations() {
        var generator = SeededGenerator(state: 7)
        var accepted = 0
        for _ in 0..<2000 {
            var datagram = Self.captures.randomElement(using: &generator) ?? []
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                guard !datagram.isEmpty else { break }
                datagram[Int.random(in: 0..<datagram.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) {
                datagram += (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            validateEverywhere(datagram, &accepted)
        }
        // Some mutations only touch unchecked IP header bytes (TOS, ID, header checksum): those
        // still validate, and validateEverywhere checked that what it accepted is consistent.
        #expect(accepted < 2000)
    }
}
