import ConfParser
import Testing
@testable import IPVSSync

/// IPVS netlink requests compared byte for byte with messages written out by hand from
/// linux/netlink.h (nlmsghdr: u32 len, u16 type, u16 flags, u32 seq, u32 pid), linux/genetlink.h
/// (u8 cmd, u8 version, u16 reserved), nlattr (u16 len, u16 type, payload padded to 4) and the
/// enums of linux/ip_vs.h. Family id 0x22, sequence 1, port id 0 throughout; integers little-endian.
@Suite struct NetlinkMessageTests {
    static let family: UInt16 = 0x22

    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    static func request(_ operation: IPVSOperation) -> [UInt8] {
        IPVSNetlinkMessages.request(operation, family: family, sequence: 1)
    }

    /// nlmsghdr for `length` bytes, family 0x22, `flags`, seq 1, pid 0; then genlmsghdr `command`, version 1.
    static func header(length: UInt8, flags: UInt16 = 0x0005, command: UInt8) -> [UInt8] {
        [length, 0, 0, 0, 0x22, 0x00, UInt8(flags & 0xff), UInt8(flags >> 8), 1, 0, 0, 0, 0, 0, 0, 0,
         command, 1, 0, 0]
    }

    static let tcpService = IPVSService(key: .endpoint(.tcp, ip("10.0.0.1"), port: 80), scheduler: "wrr",
                                        flags: .persistent, timeout: 300, netmask: 0xffff_ff00)

    @Test func newServiceTCPWithPersistenceAndGranularity() {
        let expected: [UInt8] = Self.header(length: 104, command: 1) + [
            84, 0, 1, 0,                                  // IPVS_CMD_ATTR_SERVICE, nested, 84 bytes
            6, 0, 1, 0, 2, 0, 0, 0,                       //   SVC_ATTR_AF = AF_INET
            6, 0, 2, 0, 6, 0, 0, 0,                       //   SVC_ATTR_PROTOCOL = IPPROTO_TCP
            20, 0, 3, 0, 10, 0, 0, 1,                     //   SVC_ATTR_ADDR = 10.0.0.1 (union nf_inet_addr)
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            6, 0, 4, 0, 0, 80, 0, 0,                      //   SVC_ATTR_PORT = 80, big-endian
            8, 0, 6, 0, 0x77, 0x72, 0x72, 0,              //   SVC_ATTR_SCHED_NAME = "wrr\0"
            12, 0, 7, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, // SVC_ATTR_FLAGS {flags PERSISTENT, mask ~0}
            8, 0, 8, 0, 0x2c, 0x01, 0, 0,                 //   SVC_ATTR_TIMEOUT = 300
            8, 0, 9, 0, 255, 255, 255, 0,                 //   SVC_ATTR_NETMASK = 255.255.255.0, big-endian
        ]
        #expect(Self.request(.addService(Self.tcpService)) == expected)
    }

    @Test func setServiceIPv6StripsHashedAndSendsPrefixLength() {
        let service = IPVSService(key: .endpoint(.udp, Self.ip("2001:db8::10"), port: 53), scheduler: "sh",
                                  flags: [.hashed, .shPort, .shFallback, .onePacket], timeout: 0, netmask: 64)
        let expected: [UInt8] = Self.header(length: 104, command: 2) + [
            84, 0, 1, 0,                                  // IPVS_CMD_ATTR_SERVICE
            6, 0, 1, 0, 10, 0, 0, 0,                      //   AF_INET6
            6, 0, 2, 0, 17, 0, 0, 0,                      //   IPPROTO_UDP
            20, 0, 3, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, // 2001:db8::10
            6, 0, 4, 0, 0, 53, 0, 0,                      //   port 53
            7, 0, 6, 0, 0x73, 0x68, 0, 0,                 //   "sh\0" (7 bytes, padded)
            12, 0, 7, 0, 0x1c, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, // ONEPACKET|SCHED1|SCHED2, not HASHED
            8, 0, 8, 0, 0, 0, 0, 0,                       //   timeout 0
            8, 0, 9, 0, 64, 0, 0, 0,                      //   IPv6 netmask: prefix length, host order
        ]
        #expect(Self.request(.editService(service)) == expected)
    }

    @Test func deleteFwmarkServiceSendsOnlyItsIdentity() {
        let service = IPVSService(key: .fwmark(7, family: .inet), scheduler: "lc", flags: .persistent, timeout: 120)
        let expected: [UInt8] = Self.header(length: 40, command: 3) + [
            20, 0, 1, 0,
            6, 0, 1, 0, 2, 0, 0, 0,                       //   AF_INET
            8, 0, 5, 0, 7, 0, 0, 0,                       //   SVC_ATTR_FWMARK = 7
        ]
        #expect(Self.request(.deleteService(service)) == expected)
    }

