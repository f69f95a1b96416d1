import ConfParser
import Testing
@testable import IPVSSync

/// Kernel replies written out by hand (as ip_vs_ctl.c fills them: stats nests included, the HASHED
/// flag set, addresses as 16-byte unions) decoded into the model; and netlink error parsing.
@Suite struct NetlinkDecodeTests {
    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    /// One reply message: nlmsghdr (type 0x22, NLM_F_MULTI, seq 9) + genlmsghdr + `attributes`.
    static func reply(command: UInt8, _ attributes: [UInt8]) -> [UInt8] {
        let length = UInt8(20 + attributes.count)
        return [length, 0, 0, 0, 0x22, 0, 2, 0, 9, 0, 0, 0, 0, 0, 0, 0, command, 1, 0, 0] + attributes
    }

    @Test func serviceDumpMessage() throws {
        let bytes = Self.reply(command: 1, [
            96, 0, 1, 0,                                  // IPVS_CMD_ATTR_SERVICE
            6, 0, 1, 0, 2, 0, 0, 0,                       //   AF_INET
            6, 0, 2, 0, 6, 0, 0, 0,                       //   TCP
            20, 0, 3, 0, 10, 10, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            6, 0, 4, 0, 0, 80, 0, 0,                      //   port 80
            8, 0, 6, 0, 0x77, 0x72, 0x72, 0,              //   "wrr"
            12, 0, 7, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, // PERSISTENT | HASHED
            8, 0, 8, 0, 0x58, 0x02, 0, 0,                 //   timeout 600
            8, 0, 9, 0, 255, 255, 255, 0,                 //   netmask /24
            12, 0, 10, 0, 8, 0, 1, 0, 0, 0, 0, 0,         //   SVC_ATTR_STATS { CONNS 0 } (ignored)
        ])
        let messages = NetlinkRead.messages(bytes)
        #expect(messages.count == 1)
        let nested = try #require(IPVSNetlinkDecode.topLevelAttributes(messages[0])[IPVSAttribute.cmdService])
        let service = try #require(IPVSNetlinkDecode.service(nested))
        #expect(service.key == .endpoint(.tcp, Self.ip("10.10.0.1"), port: 80))
        #expect(service.scheduler == "wrr")
        #expect(service.flags == [.persistent, .hashed])
        #expect(service.timeout == 600)
        #expect(service.netmask == 0xffff_ff00)
        #expect(service.persistenceEngine == nil)
        // What we asked for (without HASHED) counts as the same service.
        #expect(service == IPVSService(key: service.key, scheduler: "wrr", flags: .persistent, timeout: 600, netmask: 0xffff_ff00))
    }

    @Test func ipv6FwmarkServiceAndPrefixNetmask() throws {
        let nested: [UInt8] = [
            6, 0, 1, 0, 10, 0, 0, 0,                      // AF_INET6
            8, 0, 5, 0, 7, 0, 0, 0,                       // FWMARK 7
            7, 0, 6, 0, 0x6d, 0x68, 0, 0,                 // "mh"
            12, 0, 7, 0, 0x12, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
            8, 0, 8, 0, 0, 0, 0, 0,
            8, 0, 9, 0, 128, 0, 0, 0,                     // prefix length 128
            8, 0, 11, 0, 0x73, 0x69, 0x70, 0,             // PE_NAME "sip"
        ]
        let service = try #require(IPVSNetlinkDecode.service(nested[...]))
        #expect(service.key == .fwmark(7, family: .inet6))
        #expect(service.flags.significant == .mhPort)
        #expect(service.netmask == 128)
        #expect(service.persistenceEngine == "sip")
    }

    @Test func destinationDumpWithTunnel() throws {
        let nested: [UInt8] = [
            20, 0, 1, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, // 2001:db8::5
            6, 0, 2, 0, 0, 0, 0, 0,                       // port 0
            8, 0, 3, 0, 2, 0, 0, 0,                       // TUNNEL
            8, 0, 4, 0, 4, 0, 0, 0,                       // weight 4
            8, 0, 5, 0, 0, 1, 0, 0,                       // u_thresh 256
            8, 0, 6, 0, 0, 0, 0, 0,
            8, 0, 7, 0, 3, 0, 0, 0,                       // ACTIVE_CONNS (ignored)
            6, 0, 11, 0, 10, 0, 0, 0,                     // ADDR_FAMILY AF_INET6
            5, 0, 13, 0, 2, 0, 0, 0,                      // TUN_TYPE GRE
            6, 0, 14, 0, 0, 0, 0, 0,
            6, 0, 15, 0, 2, 0, 0, 0,                      // TUN_FLAGS REMCSUM
        ]
        let destination = try #require(IPVSNetlinkDecode.destination(nested[...], serviceFamily: .inet))
        #expect(destination.address == Self.ip("2001:db8::5"))
        #expect(destination.port == 0)
        #expect(destination.forwarding == IPVSForwarding(method: .tunnel, tunnelType: .gre, tunnelFlags: 2))
        #expect(destination.weight == 4)
        #expect(destination.upperThreshold == 256)
        #expect(destination.lowerThreshold == 0)
    }

