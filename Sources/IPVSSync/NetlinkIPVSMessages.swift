import ConfParser

/// Attribute numbers of the IPVS generic netlink family (the enums of linux/ip_vs.h).
public enum IPVSAttribute {
    // First level (IPVS_CMD_ATTR_*).
    public static let cmdService: UInt16 = 1
    public static let cmdDest: UInt16 = 2
    public static let cmdDaemon: UInt16 = 3
    public static let cmdTimeoutTCP: UInt16 = 4
    public static let cmdTimeoutTCPFin: UInt16 = 5
    public static let cmdTimeoutUDP: UInt16 = 6

    // Inside IPVS_CMD_ATTR_SERVICE (IPVS_SVC_ATTR_*).
    public static let svcAF: UInt16 = 1
    public static let svcProtocol: UInt16 = 2
    public static let svcAddr: UInt16 = 3
    public static let svcPort: UInt16 = 4
    public static let svcFwmark: UInt16 = 5
    public static let svcSchedName: UInt16 = 6
    public static let svcFlags: UInt16 = 7
    public static let svcTimeout: UInt16 = 8
    public static let svcNetmask: UInt16 = 9
    public static let svcStats: UInt16 = 10
    public static let svcPEName: UInt16 = 11
    public static let svcStats64: UInt16 = 12

    // Inside IPVS_CMD_ATTR_DEST (IPVS_DEST_ATTR_*).
    public static let destAddr: UInt16 = 1
    public static let destPort: UInt16 = 2
    public static let destFwdMethod: UInt16 = 3
    public static let destWeight: UInt16 = 4
    public static let destUThresh: UInt16 = 5
    public static let destLThresh: UInt16 = 6
    public static let destActiveConns: UInt16 = 7
    public static let destInactConns: UInt16 = 8
    public static let destPersistConns: UInt16 = 9
    public static let destStats: UInt16 = 10
    public static let destAddrFamily: UInt16 = 11
    public static let destStats64: UInt16 = 12
    public static let destTunType: UInt16 = 13
    public static let destTunPort: UInt16 = 14
    public static let destTunFlags: UInt16 = 15

    // Inside IPVS_CMD_ATTR_DAEMON (IPVS_DAEMON_ATTR_*).
    public static let daemonState: UInt16 = 1
    public static let daemonMcastIfn: UInt16 = 2
    public static let daemonSyncID: UInt16 = 3
    public static let daemonSyncMaxLen: UInt16 = 4
    public static let daemonMcastGroup: UInt16 = 5
    public static let daemonMcastGroup6: UInt16 = 6
    public static let daemonMcastPort: UInt16 = 7
    public static let daemonMcastTTL: UInt16 = 8

    // GET_INFO reply (IPVS_INFO_ATTR_*).
    public static let infoVersion: UInt16 = 1
    public static let infoConnTabSize: UInt16 = 2
}

/// The netlink requests of the IPVS family as bytes: a pure function of the operation, the
/// resolved family id and the sequence number (what KernelBackend sends, what tests compare).
///
/// Layout follows what the kernel's parser requires (net/netfilter/ipvs/ip_vs_ctl.c) and what
/// keepalived's libipvs sends: services are identified by AF plus FWMARK, or AF plus PROTOCOL,
/// ADDR (16 bytes, union nf_inet_addr) and PORT (big-endian); NEW/SET carry SCHED_NAME, FLAGS
/// (struct ip_vs_flags with mask ~0, never the kernel's own HASHED bit), TIMEOUT and NETMASK
/// (big-endian for IPv4, the prefix length for IPv6). Destinations carry ADDR, PORT, and for
/// NEW/SET FWD_METHOD, WEIGHT, U/L_THRESH, ADDR_FAMILY and for tunnels TUN_TYPE/PORT/FLAGS.
public enum IPVSNetlinkMessages {
    /// NLM_F_REQUEST | NLM_F_ACK: commands answered with an acknowledgement (or an error).
    public static let commandFlags: UInt16 = NetlinkConstants.flagRequest | NetlinkConstants.flagAck
    /// NLM_F_REQUEST | NLM_F_DUMP.
    public static let dumpFlags: UInt16 = NetlinkConstants.flagRequest | NetlinkConstants.flagDump

