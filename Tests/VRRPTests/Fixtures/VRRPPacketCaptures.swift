/// Real adverts sent by keepalived 2.2.7 (Debian), captured on a veth pair between two network
/// namespaces (sender side `cva` 10.231.0.1/24, fd00:231::1/64, link-local
/// fe80::7c16:b9ff:fea1:1f96; receiver `cvb` 10.231.0.2/24) with an AF_PACKET socket on the
/// receiver, Ethernet header stripped. keepalived ran as
/// `keepalived -n -l -D -P -f ka.conf` and was stopped with SIGTERM (priority-0 adverts).
///
/// ka.conf (abridged; every instance `state BACKUP`, `interface cva`):
///
///     vrrp_instance V2NONE   { virtual_router_id 51  priority 150  advert_int 1
///                              virtual_ipaddress { 10.231.0.100/24  10.231.0.101/24 } }
///     vrrp_instance V2PASS   { virtual_router_id 52  priority 120  advert_int 2
///                              authentication { auth_type PASS  auth_pass pw42 }
///                              virtual_ipaddress { 10.231.0.102/24 } }
///     vrrp_instance V2AH     { virtual_router_id 53  priority 200  advert_int 1
///                              authentication { auth_type AH  auth_pass ahsecret }
///                              virtual_ipaddress { 10.231.0.103/24 } }
///     vrrp_instance V3V4     { version 3  virtual_router_id 54  priority 100  advert_int 1
///                              virtual_ipaddress { 10.231.0.104/24  10.231.0.105/24  10.231.0.106/24 } }
///     vrrp_instance V3V6     { version 3  virtual_router_id 55  priority 110  advert_int 0.5
///                              virtual_ipaddress { fd00:231::100/64 } }
///     vrrp_instance V3UNI    { version 3  virtual_router_id 56  priority 130  advert_int 1
///                              unicast_src_ip 10.231.0.1  unicast_peer { 10.231.0.2 }
///                              virtual_ipaddress { 10.231.0.107/24 } }
///     vrrp_instance V3UNIOLD { version 3  virtual_router_id 57  priority 140  advert_int 1
///                              unicast_src_ip 10.231.0.1  unicast_peer { 10.231.0.2 }
///                              old_unicast_checksum
///                              virtual_ipaddress { 10.231.0.108/24 } }
///
/// IPv4 entries are whole datagrams (IP header as sent with IP_HDRINCL: TOS 0xc0, ID counting
/// from 1 per instance, no DF, TTL 255, kernel-filled header checksum). IPv6 entries are whole
/// IPv6 packets (40-byte header + VRRP payload).
enum VRRPPacketCaptures {
    /// V2NONE, first advert (IP ID 1).
    static let v2None = "45c0002c00010000ff70cfa60ae70001e000001221339602000132320ae700640ae700650000000000000000"
    /// V2NONE, priority 0 on SIGTERM (IP ID 9).
    static let v2NoneStop = "45c0002c00090000ff70cf9e0ae70001e0000012213300020001c8320ae700640ae700650000000000000000"
    /// V2PASS, first advert: auth type 1, "pw42" zero padded.
    static let v2Pass = "45c0002800010000ff70cfaa0ae70001e0000012213478010102b5d10ae700667077343200000000"
    /// V2AH, first advert: protocol 51, SPI 10.231.0.1, sequence 1.
    static let v2AHFirst = "45c0004000010000ff33cfcf0ae70001e0000012700400000ae7000100000001f0866ed3085d4f1374c393612135c8010201097a0ae700670000000000000000"
    /// V2AH, the next advert: sequence 2 (IP ID 2).
    static let v2AHSecond = "45c0004000020000ff33cfce0ae70001e0000012700400000ae700010000000201ed2d5994ac0518732fb9172135c8010201097a0ae700670000000000000000"
    /// V2AH, priority 0 on SIGTERM: sequence 9.
    static let v2AHStop = "45c0004000090000ff33cfc70ae70001e0000012700400000ae7000100000009512d74f04f55f4c01009d755213500010201d17a0ae700670000000000000000"
    /// V3V4, first advert: 100 centiseconds, three addresses.
    static let v3IPv4 = "45c0002800010000ff70cfaa0ae70001e00000123136640300645cf30ae700680ae700690ae7006a"
    /// V3V4, priority 0 on SIGTERM (IP ID 8).
    static let v3IPv4Stop = "45c0002800080000ff70cfa30ae70001e0000012313600030064c0f30ae700680ae700690ae7006a"
    /// V3V6, an advert: 50 centiseconds, from the link-local address to ff02::12.
    static let v3IPv6 = "6c0aa894001870fffe800000000000007c16b9fffea11f96ff02000000000000000000000000001231376e0100320df7fd000231000000000000000000000100"
    /// V3V6, priority 0 on SIGTERM.
    static let v3IPv6Stop = "6c0aa894001870fffe800000000000007c16b9fffea11f96ff0200000000000000000000000000123137000100327bf7fd000231000000000000000000000100"
    /// V3UNI, first advert to 10.231.0.2: RFC 5798 checksum with the unicast destination.
    static let v3Unicast = "45c0002000010000ff70a4dc0ae700010ae700023138820100642ac30ae7006b"
    /// V3UNIOLD, first advert to 10.231.0.2: checksum with 224.0.0.18 in the pseudo-header.
    static let v3UnicastOldChecksum = "45c0002000010000ff70a4dc0ae700010ae7000231398c0100644b970ae7006c"

    /// Bytes of a hex string (test data only: traps on malformed text).
    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            result.append(UInt8(String([high, low]), radix: 16)!)
        }
        return result
    }
}