    @Test func newDestinationIPv6RouteWithThresholds() {
        let service = IPVSService(key: .endpoint(.tcp, Self.ip("2001:db8::10"), port: 443), scheduler: "mh")
        let destination = IPVSDestination(address: Self.ip("2001:db8::1:1"), port: 443, forwarding: .route, weight: 5,
                                          upperThreshold: 100, lowerThreshold: 10)
        let expected: [UInt8] = Self.header(length: 140, command: 5) + [
            48, 0, 1, 0,                                  // IPVS_CMD_ATTR_SERVICE: identity only
            6, 0, 1, 0, 10, 0, 0, 0,
            6, 0, 2, 0, 6, 0, 0, 0,
            20, 0, 3, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
            6, 0, 4, 0, 0x01, 0xbb, 0, 0,                 //   port 443
            72, 0, 2, 0,                                  // IPVS_CMD_ATTR_DEST
            6, 0, 11, 0, 10, 0, 0, 0,                     //   DEST_ATTR_ADDR_FAMILY = AF_INET6
            20, 0, 1, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, // 2001:db8::1:1
            6, 0, 2, 0, 0x01, 0xbb, 0, 0,                 //   DEST_ATTR_PORT = 443
            8, 0, 3, 0, 3, 0, 0, 0,                       //   FWD_METHOD = IP_VS_CONN_F_DROUTE
            8, 0, 4, 0, 5, 0, 0, 0,                       //   WEIGHT = 5
            8, 0, 5, 0, 100, 0, 0, 0,                     //   U_THRESH = 100
            8, 0, 6, 0, 10, 0, 0, 0,                      //   L_THRESH = 10
        ]
        #expect(Self.request(.addDestination(destination, service: service)) == expected)
    }

    @Test func setDestinationGUETunnelOfFwmarkService() {
        let service = IPVSService(key: .fwmark(1, family: .inet), scheduler: "rr")
        let tunnel = IPVSForwarding(method: .tunnel, tunnelType: .gue, tunnelPort: 6080, tunnelFlags: IPVSConstants.tunnelFlagChecksum)
        let destination = IPVSDestination(address: Self.ip("10.1.1.1"), port: 0, forwarding: tunnel, weight: 2)
        let expected: [UInt8] = Self.header(length: 136, command: 6) + [
            20, 0, 1, 0,
            6, 0, 1, 0, 2, 0, 0, 0,
            8, 0, 5, 0, 1, 0, 0, 0,                       //   FWMARK 1
            96, 0, 2, 0,
            6, 0, 11, 0, 2, 0, 0, 0,                      //   AF_INET
            20, 0, 1, 0, 10, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            6, 0, 2, 0, 0, 0, 0, 0,                       //   port 0
            8, 0, 3, 0, 2, 0, 0, 0,                       //   IP_VS_CONN_F_TUNNEL
            8, 0, 4, 0, 2, 0, 0, 0,                       //   weight 2
            8, 0, 5, 0, 0, 0, 0, 0,
            8, 0, 6, 0, 0, 0, 0, 0,
            5, 0, 13, 0, 1, 0, 0, 0,                      //   TUN_TYPE = GUE (u8, padded)
            6, 0, 14, 0, 0x17, 0xc0, 0, 0,                //   TUN_PORT = 6080, big-endian
            6, 0, 15, 0, 1, 0, 0, 0,                      //   TUN_FLAGS = CSUM
        ]
        #expect(Self.request(.editDestination(destination, service: service, previous: nil)) == expected)
    }

    @Test func ipipTunnelCarriesTypeAndFlagsButNoPort() {
        let service = IPVSService(key: .fwmark(1, family: .inet), scheduler: "rr")
        let destination = IPVSDestination(address: Self.ip("10.1.1.1"), port: 0, forwarding: .tunnel, weight: 1)
        let bytes = Self.request(.addDestination(destination, service: service))
        #expect(Array(bytes.suffix(16)) == [5, 0, 13, 0, 0, 0, 0, 0, 6, 0, 15, 0, 0, 0, 0, 0])
        #expect(bytes.count == 128)
    }

    @Test func deleteDestinationSendsAddressAndPortOnly() {
        let service = IPVSService(key: .endpoint(.udp, Self.ip("10.0.0.2"), port: 53), scheduler: "wlc")
        let destination = IPVSDestination(address: Self.ip("192.168.1.1"), port: 53, weight: 7)
        let expected: [UInt8] = Self.header(length: 108, command: 7) + [
            48, 0, 1, 0,
            6, 0, 1, 0, 2, 0, 0, 0,
            6, 0, 2, 0, 17, 0, 0, 0,
            20, 0, 3, 0, 10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            6, 0, 4, 0, 0, 53, 0, 0,
            40, 0, 2, 0,
            6, 0, 11, 0, 2, 0, 0, 0,
            20, 0, 1, 0, 192, 168, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            6, 0, 2, 0, 0, 53, 0, 0,
        ]
        #expect(Self.request(.deleteDestination(destination, service: service)) == expected)
    }