    /// The request that carries out `operation`.
    public static func request(_ operation: IPVSOperation, family: UInt16, sequence: UInt32, portID: UInt32 = 0) -> [UInt8] {
        var writer = NetlinkMessageWriter(family: family, flags: commandFlags, sequence: sequence, portID: portID,
                                          command: operation.command, version: IPVSConstants.genlVersion)
        switch operation {
        case .addService(let service), .editService(let service):
            putService(service, full: true, into: &writer)
        case .deleteService(let service):
            putService(service, full: false, into: &writer)
        case .addDestination(let destination, let service), .editDestination(let destination, let service, _):
            putService(service, full: false, into: &writer)
            putDestination(destination, full: true, into: &writer)
        case .deleteDestination(let destination, let service):
            putService(service, full: false, into: &writer)
            putDestination(destination, full: false, into: &writer)
        case .flush:
            break
        case .setTimeouts(let timeouts):
            if let tcp = timeouts.tcp, tcp != 0 { writer.put(IPVSAttribute.cmdTimeoutTCP, u32: tcp) }
            if let fin = timeouts.tcpFin, fin != 0 { writer.put(IPVSAttribute.cmdTimeoutTCPFin, u32: fin) }
            if let udp = timeouts.udp, udp != 0 { writer.put(IPVSAttribute.cmdTimeoutUDP, u32: udp) }
        case .startDaemon(let daemon):
            putDaemon(daemon, full: true, into: &writer)
        case .stopDaemon(let daemon):
            putDaemon(daemon, full: false, into: &writer)
        }
        return writer.finish()
    }

    /// IPVS_CMD_GET_SERVICE as a dump: every service.
    public static func dumpServices(family: UInt16, sequence: UInt32, portID: UInt32 = 0) -> [UInt8] {
        NetlinkMessageWriter(family: family, flags: dumpFlags, sequence: sequence, portID: portID,
                             command: IPVSConstants.cmdGetService, version: IPVSConstants.genlVersion).finish()
    }

    /// IPVS_CMD_GET_DEST as a dump: the destinations of `service` (identified by its key).
    public static func dumpDestinations(of service: IPVSServiceKey, family: UInt16, sequence: UInt32, portID: UInt32 = 0) -> [UInt8] {
        var writer = NetlinkMessageWriter(family: family, flags: dumpFlags, sequence: sequence, portID: portID,
                                          command: IPVSConstants.cmdGetDest, version: IPVSConstants.genlVersion)
        putServiceKey(service, into: &writer)
        return writer.finish()
    }

    /// IPVS_CMD_GET_DAEMON as a dump: the running sync daemons.
    public static func dumpDaemons(family: UInt16, sequence: UInt32, portID: UInt32 = 0) -> [UInt8] {
        NetlinkMessageWriter(family: family, flags: dumpFlags, sequence: sequence, portID: portID,
                             command: IPVSConstants.cmdGetDaemon, version: IPVSConstants.genlVersion).finish()
    }

    /// IPVS_CMD_GET_CONFIG: the connection timeouts (answered with one message).
    public static func getConfig(family: UInt16, sequence: UInt32, portID: UInt32 = 0) -> [UInt8] {
        NetlinkMessageWriter(family: family, flags: NetlinkConstants.flagRequest, sequence: sequence, portID: portID,
                             command: IPVSConstants.cmdGetConfig, version: IPVSConstants.genlVersion).finish()
    }

    /// IPVS_CMD_GET_INFO: IPVS version and connection table size (answered with one message).
    public static func getInfo(family: UInt16, sequence: UInt32, portID: UInt32 = 0) -> [UInt8] {
        NetlinkMessageWriter(family: family, flags: NetlinkConstants.flagRequest, sequence: sequence, portID: portID,
                             command: IPVSCommand.getInfo, version: IPVSConstants.genlVersion).finish()
    }

    // MARK: Attribute groups

