import ConfParser
import Dispatch
import Foundation
import Testing
@testable import VRRP

/// VRRPSocket between two namespaces over a veth pair (NEEDS ROOT: namespaces and raw sockets).
@Suite("VRRPIO socket (needs root)", .serialized)
struct VRRPIOSocketTests {
    /// A 20-byte IPv4 header (checksum left for the kernel) followed by `payload`.
    static func ipv4Datagram(source: IPAddress, destination: IPAddress, ttl: UInt8, payload: [UInt8]) -> [UInt8] {
        let total = UInt16(20 + payload.count)
        var header: [UInt8] = [0x45, 0xc0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0, 0, ttl, 112, 0, 0]
        header += IOAddressBytes.bytes(of: source) + IOAddressBytes.bytes(of: destination)
        return header + payload
    }

    static let payload: [UInt8] = [0x21, 0x33, 0xff, 0x01, 0x00, 0x01, 0xd5, 0x02, 10, 201, 0, 100]

    @Test("root: IPv4 multicast advert arrives with bytes, source, group and TTL 255")
    func ipv4Multicast() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let queue = DispatchQueue(label: "vrrpio.test.v4")
        let received = VRRPIOCollector<VRRPReceivedPacket>()
        let receiver = try network.inside(network.namespaceB) {
            try VRRPSocket(.init(interface: network.interfaceB, isIPv6: false))
        }
        defer { receiver.close() }
        receiver.startReceiving(on: queue) { received.append($0) }
        let sender = try network.inside(network.namespaceA) {
            try VRRPSocket(.init(interface: network.interfaceA, isIPv6: false))
        }
        defer { sender.close() }
        #expect(sender.advertisementDestinations == [VRRPSocket.ipv4Group])
        let source = IPAddress(network.addressA)!
        let datagram = Self.ipv4Datagram(source: source, destination: VRRPSocket.ipv4Group, ttl: 255, payload: Self.payload)
        try sender.send(datagram, to: VRRPSocket.ipv4Group)

        let packet = try #require(received.wait(timeout: 3) { $0.source == source })
        #expect(packet.bytes.count == datagram.count)
        #expect(Array(packet.bytes.suffix(Self.payload.count)) == Self.payload)
        #expect(packet.bytes[8] == 255)
        #expect(packet.bytes[9] == 112)
        #expect(packet.hopLimit == 255)
        #expect(packet.destination == VRRPSocket.ipv4Group)
        #expect(packet.interfaceIndex == receiver.interfaceIndex)
    }

    @Test("root: IPv6 multicast advert arrives from the link-local source with hop limit 255")
    func ipv6Multicast() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let queue = DispatchQueue(label: "vrrpio.test.v6")
        let received = VRRPIOCollector<VRRPReceivedPacket>()
        let receiver = try network.inside(network.namespaceB) {
            try VRRPSocket(.init(interface: network.interfaceB, isIPv6: true))
        }
        defer { receiver.close() }
        receiver.startReceiving(on: queue) { received.append($0) }
        let (sender, info) = try network.inside(network.namespaceA) {
            (try VRRPSocket(.init(interface: network.interfaceA, isIPv6: true)),
             try InterfaceInfo.query(network.interfaceA))
        }
        defer { sender.close() }
        let linkLocal = try #require(info.linkLocalIPv6)
        #expect(sender.advertisementDestinations == [VRRPSocket.ipv6Group])
        // Sent without an explicit source (the kernel picks the link-local one) and a second time
        // with it given through IPV6_PKTINFO: both must arrive from the link-local address.
        try sender.send(Self.payload, to: VRRPSocket.ipv6Group)
        let first = try #require(received.wait(timeout: 3) { $0.source == linkLocal })
        #expect(first.bytes == Self.payload)
        #expect(first.hopLimit == 255)
        #expect(first.destination == VRRPSocket.ipv6Group)
        #expect(first.interfaceIndex == receiver.interfaceIndex)

        let explicit = try network.inside(network.namespaceA) {
            try VRRPSocket(.init(interface: network.interfaceA, isIPv6: true, unicastSource: linkLocal))
        }
        defer { explicit.close() }
        let marked = Self.payload + [0xAB]
        try explicit.send(marked, to: VRRPSocket.ipv6Group)
        let second = try #require(received.wait(timeout: 3) { $0.bytes == marked })
        #expect(second.source == linkLocal)
    }

    @Test("root: unicast mode sends to each peer and receives without joining a group")
    func ipv4Unicast() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let queue = DispatchQueue(label: "vrrpio.test.unicast")
        let received = VRRPIOCollector<VRRPReceivedPacket>()
        let peerA = IPAddress(network.addressA)!
        let peerB = IPAddress(network.addressB)!
        let receiver = try network.inside(network.namespaceB) {
            try VRRPSocket(.init(interface: network.interfaceB, isIPv6: false, unicastPeers: [peerA], unicastSource: peerB))
        }
        defer { receiver.close() }
        receiver.startReceiving(on: queue) { received.append($0) }
        let sender = try network.inside(network.namespaceA) {
            try VRRPSocket(.init(interface: network.interfaceA, isIPv6: false, unicastPeers: [peerB], unicastSource: peerA))
        }
        defer { sender.close() }
        #expect(sender.configuration.isUnicast)
        #expect(sender.advertisementDestinations == [peerB])
        for destination in sender.advertisementDestinations {
            try sender.send(Self.ipv4Datagram(source: peerA, destination: destination, ttl: 255, payload: Self.payload),
                            to: destination)
        }
        let packet = try #require(received.wait(timeout: 3) { $0.source == peerA })
        #expect(packet.destination == peerB)
        #expect(Array(packet.bytes.suffix(Self.payload.count)) == Self.payload)
        // Unicast mode joins no multicast group.
        #expect(try Self.ipv4Memberships(network, namespace: network.namespaceB).contains("224.0.0.18") == false)
    }

    @Test("root: multicast socket joins 224.0.0.18 on its interface (ip maddr)")
    func joinsGroup() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let socket = try network.inside(network.namespaceB) {
            try VRRPSocket(.init(interface: network.interfaceB, isIPv6: false))
        }
        #expect(try Self.ipv4Memberships(network, namespace: network.namespaceB).contains("224.0.0.18"))
        socket.close()
        // The group is left when the socket is destroyed; a process being spawned concurrently by
        // another test can hold the descriptor for a moment between fork and exec, so poll.
        var left = false
        for _ in 0..<100 where !left {
            left = try !Self.ipv4Memberships(network, namespace: network.namespaceB).contains("224.0.0.18")
            if !left { usleep(20_000) }
        }
        #expect(left)
        #expect(throws: VRRPIOError.self) { try socket.send([1], to: VRRPSocket.ipv4Group) }
    }

    @Test("root: opening on a missing interface fails with ENODEV")
    func missingInterface() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let error = try network.inside(network.namespaceA) { () -> VRRPIOError? in
            do {
                _ = try VRRPSocket(.init(interface: "nosuchvio0", isIPv6: false))
                return nil
            } catch let error as VRRPIOError {
                return error
            } catch {
                return nil
            }
        }
        #expect(error?.code == ENODEV)
        #expect(error?.message == "No such device")
    }

    /// `ip maddr show dev IF` inside the namespace.
    static func ipv4Memberships(_ network: VRRPIOTestNetwork, namespace: String) throws -> String {
        try VRRPIOTestNetwork.ip("-n", namespace, "maddr", "show", "dev", network.interfaceB)
    }
}
