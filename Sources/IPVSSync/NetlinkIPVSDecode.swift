import ConfParser

/// Turning the IPVS family's replies (GET_SERVICE / GET_DEST / GET_DAEMON dumps, GET_CONFIG,
/// GET_INFO) back into the model. Attribute layouts as in IPVSNetlinkMessages.
public enum IPVSNetlinkDecode {
    /// IPVS_CMD_GET_INFO's answer.
    public struct Info: Sendable, Equatable {
        /// IP_VS_VERSION_CODE, e.g. 0x010201 for 1.2.1.
        public var version: UInt32
        public var connectionTableSize: UInt32

        public var versionString: String { "\(version >> 16 & 0xff).\(version >> 8 & 0xff).\(version & 0xff)" }
    }

    /// The first-level attributes of a generic netlink reply (after the 4-byte genl header).
    public static func topLevelAttributes(_ message: NetlinkMessageView) -> [UInt16: ArraySlice<UInt8>] {
        guard message.payload.count >= NetlinkConstants.genlHeaderLength else { return [:] }
        return NetlinkRead.attributes(message.payload.dropFirst(NetlinkConstants.genlHeaderLength))
    }

    static func address(_ bytes: ArraySlice<UInt8>?, family: IPVSAddressFamily) -> IPAddress? {
        guard let bytes else { return nil }
        let start = bytes.startIndex
        switch family {
        case .inet:
            guard bytes.count >= 4 else { return nil }
            return .v4(UInt32(bytes[start]) << 24 | UInt32(bytes[start + 1]) << 16 | UInt32(bytes[start + 2]) << 8 | UInt32(bytes[start + 3]))
        case .inet6:
            guard bytes.count >= 16 else { return nil }
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 {
                high = high << 8 | UInt64(bytes[start + index])
                low = low << 8 | UInt64(bytes[start + 8 + index])
            }
            return .v6(high, low)
        }
    }

    /// A service from the attributes inside IPVS_CMD_ATTR_SERVICE; nil when its identity is incomplete.
    public static func service(_ nested: ArraySlice<UInt8>) -> IPVSService? {
        let attributes = NetlinkRead.attributes(nested)
        guard let familyValue = attributes[IPVSAttribute.svcAF]?.netlinkU16,
              let family = IPVSAddressFamily(rawValue: familyValue) else { return nil }
        let key: IPVSServiceKey
        if let mark = attributes[IPVSAttribute.svcFwmark]?.netlinkU32, mark != 0 {
            key = .fwmark(mark, family: family)
        } else {
            guard let number = attributes[IPVSAttribute.svcProtocol]?.netlinkU16,
                  let proto = LVSProtocol(ipProtocolNumber: number),
                  let address = address(attributes[IPVSAttribute.svcAddr], family: family),
                  let port = attributes[IPVSAttribute.svcPort]?.netlinkBE16 else { return nil }
            key = .endpoint(proto, address, port: port)
        }
        let netmask: UInt32?
        if family == .inet6 {
            netmask = attributes[IPVSAttribute.svcNetmask]?.netlinkU32
        } else {
            netmask = attributes[IPVSAttribute.svcNetmask]?.netlinkBE32
        }
        let engine = attributes[IPVSAttribute.svcPEName]?.netlinkString
        return IPVSService(
            key: key, scheduler: attributes[IPVSAttribute.svcSchedName]?.netlinkString ?? "",
            flags: IPVSServiceFlags(rawValue: attributes[IPVSAttribute.svcFlags]?.netlinkU32 ?? 0),
            timeout: attributes[IPVSAttribute.svcTimeout]?.netlinkU32 ?? 0, netmask: netmask,
            persistenceEngine: engine?.isEmpty == false ? engine : nil)
    }