    /// The 16-byte union nf_inet_addr: an IPv4 address in its first 4 bytes (network order), zeros after.
    static func addressBytes(_ address: IPAddress) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        switch address {
        case .v4(let value):
            for index in 0..<4 { bytes[index] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * index)) }
        case .v6(let high, let low):
            for index in 0..<8 {
                bytes[index] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index))
                bytes[8 + index] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * index))
            }
        }
        return bytes
    }

    static func putServiceKey(_ key: IPVSServiceKey, into writer: inout NetlinkMessageWriter) {
        writer.beginNest(IPVSAttribute.cmdService)
        putServiceIdentity(key, into: &writer)
        writer.endNest()
    }

    private static func putServiceIdentity(_ key: IPVSServiceKey, into writer: inout NetlinkMessageWriter) {
        writer.put(IPVSAttribute.svcAF, u16: key.family.rawValue)
        switch key {
        case .fwmark(let mark, _):
            writer.put(IPVSAttribute.svcFwmark, u32: mark)
        case .endpoint(let proto, let address, let port):
            writer.put(IPVSAttribute.svcProtocol, u16: proto.ipProtocolNumber)
            writer.put(IPVSAttribute.svcAddr, bytes: addressBytes(address))
            writer.put(IPVSAttribute.svcPort, be16: port)
        }
    }

    static func putService(_ service: IPVSService, full: Bool, into writer: inout NetlinkMessageWriter) {
        writer.beginNest(IPVSAttribute.cmdService)
        putServiceIdentity(service.key, into: &writer)
        if full {
            writer.put(IPVSAttribute.svcSchedName, string: service.scheduler)
            if let engine = service.persistenceEngine, !engine.isEmpty {
                writer.put(IPVSAttribute.svcPEName, string: engine)
            }
            let flags = service.flags.significant.rawValue
            writer.put(IPVSAttribute.svcFlags, bytes: withUnsafeBytes(of: flags.littleEndian) { Array($0) }
                                                       + [0xff, 0xff, 0xff, 0xff])
            writer.put(IPVSAttribute.svcTimeout, u32: service.timeout)
            if service.key.family == .inet6 {
                writer.put(IPVSAttribute.svcNetmask, u32: service.netmask)
            } else {
                writer.put(IPVSAttribute.svcNetmask, be32: service.netmask)
            }
        }
        writer.endNest()
    }

    static func putDestination(_ destination: IPVSDestination, full: Bool, into writer: inout NetlinkMessageWriter) {
        writer.beginNest(IPVSAttribute.cmdDest)
        writer.put(IPVSAttribute.destAddrFamily, u16: destination.family.rawValue)
        writer.put(IPVSAttribute.destAddr, bytes: addressBytes(destination.address))
        writer.put(IPVSAttribute.destPort, be16: destination.port)
        if full {
            let forwarding = destination.forwarding
            writer.put(IPVSAttribute.destFwdMethod, u32: forwarding.connectionFlags)
            writer.put(IPVSAttribute.destWeight, u32: destination.weight)
            writer.put(IPVSAttribute.destUThresh, u32: destination.upperThreshold)
            writer.put(IPVSAttribute.destLThresh, u32: destination.lowerThreshold)
            if forwarding.method == .tunnel {
                writer.put(IPVSAttribute.destTunType, u8: forwarding.tunnelType.rawValue)
                if forwarding.tunnelType == .gue { writer.put(IPVSAttribute.destTunPort, be16: forwarding.tunnelPort) }
                writer.put(IPVSAttribute.destTunFlags, u16: forwarding.tunnelFlags)
            }
        }
        writer.endNest()
    }

    static func putDaemon(_ daemon: IPVSSyncDaemon, full: Bool, into writer: inout NetlinkMessageWriter) {
        writer.beginNest(IPVSAttribute.cmdDaemon)
        writer.put(IPVSAttribute.daemonState, u32: daemon.role.rawValue)
        if full {
            writer.put(IPVSAttribute.daemonMcastIfn, string: daemon.interface)
            writer.put(IPVSAttribute.daemonSyncID, u32: daemon.syncID)
            if let maxLength = daemon.maxLength { writer.put(IPVSAttribute.daemonSyncMaxLen, u16: maxLength) }
            if let group = daemon.group {
                if group.isIPv6 {
                    writer.put(IPVSAttribute.daemonMcastGroup6, bytes: addressBytes(group))
                } else {
                    writer.put(IPVSAttribute.daemonMcastGroup, bytes: addressBytes(group).prefix(4))
                }
            }
            if let port = daemon.port { writer.put(IPVSAttribute.daemonMcastPort, u16: port) }
            if let ttl = daemon.ttl { writer.put(IPVSAttribute.daemonMcastTTL, u8: ttl) }
        }
        writer.endNest()
    }
}

/// Commands not named in IPVSConstants.
public enum IPVSCommand {
    public static let setInfo: UInt8 = 14
    public static let getInfo: UInt8 = 15
    public static let zero: UInt8 = 16
}
