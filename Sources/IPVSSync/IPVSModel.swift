import ConfParser

/// The kernel's IPVS constants (linux/ip_vs.h, linux/socket.h, errno.h), so the netlink backend
/// encodes straight from the model and decodes dumps back into it.
public enum IPVSConstants {
    // MARK: Generic netlink family and commands (enum in ip_vs.h)
    public static let genlName = "IPVS"
    public static let genlVersion: UInt8 = 0x1
    public static let cmdNewService: UInt8 = 1
    public static let cmdSetService: UInt8 = 2
    public static let cmdDelService: UInt8 = 3
    public static let cmdGetService: UInt8 = 4
    public static let cmdNewDest: UInt8 = 5
    public static let cmdSetDest: UInt8 = 6
    public static let cmdDelDest: UInt8 = 7
    public static let cmdGetDest: UInt8 = 8
    public static let cmdNewDaemon: UInt8 = 9
    public static let cmdDelDaemon: UInt8 = 10
    public static let cmdGetDaemon: UInt8 = 11
    public static let cmdSetConfig: UInt8 = 12
    public static let cmdGetConfig: UInt8 = 13
    public static let cmdFlush: UInt8 = 17

    // MARK: Service flags (IP_VS_SVC_F_*)
    public static let svcFlagPersistent: UInt32 = 0x0001
    /// The kernel sets this on every service it holds; dumps always carry it.
    public static let svcFlagHashed: UInt32 = 0x0002
    public static let svcFlagOnePacket: UInt32 = 0x0004
    /// sh-fallback / mh-fallback.
    public static let svcFlagSched1: UInt32 = 0x0008
    /// sh-port / mh-port.
    public static let svcFlagSched2: UInt32 = 0x0010
    public static let svcFlagSched3: UInt32 = 0x0020

    // MARK: Destination forwarding (IP_VS_CONN_F_*)
    public static let connFlagFwdMask: UInt32 = 0x0007
    public static let connFlagMasq: UInt32 = 0x0000
    public static let connFlagLocalNode: UInt32 = 0x0001
    public static let connFlagTunnel: UInt32 = 0x0002
    public static let connFlagDirectRoute: UInt32 = 0x0003
    public static let connFlagBypass: UInt32 = 0x0004

    // MARK: Tunnels (IP_VS_CONN_F_TUNNEL_TYPE_*, IP_VS_TUNNEL_ENCAP_FLAG_*)
    public static let tunnelTypeIPIP: UInt8 = 0
    public static let tunnelTypeGUE: UInt8 = 1
    public static let tunnelTypeGRE: UInt8 = 2
    public static let tunnelFlagNoChecksum: UInt16 = 0
    public static let tunnelFlagChecksum: UInt16 = 1 << 0
    public static let tunnelFlagRemoteChecksum: UInt16 = 1 << 1

    // MARK: Sync daemon states (IP_VS_STATE_*)
    public static let stateMaster: UInt32 = 0x0001
    public static let stateBackup: UInt32 = 0x0002

    // MARK: Address families and Linux errno values used by the backends
    public static let afInet: UInt16 = 2
    public static let afInet6: UInt16 = 10
    public static let errnoENOENT: Int32 = 2
    public static let errnoESRCH: Int32 = 3
    public static let errnoEEXIST: Int32 = 17
    public static let errnoEINVAL: Int32 = 22
    public static let errnoERANGE: Int32 = 34
    public static let errnoEPROTONOSUPPORT: Int32 = 93

    /// The schedulers keepalived accepts (and the kernel modules ip_vs_NAME provide).
    public static let schedulers: Set<String> = Set(LVSScheduler.allCases.map(\.rawValue))
}

/// An address family of an IPVS service or destination; raw values are AF_INET / AF_INET6.
public enum IPVSAddressFamily: UInt16, Sendable, Hashable, Encodable {
    case inet = 2
    case inet6 = 10

    public init(_ address: IPAddress) { self = address.isIPv6 ? .inet6 : .inet }

    public init(_ family: AddressFamily) { self = family == .inet6 ? .inet6 : .inet }

    /// The default persistence netmask: 255.255.255.255 for IPv4, prefix length 128 for IPv6.
    public var defaultNetmask: UInt32 { self == .inet6 ? 128 : 0xffff_ffff }
}

extension LVSProtocol {
    /// The protocol for an IPPROTO_* number from a kernel dump; nil for anything else.
    public init?(ipProtocolNumber: UInt16) {
        guard let match = LVSProtocol.allCases.first(where: { $0.ipProtocolNumber == ipProtocolNumber }) else { return nil }
        self = match
    }
}

/// What identifies a virtual service in the kernel: protocol, address and port, or a firewall
/// mark with its address family.
public enum IPVSServiceKey: Hashable, Sendable, CustomStringConvertible {
    case endpoint(LVSProtocol, IPAddress, port: UInt16)
    case fwmark(UInt32, family: IPVSAddressFamily)

    public var family: IPVSAddressFamily {
        switch self {
        case .endpoint(_, let address, _): return IPVSAddressFamily(address)
        case .fwmark(_, let family): return family
        }
    }

