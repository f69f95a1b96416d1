import CRawSocket
import ConfParser
import Foundation
import Testing
@testable import VRRP

/// Gratuitous ARP and unsolicited NA frames: against frames captured from keepalived 2.2.7, and
/// sent for real across a veth pair (the namespace tests NEED ROOT).
@Suite("VRRPIO gratuitous ARP / NA", .serialized)
struct VRRPIOGratuitousARPTests {
    static let keepalivedMAC: [UInt8] = [0xb2, 0x38, 0xeb, 0xed, 0x01, 0x90]

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test("ARP request frame is byte for byte keepalived 2.2.7's (target MAC ff:ff:ff:ff:ff:ff)")
    func arpMatchesKeepalived() {
        // keepalived 2.2.7 on a veth with MAC b2:38:eb:ed:01:90, VIP 10.99.0.100 (AF_PACKET capture).
        let captured = Self.hex("ffffffffffffb238ebed019008060001080006040001b238ebed01900a630064ffffffffffff0a630064")
        let frame = GratuitousARPFrame.arpRequest(mac: Self.keepalivedMAC, address: IPAddress("10.99.0.100")!)
        #expect(frame == captured)
    }

    @Test("neighbour advertisement is byte for byte keepalived 2.2.7's, checksum included")
    func neighbourAdvertMatchesKeepalived() {
        // keepalived 2.2.7, VIP fd00:99::100, interface not forwarding (Override only).
        let captured = Self.hex(
            "333300000001b238ebed019086dd6000000000203afffd000099000000000000000000000100ff02000000000000"
            + "000000000000000188" + "00b9b520000000fd0000990000000000000000000001000201b238ebed0190")
        let frame = GratuitousARPFrame.neighbourAdvertisement(
            mac: Self.keepalivedMAC, address: IPAddress("fd00:99::100")!, router: false)
        #expect(frame == captured)
        let routerFrame = GratuitousARPFrame.neighbourAdvertisement(
            mac: Self.keepalivedMAC, address: IPAddress("fd00:99::100")!, router: true)
        #expect(routerFrame[58] == 0xa0)
        // The checksum over the pseudo-header verifies to zero.
        let icmp = Array(routerFrame[54...])
        let sum = GratuitousARPFrame.icmpv6Checksum(source: Array(routerFrame[22..<38]),
                                                    destination: Array(routerFrame[38..<54]), message: icmp)
        #expect(sum == 0)
    }

    @Test("root: gratuitous ARP sent on one side is received on the other, field by field")
    func arpOnTheWire() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let capture = try network.inside(network.namespaceB) { () throws -> Int32 in
            let descriptor = kad_vrrp_packet_open_capture(Int32(if_nametoindex(network.interfaceB)))
            guard descriptor >= 0 else { throw VRRPIOError(operation: "capture", code: -descriptor) }
            return descriptor
        }
        defer { close(capture) }
        let vip = IPAddress("10.201.0.77")!
        let info = try network.inside(network.namespaceA) { () throws -> InterfaceInfo in
            let sender = try GratuitousARPSender()
            try sender.send(on: network.interfaceA, for: vip)
            return try InterfaceInfo.query(network.interfaceA)
        }
        let frame = try #require(VRRPIOTestNetwork.captureFrame(capture, timeout: 3) {
            $0.count >= 42 && $0[12] == 0x08 && $0[13] == 0x06 && Array($0[38..<42]) == [10, 201, 0, 77]
        })
        #expect(Array(frame[0..<6]) == [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])  // Ethernet broadcast
        #expect(Array(frame[6..<12]) == info.mac)                              // from the interface MAC
        #expect(Array(frame[14..<16]) == [0x00, 0x01])                         // hardware Ethernet
        #expect(Array(frame[16..<18]) == [0x08, 0x00])                         // protocol IPv4
        #expect(frame[18] == 6 && frame[19] == 4)
        #expect(Array(frame[20..<22]) == [0x00, 0x01])                         // REQUEST
        #expect(Array(frame[22..<28]) == info.mac)                             // sender MAC
        #expect(Array(frame[28..<32]) == [10, 201, 0, 77])                     // sender IP = VIP
        #expect(Array(frame[32..<38]) == [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) // target MAC
    }

    @Test("root: unsolicited NA sent on one side is received on the other, field by field")
    func neighbourAdvertOnTheWire() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let capture = try network.inside(network.namespaceB) { () throws -> Int32 in
            let descriptor = kad_vrrp_packet_open_capture(Int32(if_nametoindex(network.interfaceB)))
            guard descriptor >= 0 else { throw VRRPIOError(operation: "capture", code: -descriptor) }
            return descriptor
        }
        defer { close(capture) }
        let vip = IPAddress("fd00:201::77")!
        let vipBytes = IOAddressBytes.bytes(of: vip)
        let info = try network.inside(network.namespaceA) { () throws -> InterfaceInfo in
            let sender = try GratuitousARPSender()
            try sender.send(on: network.interfaceA, for: vip)
            return try InterfaceInfo.query(network.interfaceA)
        }
        let frame = try #require(VRRPIOTestNetwork.captureFrame(capture, timeout: 3) {
            $0.count >= 86 && $0[12] == 0x86 && $0[13] == 0xdd && $0[20] == 58 && $0[54] == 136
                && Array($0[62..<78]) == vipBytes
        })
        #expect(Array(frame[0..<6]) == [0x33, 0x33, 0, 0, 0, 1])
        #expect(Array(frame[6..<12]) == info.mac)
        #expect(frame[14] >> 4 == 6)
        #expect(frame[21] == 255)                                      // hop limit
        #expect(Array(frame[22..<38]) == vipBytes)                     // source = VIP
        #expect(IOAddressBytes.address(from: frame[38..<54]) == GratuitousARPFrame.allNodes)
        #expect(frame[55] == 0)                                        // code
        #expect(frame[58] & 0x20 != 0)                                 // Override
        #expect(frame[58] & 0x40 == 0)                                 // not Solicited
        #expect(Array(frame[78..<80]) == [2, 1])                       // target link-layer option
        #expect(Array(frame[80..<86]) == info.mac)
        let sum = GratuitousARPFrame.icmpv6Checksum(source: Array(frame[22..<38]),
                                                    destination: Array(frame[38..<54]), message: Array(frame[54..<86]))
        #expect(sum == 0)
    }
}
