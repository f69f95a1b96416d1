import ConfParser

/// The Ethernet frames keepalived sends when it takes over an address (checked against
/// keepalived 2.2.7 on the wire):
/// - IPv4: a gratuitous ARP *request*, broadcast, sender IP = target IP = the VIP, and a target
///   hardware address of ff:ff:ff:ff:ff:ff (42 bytes, the driver pads).
/// - IPv6: an unsolicited neighbour advertisement from the VIP to ff02::1 (33:33:00:00:00:01),
///   hop limit 255, Override set (Router when the interface forwards), with a target
///   link-layer address option (86 bytes).
public enum GratuitousARPFrame {
    /// ff:ff:ff:ff:ff:ff.
    public static let broadcastMAC: [UInt8] = Array(repeating: 0xff, count: 6)
    /// 33:33:00:00:00:01, the Ethernet address of ff02::1.
    public static let allNodesMAC: [UInt8] = [0x33, 0x33, 0, 0, 0, 1]
    /// ff02::1.
    public static let allNodes = IPAddress.v6(0xFF02_0000_0000_0000, 1)

    /// The gratuitous ARP request for `address` (an IPv4 address) from `mac`.
    public static func arpRequest(mac: [UInt8], address: IPAddress) -> [UInt8] {
        precondition(mac.count == 6, "an Ethernet MAC has 6 bytes")
        let ip = IOAddressBytes.bytes(of: address)
        precondition(ip.count == 4, "gratuitous ARP is for IPv4 addresses")
        var frame: [UInt8] = []
        frame.reserveCapacity(42)
        frame += broadcastMAC + mac + [0x08, 0x06]        // Ethernet: dst, src, type ARP
        frame += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01] // Ethernet/IPv4, hlen 6, plen 4, REQUEST
        frame += mac + ip                                  // sender MAC, sender IP = VIP
        frame += broadcastMAC + ip                         // target MAC ff.., target IP = VIP
        return frame
    }

    /// The unsolicited neighbour advertisement for `address` (an IPv6 address) from `mac`.
    public static func neighbourAdvertisement(mac: [UInt8], address: IPAddress, router: Bool) -> [UInt8] {
        precondition(mac.count == 6, "an Ethernet MAC has 6 bytes")
        let target = IOAddressBytes.bytes(of: address)
        precondition(target.count == 16, "neighbour advertisements are for IPv6 addresses")
        let destination = IOAddressBytes.bytes(of: allNodes)
        // ICMPv6: type 136, code 0, checksum, flags (R 0x80, S 0x40, O 0x20), reserved, target,
        // option 2 (target link-layer address), length 1 (8 bytes), MAC.
        var icmp: [UInt8] = [136, 0, 0, 0, (router ? 0x80 : 0) | 0x20, 0, 0, 0]
        icmp += target + [2, 1] + mac
        let checksum = icmpv6Checksum(source: target, destination: destination, message: icmp)
        icmp[2] = UInt8(checksum >> 8)
        icmp[3] = UInt8(checksum & 0xff)
        var frame: [UInt8] = []
        frame.reserveCapacity(86)
        frame += allNodesMAC + mac + [0x86, 0xdd]
        let payloadLength = UInt16(icmp.count)
        frame += [0x60, 0, 0, 0, UInt8(payloadLength >> 8), UInt8(payloadLength & 0xff), 58, 255]
        frame += target + destination
        frame += icmp
        return frame
    }

    /// The ICMPv6 checksum (RFC 4443 2.3) over the IPv6 pseudo-header and `message` (whose
    /// checksum field is zero).
    public static func icmpv6Checksum(source: [UInt8], destination: [UInt8], message: [UInt8]) -> UInt16 {
        let length = UInt32(message.count)
        var pseudo = source + destination
        pseudo += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
        pseudo += [0, 0, 0, 58]
        return internetChecksum(pseudo + message)
    }

    /// The one's-complement sum of 16-bit words (RFC 1071), complemented.
    public static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