    /// The IPPROTO_* number the kernel holds: the protocol's, 0 for fwmark services.
    public var protocolNumber: UInt16 {
        if case .endpoint(let proto, _, _) = self { return proto.ipProtocolNumber }
        return 0
    }

    public var `protocol`: LVSProtocol? {
        if case .endpoint(let proto, _, _) = self { return proto }
        return nil
    }

    /// keepalived's printing: `[10.0.0.1]:tcp:80` or `FWM 1`.
    public var description: String {
        switch self {
        case .endpoint(let proto, let address, let port): return LVSFormat.service(address, proto, port)
        case .fwmark(let mark, _): return LVSFormat.fwmark(mark)
        }
    }
}

/// The flags of a virtual service (IP_VS_SVC_F_*), raw values as the kernel has them.
public struct IPVSServiceFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let persistent = IPVSServiceFlags(rawValue: IPVSConstants.svcFlagPersistent)
    public static let hashed = IPVSServiceFlags(rawValue: IPVSConstants.svcFlagHashed)
    public static let onePacket = IPVSServiceFlags(rawValue: IPVSConstants.svcFlagOnePacket)
    public static let sched1 = IPVSServiceFlags(rawValue: IPVSConstants.svcFlagSched1)
    public static let sched2 = IPVSServiceFlags(rawValue: IPVSConstants.svcFlagSched2)
    public static let sched3 = IPVSServiceFlags(rawValue: IPVSConstants.svcFlagSched3)
    public static let shFallback = sched1
    public static let shPort = sched2
    public static let mhFallback = sched1
    public static let mhPort = sched2

    /// The flags that mean something when comparing with a dump: the kernel always adds `hashed`.
    public var significant: IPVSServiceFlags { subtracting(.hashed) }
}

/// One virtual service: its identity and the settings IPVS_CMD_SET_SERVICE can change.
///
/// `virtualServerName` is an annotation for log lines (keepalived's name of the virtual_server
/// the service comes from, e.g. `[GROUP]:0`); it is not part of equality and dumps leave it nil.
///
/// The fields live in one shared, never-changed box (a write makes a new one): every destination
/// operation carries its service, and the 10,500 operations of a start with 10,000 real servers
/// took 1.7 MB with the service's 88 bytes inline in each, at the daemon's peak of memory.
public struct IPVSService: Sendable, Hashable, CustomStringConvertible {
    /// The fields, as they were when the service had them inline.
    private struct Fields: Sendable {
        var key: IPVSServiceKey
        var scheduler: String
        var flags: IPVSServiceFlags
        var timeout: UInt32
        var netmask: UInt32
        var persistenceEngine: String?
        var virtualServerName: String?
    }

    private var box: ImmutableBox<Fields>

    private var fields: Fields {
        get { box.value }
        set { box = ImmutableBox(newValue) }
    }

    public var key: IPVSServiceKey {
        get { box.value.key }
        set { fields.key = newValue }
    }

    /// The kernel scheduler name (rr, wrr, lc, ... twos).
    public var scheduler: String {
        get { box.value.scheduler }
        set { fields.scheduler = newValue }
    }

    public var flags: IPVSServiceFlags {
        get { box.value.flags }
        set { fields.flags = newValue }
    }

    /// Persistence timeout in seconds; 0 when not persistent.
    public var timeout: UInt32 {
        get { box.value.timeout }
        set { fields.timeout = newValue }
    }

    /// IPv4: the netmask as a host-order integer (0xffffff00 for /24; the netlink attribute carries
    /// it in network byte order). IPv6: the prefix length (1...128).
    public var netmask: UInt32 {
        get { box.value.netmask }
        set { fields.netmask = newValue }
    }

    /// Persistence engine (IPVS_SVC_ATTR_PE_NAME, e.g. "sip"); nil for none.
    public var persistenceEngine: String? {
        get { box.value.persistenceEngine }
        set { fields.persistenceEngine = newValue }
    }

    public var virtualServerName: String? {
        get { box.value.virtualServerName }
        set { fields.virtualServerName = newValue }
    }

    public init(key: IPVSServiceKey, scheduler: String, flags: IPVSServiceFlags = [], timeout: UInt32 = 0,
                netmask: UInt32? = nil, persistenceEngine: String? = nil, virtualServerName: String? = nil) {
        box = ImmutableBox(Fields(key: key, scheduler: scheduler, flags: flags, timeout: timeout,
                         netmask: netmask ?? key.family.defaultNetmask, persistenceEngine: persistenceEngine,
                         virtualServerName: virtualServerName))
    }

    /// The name keepalived prints for the virtual server: the annotation, else the key's.
    public var displayName: String { virtualServerName ?? key.description }

    public var description: String { displayName }

    /// True when the kernel holds nothing different: same scheduler, flags (bar `hashed`), timeout,
    /// netmask and persistence engine.
    public func hasSameSettings(as other: IPVSService) -> Bool {
        scheduler == other.scheduler && flags.significant == other.flags.significant && timeout == other.timeout
            && netmask == other.netmask && (persistenceEngine ?? "") == (other.persistenceEngine ?? "")
    }

    public static func == (lhs: IPVSService, rhs: IPVSService) -> Bool {
        lhs.key == rhs.key && lhs.hasSameSettings(as: rhs)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}
