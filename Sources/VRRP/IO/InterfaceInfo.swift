import CNetlink
import ConfParser
#if canImport(Glibc)
import Glibc
#endif

/// What the VRRP shell needs to know about one interface: index, MAC, state and the addresses
/// keepalived uses as an instance's primary (source) address.
public struct InterfaceInfo: Sendable, Equatable {
    public var name: String
    public var index: Int32
    /// The hardware address (6 bytes on Ethernet; empty when the link has none).
    public var mac: [UInt8]
    /// IFF_UP: administratively up.
    public var isUp: Bool
    /// IFF_RUNNING: operationally up (carrier).
    public var isRunning: Bool
    /// The first IPv4 address that is not secondary, as keepalived's primary address.
    public var primaryIPv4: IPAddress?
    /// The first link-local (fe80::/10) IPv6 address: the source of IPv6 adverts.
    public var linkLocalIPv6: IPAddress?

    public init(name: String, index: Int32, mac: [UInt8], isUp: Bool, isRunning: Bool,
                primaryIPv4: IPAddress? = nil, linkLocalIPv6: IPAddress? = nil) {
        self.name = name
        self.index = index
        self.mac = mac
        self.isUp = isUp
        self.isRunning = isRunning
        self.primaryIPv4 = primaryIPv4
        self.linkLocalIPv6 = linkLocalIPv6
    }

    /// The MAC as `aa:bb:cc:dd:ee:ff`.
    public var macText: String { IOAddressBytes.macText(mac) }

    /// Queries the kernel (rtnetlink, in the calling thread's network namespace) for `name`.
    /// Throws with ENODEV ("No such device") when the interface does not exist.
    public static func query(_ name: String) throws(VRRPIOError) -> InterfaceInfo {
        guard if_nametoindex(name) != 0 else { throw VRRPIOError(operation: "query interface \(name)", code: ENODEV) }
        let connection = try RouteNetlinkConnection()
        var link: OpaquePointer?
        try connection.perform("query interface \(name)") { socket in
            rtnl_link_get_kernel(socket, 0, name, &link)
        }
        guard let link else { throw VRRPIOError(operation: "query interface \(name)", code: ENODEV) }
        defer { rtnl_link_put(link) }
        let flags = rtnl_link_get_flags(link)
        var info = InterfaceInfo(
            name: name,
            index: rtnl_link_get_ifindex(link),
            mac: RouteNetlinkConnection.rawBytes(rtnl_link_get_addr(link)),
            isUp: flags & 0x1 /* IFF_UP */ != 0,
            isRunning: flags & 0x40 /* IFF_RUNNING */ != 0
        )
        let addresses = try InterfaceAddress.list(interfaceIndex: info.index, connection: connection)
        info.primaryIPv4 = addresses.first { !$0.address.isIPv6 && !$0.isSecondary }?.address
        info.linkLocalIPv6 = addresses.first { IOAddressBytes.isLinkLocal($0.address) }?.address
        return info
    }
}

/// One address configured on an interface, as rtnetlink reports it (`ip -o addr show`).
public struct InterfaceAddress: Sendable, Equatable, CustomStringConvertible {
    public var interfaceIndex: Int32
    public var address: IPAddress
    public var prefixLength: Int
    public var broadcast: IPAddress?
    /// rtnetlink scope: 0 global, 253 link, 254 host.
    public var scope: UInt8
    /// The IPv4 label (`eth0:1`); nil for IPv6.
    public var label: String?
    /// IFA_F_* flags.
    public var flags: UInt32

    public init(interfaceIndex: Int32, address: IPAddress, prefixLength: Int, broadcast: IPAddress? = nil,
                scope: UInt8 = 0, label: String? = nil, flags: UInt32 = 0) {
        self.interfaceIndex = interfaceIndex
        self.address = address
        self.prefixLength = prefixLength
        self.broadcast = broadcast
        self.scope = scope
        self.label = label
        self.flags = flags
    }

    /// IFA_F_SECONDARY (IPv4) / IFA_F_TEMPORARY share this bit.
    public var isSecondary: Bool { flags & 0x01 != 0 }
    /// IFA_F_NODAD.
    public var isNoDAD: Bool { flags & 0x02 != 0 }

    public var description: String { "\(address)/\(prefixLength)" }

    /// Every address on `interfaceIndex`, in the kernel's order (primary before secondaries).
    static func list(interfaceIndex: Int32, connection: RouteNetlinkConnection) throws(VRRPIOError)
        -> [InterfaceAddress]
    {
        var cache: OpaquePointer?
        try connection.perform("list addresses of interface \(interfaceIndex)") { socket in
            rtnl_addr_alloc_cache(socket, &cache)
        }
        guard let cache else { return [] }
        defer { nl_cache_free(cache) }
        var result: [InterfaceAddress] = []
        var object = nl_cache_get_first(cache)
        while let current = object {
            let entry = current  // struct nl_object * is the rtnl_addr in an address cache
            if rtnl_addr_get_ifindex(entry) == interfaceIndex,
               let address = RouteNetlinkConnection.ipAddress(rtnl_addr_get_local(entry)) {
                let label = rtnl_addr_get_label(entry).map { String(cString: $0) }
                result.append(InterfaceAddress(
                    interfaceIndex: interfaceIndex,
                    address: address,
                    prefixLength: Int(rtnl_addr_get_prefixlen(entry)),
                    broadcast: RouteNetlinkConnection.ipAddress(rtnl_addr_get_broadcast(entry)),
                    scope: UInt8(truncatingIfNeeded: rtnl_addr_get_scope(entry)),
                    label: address.isIPv6 ? nil : label,
                    flags: rtnl_addr_get_flags(entry)
                ))
            }
            object = nl_cache_get_next(current)
        }
        return result
    }
}