    @Test func destinationWithoutFamilyUsesTheServicesFamily() throws {
        let nested: [UInt8] = [
            20, 0, 1, 0, 192, 168, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            6, 0, 2, 0, 0x1f, 0x90, 0, 0,                 // port 8080
            8, 0, 3, 0, 0, 0, 0, 0,                       // MASQ
            8, 0, 4, 0, 1, 0, 0, 0,
        ]
        let destination = try #require(IPVSNetlinkDecode.destination(nested[...], serviceFamily: .inet))
        #expect(destination == IPVSDestination(address: Self.ip("192.168.1.1"), port: 8080, forwarding: .masquerade, weight: 1))
    }

    @Test func daemonTimeoutsAndInfo() throws {
        let daemonNest: [UInt8] = [
            8, 0, 1, 0, 1, 0, 0, 0, 9, 0, 2, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0, 8, 0, 3, 0, 5, 0, 0, 0,
            6, 0, 4, 0, 0xc0, 0x05, 0, 0, 8, 0, 5, 0, 224, 0, 0, 81, 6, 0, 7, 0, 0x90, 0x22, 0, 0, 5, 0, 8, 0, 1, 0, 0, 0,
        ]
        let daemon = try #require(IPVSNetlinkDecode.daemon(daemonNest[...]))
        #expect(daemon == IPVSSyncDaemon(role: .master, interface: "eth0", syncID: 5, maxLength: 1472, port: 8848, ttl: 1,
                                         group: Self.ip("224.0.0.81")))
        let config = NetlinkRead.messages(Self.reply(command: 13, [
            8, 0, 4, 0, 0x84, 0x03, 0, 0, 8, 0, 5, 0, 120, 0, 0, 0, 8, 0, 6, 0, 0x2c, 0x01, 0, 0,
        ]))
        #expect(IPVSNetlinkDecode.timeouts(IPVSNetlinkDecode.topLevelAttributes(config[0])) == .kernelDefaults)
        let info = NetlinkRead.messages(Self.reply(command: 14, [8, 0, 1, 0, 1, 2, 1, 0, 8, 0, 2, 0, 0, 16, 0, 0]))
        let decoded = try #require(IPVSNetlinkDecode.info(IPVSNetlinkDecode.topLevelAttributes(info[0])))
        #expect(decoded.versionString == "1.2.1")
        #expect(decoded.connectionTableSize == 4096)
    }

    @Test func errorWithExtendedAckMessage() {
        // NLMSG_ERROR, flags CAPPED|ACK_TLVS: error -17, the echoed header, then NLMSGERR_ATTR_MSG.
        let bytes: [UInt8] = [
            48, 0, 0, 0, 2, 0, 0x00, 0x03, 9, 0, 0, 0, 0, 0, 0, 0,
            0xef, 0xff, 0xff, 0xff,                       // error = -EEXIST
            20, 0, 0, 0, 0x22, 0, 5, 0, 9, 0, 0, 0, 0, 0, 0, 0, // echoed nlmsghdr only
            12, 0, 1, 0, 0x62, 0x75, 0x73, 0x79, 0x21, 0, 0, 0, // "busy!"
        ]
        let message = NetlinkRead.messages(bytes)[0]
        #expect(NetlinkConnection.errorCode(message) == 17)
        let error = NetlinkConnection.error(from: message, code: 17)
        #expect(error == IPVSError(code: 17, message: "busy!"))
        #expect(error.isAlreadyExists)
    }

    @Test func errorWithoutMessageUsesStrerror() {
        let bytes: [UInt8] = [36, 0, 0, 0, 2, 0, 0, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff,
                              20, 0, 0, 0, 0x22, 0, 5, 0, 9, 0, 0, 0, 0, 0, 0, 0]
        let message = NetlinkRead.messages(bytes)[0]
        let error = NetlinkConnection.error(from: message, code: NetlinkConnection.errorCode(message))
        #expect(error == IPVSError(code: 3, message: "No such process"))
        #expect(error.isNotFound)
    }

    @Test func acknowledgementIsErrorZero() {
        let bytes: [UInt8] = [36, 0, 0, 0, 2, 0, 0, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                              20, 0, 0, 0, 0x22, 0, 5, 0, 9, 0, 0, 0, 0, 0, 0, 0]
        #expect(NetlinkConnection.errorCode(NetlinkRead.messages(bytes)[0]) == 0)
    }

    @Test func roundTripThroughEncoderAndDecoder() throws {
        let service = IPVSService(key: .endpoint(.sctp, Self.ip("2001:db8::1"), port: 9), scheduler: "twos",
                                  flags: [.persistent, .sched3], timeout: 30, netmask: 96, persistenceEngine: "sip")
        let bytes = IPVSNetlinkMessages.request(.addService(service), family: 0x22, sequence: 1)
        let message = try #require(NetlinkRead.messages(bytes).first)
        let nested = try #require(IPVSNetlinkDecode.topLevelAttributes(message)[IPVSAttribute.cmdService])
        let decoded = try #require(IPVSNetlinkDecode.service(nested))
        #expect(decoded == service)
        #expect(decoded.persistenceEngine == "sip")
    }
}