    @Test func flushHasNoAttributes() {
        #expect(Self.request(.flush) == Self.header(length: 20, command: 17))
    }

    @Test func setConfigSendsOnlyTheGivenTimeouts() {
        let expected: [UInt8] = Self.header(length: 36, command: 12) + [
            8, 0, 4, 0, 0x20, 0x1c, 0, 0,                 // IPVS_CMD_ATTR_TIMEOUT_TCP = 7200
            8, 0, 5, 0, 60, 0, 0, 0,                      // IPVS_CMD_ATTR_TIMEOUT_TCP_FIN = 60
        ]
        #expect(Self.request(.setTimeouts(IPVSTimeouts(tcp: 7200, tcpFin: 60, udp: nil))) == expected)
        let udpOnly = Self.request(.setTimeouts(IPVSTimeouts(tcp: 0, udp: 200)))
        #expect(udpOnly == Self.header(length: 28, command: 12) + [8, 0, 6, 0, 200, 0, 0, 0])
    }

    @Test func newDaemonMinimalAndWithAllOptions() {
        let minimal: [UInt8] = Self.header(length: 52, command: 9) + [
            32, 0, 3, 0,                                  // IPVS_CMD_ATTR_DAEMON
            8, 0, 1, 0, 1, 0, 0, 0,                       //   STATE = IP_VS_STATE_MASTER
            9, 0, 2, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0, // MCAST_IFN = "eth0\0", padded
            8, 0, 3, 0, 5, 0, 0, 0,                       //   SYNC_ID = 5
        ]
        #expect(Self.request(.startDaemon(IPVSSyncDaemon(role: .master, interface: "eth0", syncID: 5))) == minimal)
        let full = IPVSSyncDaemon(role: .backup, interface: "eth1", syncID: 9, maxLength: 1472, port: 8848, ttl: 2,
                                  group: Self.ip("224.0.0.81"))
        let expected: [UInt8] = Self.header(length: 84, command: 9) + [
            64, 0, 3, 0,
            8, 0, 1, 0, 2, 0, 0, 0,                       //   STATE = IP_VS_STATE_BACKUP
            9, 0, 2, 0, 0x65, 0x74, 0x68, 0x31, 0, 0, 0, 0,
            8, 0, 3, 0, 9, 0, 0, 0,
            6, 0, 4, 0, 0xc0, 0x05, 0, 0,                 //   SYNC_MAXLEN = 1472 (u16)
            8, 0, 5, 0, 224, 0, 0, 81,                    //   MCAST_GROUP = 224.0.0.81 (in_addr)
            6, 0, 7, 0, 0x90, 0x22, 0, 0,                 //   MCAST_PORT = 8848 (u16, host order)
            5, 0, 8, 0, 2, 0, 0, 0,                       //   MCAST_TTL = 2 (u8)
        ]
        #expect(Self.request(.startDaemon(full)) == expected)
    }

    @Test func delDaemonSendsOnlyTheState() {
        let expected: [UInt8] = Self.header(length: 32, command: 10) + [12, 0, 3, 0, 8, 0, 1, 0, 2, 0, 0, 0]
        #expect(Self.request(.stopDaemon(IPVSSyncDaemon(role: .backup, interface: "eth0", syncID: 1))) == expected)
    }

    @Test func dumpAndGetRequests() {
        #expect(IPVSNetlinkMessages.dumpServices(family: Self.family, sequence: 1) == Self.header(length: 20, flags: 0x0301, command: 4))
        #expect(IPVSNetlinkMessages.dumpDaemons(family: Self.family, sequence: 1) == Self.header(length: 20, flags: 0x0301, command: 11))
        #expect(IPVSNetlinkMessages.getConfig(family: Self.family, sequence: 1) == Self.header(length: 20, flags: 0x0001, command: 13))
        #expect(IPVSNetlinkMessages.getInfo(family: Self.family, sequence: 1) == Self.header(length: 20, flags: 0x0001, command: 15))
        let dests: [UInt8] = Self.header(length: 40, flags: 0x0301, command: 8) + [
            20, 0, 1, 0, 6, 0, 1, 0, 10, 0, 0, 0, 8, 0, 5, 0, 0x39, 0x05, 0, 0,  // AF_INET6, FWMARK 1337
        ]
        #expect(IPVSNetlinkMessages.dumpDestinations(of: .fwmark(1337, family: .inet6), family: Self.family, sequence: 1) == dests)
    }

    @Test func sequenceAndPortIDAreWrittenInHostOrder() {
        let bytes = IPVSNetlinkMessages.request(.flush, family: 0x1234, sequence: 0x0102_0304, portID: 0xa0b0_c0d0)
        #expect(bytes == [20, 0, 0, 0, 0x34, 0x12, 5, 0, 4, 3, 2, 1, 0xd0, 0xc0, 0xb0, 0xa0, 17, 1, 0, 0])
    }
}