    /// A destination from the attributes inside IPVS_CMD_ATTR_DEST; `serviceFamily` is used when the
    /// kernel does not report IPVS_DEST_ATTR_ADDR_FAMILY (kernels before 4.x).
    public static func destination(_ nested: ArraySlice<UInt8>, serviceFamily: IPVSAddressFamily) -> IPVSDestination? {
        let attributes = NetlinkRead.attributes(nested)
        let family = attributes[IPVSAttribute.destAddrFamily]?.netlinkU16.flatMap(IPVSAddressFamily.init(rawValue:)) ?? serviceFamily
        guard let address = address(attributes[IPVSAttribute.destAddr], family: family),
              let port = attributes[IPVSAttribute.destPort]?.netlinkBE16 else { return nil }
        let flags = attributes[IPVSAttribute.destFwdMethod]?.netlinkU32 ?? 0
        let method = IPVSForwarding.Method(rawValue: flags & IPVSConstants.connFlagFwdMask) ?? .masquerade
        let tunnelType = attributes[IPVSAttribute.destTunType]?.netlinkU8.flatMap(IPVSForwarding.TunnelType.init(rawValue:)) ?? .ipip
        let forwarding = IPVSForwarding(method: method, tunnelType: tunnelType,
                                        tunnelPort: attributes[IPVSAttribute.destTunPort]?.netlinkBE16 ?? 0,
                                        tunnelFlags: attributes[IPVSAttribute.destTunFlags]?.netlinkU16 ?? 0)
        return IPVSDestination(address: address, port: port, forwarding: forwarding,
                               weight: attributes[IPVSAttribute.destWeight]?.netlinkU32 ?? 0,
                               upperThreshold: attributes[IPVSAttribute.destUThresh]?.netlinkU32 ?? 0,
                               lowerThreshold: attributes[IPVSAttribute.destLThresh]?.netlinkU32 ?? 0)
    }

    /// A sync daemon from the attributes inside IPVS_CMD_ATTR_DAEMON.
    public static func daemon(_ nested: ArraySlice<UInt8>) -> IPVSSyncDaemon? {
        let attributes = NetlinkRead.attributes(nested)
        guard let state = attributes[IPVSAttribute.daemonState]?.netlinkU32,
              let role = IPVSSyncDaemon.Role(rawValue: state) else { return nil }
        var group: IPAddress?
        if let v4 = attributes[IPVSAttribute.daemonMcastGroup], let address = address(v4, family: .inet), address != .v4(0) {
            group = address
        } else if let v6 = attributes[IPVSAttribute.daemonMcastGroup6], let address = address(v6, family: .inet6), address != .v6(0, 0) {
            group = address
        }
        return IPVSSyncDaemon(role: role, interface: attributes[IPVSAttribute.daemonMcastIfn]?.netlinkString ?? "",
                              syncID: attributes[IPVSAttribute.daemonSyncID]?.netlinkU32 ?? 0,
                              maxLength: attributes[IPVSAttribute.daemonSyncMaxLen]?.netlinkU16,
                              port: attributes[IPVSAttribute.daemonMcastPort]?.netlinkU16,
                              ttl: attributes[IPVSAttribute.daemonMcastTTL]?.netlinkU8, group: group)
    }

    /// GET_CONFIG's answer: the first-level TIMEOUT_* attributes.
    public static func timeouts(_ attributes: [UInt16: ArraySlice<UInt8>]) -> IPVSTimeouts {
        IPVSTimeouts(tcp: attributes[IPVSAttribute.cmdTimeoutTCP]?.netlinkU32,
                     tcpFin: attributes[IPVSAttribute.cmdTimeoutTCPFin]?.netlinkU32,
                     udp: attributes[IPVSAttribute.cmdTimeoutUDP]?.netlinkU32)
    }

    /// GET_INFO's answer.
    public static func info(_ attributes: [UInt16: ArraySlice<UInt8>]) -> Info? {
        guard let version = attributes[IPVSAttribute.infoVersion]?.netlinkU32 else { return nil }
        return Info(version: version, connectionTableSize: attributes[IPVSAttribute.infoConnTabSize]?.netlinkU32 ?? 0)
    }
}
