import CNetlink
import ConfParser
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Adds and removes VRRP virtual addresses (rtnetlink RTM_NEWADDR / RTM_DELADDR through
/// libnl-route), with keepalived's options: prefix, `brd`, `scope`, `label`, `peer`, `-nodad`,
/// `home`, `mngtmpaddr`, `noprefixroute`, `autojoin`, `preferred_lft`.
///
/// Thread-safe: one netlink socket, calls serialised by a mutex. The socket belongs to the network
/// namespace of the thread that created the manager.
public final class VirtualAddressManager: Sendable {
    /// What a change did: keepalived treats an existing address on add and a missing one on delete
    /// as success, so those come back as outcomes, not errors.
    public enum Outcome: Sendable, Equatable {
        case changed
        /// add: EEXIST (the address was already there).
        case alreadyPresent
        /// delete: EADDRNOTAVAIL (the address was not there).
        case alreadyAbsent
    }

    private let connection: Mutex<RouteNetlinkConnection>

    public init() throws(VRRPIOError) {
        connection = Mutex(try RouteNetlinkConnection())
    }

    /// Adds `vip` to the interface with index `interfaceIndex` (its `dev` is the caller's to
    /// resolve). Errors carry the kernel's errno and message.
    @discardableResult
    public func add(_ vip: VirtualAddress, interfaceIndex: Int32) throws(VRRPIOError) -> Outcome {
        try change(vip, interfaceIndex: interfaceIndex, adding: true)
    }

    /// Deletes `vip` (address and prefix length) from the interface `interfaceIndex`.
    @discardableResult
    public func delete(_ vip: VirtualAddress, interfaceIndex: Int32) throws(VRRPIOError) -> Outcome {
        try change(vip, interfaceIndex: interfaceIndex, adding: false)
    }

    /// Adds `vip` on the interface named `interface` (looked up by name).
    @discardableResult
    public func add(_ vip: VirtualAddress, on interface: String) throws(VRRPIOError) -> Outcome {
        try add(vip, interfaceIndex: try Self.index(of: interface))
    }

    /// Deletes `vip` from the interface named `interface`.
    @discardableResult
    public func delete(_ vip: VirtualAddress, on interface: String) throws(VRRPIOError) -> Outcome {
        try delete(vip, interfaceIndex: try Self.index(of: interface))
    }

    /// Every address on the interface (to find VIPs left over from an earlier run).
    public func addresses(interfaceIndex: Int32) throws(VRRPIOError) -> [InterfaceAddress] {
        try connection.withLock { connection throws(VRRPIOError) in
            try InterfaceAddress.list(interfaceIndex: interfaceIndex, connection: connection)
        }
    }

    /// Every address on the interface named `interface`.
    public func addresses(on interface: String) throws(VRRPIOError) -> [InterfaceAddress] {
        try addresses(interfaceIndex: try Self.index(of: interface))
    }

    /// The index of `interface`, or ENODEV.
    static func index(of interface: String) throws(VRRPIOError) -> Int32 {
        let index = if_nametoindex(interface)
        guard index != 0 else { throw VRRPIOError(operation: "find interface \(interface)", code: ENODEV) }
        return Int32(index)
    }

    /// The IFA_F_* flags keepalived sets from the address options.
    static func flags(of vip: VirtualAddress) -> UInt32 {
        var flags: UInt32 = 0
        if vip.noDAD { flags |= 0x02 }                   // IFA_F_NODAD
        if vip.home { flags |= 0x10 }                    // IFA_F_HOMEADDRESS
        if vip.manageTemporaryAddress { flags |= 0x100 } // IFA_F_MANAGETEMPADDR
        if vip.noPrefixRoute { flags |= 0x200 }          // IFA_F_NOPREFIXROUTE
        if vip.autojoin { flags |= 0x400 }               // IFA_F_MCAUTOJOIN
        return flags
    }

    /// The broadcast address for `brd`: as given, or the address with host bits set / cleared.
    static func broadcast(of vip: VirtualAddress) -> IPAddress? {
        guard case .v4(let value) = vip.address, let broadcast = vip.broadcast else { return nil }
        let mask: UInt32 = vip.prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - vip.prefixLength)
        switch broadcast {
        case .address(let address): return address
        case .allOnes: return .v4(value | ~mask)
        case .allZeros: return .v4(value & mask)
        }
    }

    private func change(_ vip: VirtualAddress, interfaceIndex: Int32, adding: Bool) throws(VRRPIOError) -> Outcome {
        let verb = adding ? "add" : "delete"
        let operation = "\(verb) address \(vip.address)/\(vip.prefixLength) on interface \(interfaceIndex)"
        do throws(VRRPIOError) {
            try connection.withLock { connection throws(VRRPIOError) in
                // The request is built inside the lock so it never leaves the connection's region.
                guard let request = rtnl_addr_alloc() else { throw VRRPIOError(operation: operation, code: ENOMEM) }
                defer { rtnl_addr_put(request) }
                try Self.fill(request, from: vip, interfaceIndex: interfaceIndex, adding: adding, operation: operation)
                try connection.perform(operation) { socket in
                    adding ? rtnl_addr_add(socket, request, NLM_F_CREATE | NLM_F_EXCL)
                        : rtnl_addr_delete(socket, request, 0)
                }
            }
            return .changed
        } catch {
            if adding && error.code == EEXIST { return .alreadyPresent }
            if !adding && error.code == EADDRNOTAVAIL { return .alreadyAbsent }
            throw error
        }
    }

    /// Puts `vip`'s fields into a libnl address object.
    private static func fill(_ request: OpaquePointer, from vip: VirtualAddress, interfaceIndex: Int32,
                             adding: Bool, operation: String) throws(VRRPIOError) {
        rtnl_addr_set_ifindex(request, interfaceIndex)
        rtnl_addr_set_family(request, vip.address.isIPv6 ? AF_INET6 : AF_INET)
        guard let local = RouteNetlinkConnection.makeAddress(vip.address, prefixLength: vip.prefixLength) else {
            throw VRRPIOError(operation: operation, code: ENOMEM)
        }
        defer { nl_addr_put(local) }
        var result = rtnl_addr_set_local(request, local)
        rtnl_addr_set_prefixlen(request, Int32(vip.prefixLength))
        if let peer = vip.peer, result >= 0,
           let peerAddress = RouteNetlinkConnection.makeAddress(peer, prefixLength: vip.prefixLength) {
            result = rtnl_addr_set_peer(request, peerAddress)
            nl_addr_put(peerAddress)
        }
        if adding {
            if let broadcast = broadcast(of: vip), result >= 0,
               let broadcastAddress = RouteNetlinkConnection.makeAddress(broadcast, prefixLength: 32) {
                result = rtnl_addr_set_broadcast(request, broadcastAddress)
                nl_addr_put(broadcastAddress)
            }
            if let scope = vip.scope { rtnl_addr_set_scope(request, Int32(scope.value)) }
            if let label = vip.label, !vip.address.isIPv6, result >= 0 {
                result = rtnl_addr_set_label(request, label)
            }
            let flags = flags(of: vip)
            if flags != 0 { rtnl_addr_set_flags(request, flags) }
            if let lifetime = vip.preferredLifetime {
                rtnl_addr_set_valid_lifetime(request, UInt32.max)
                switch lifetime {
                case .forever: rtnl_addr_set_preferred_lifetime(request, UInt32.max)
                case .seconds(let seconds): rtnl_addr_set_preferred_lifetime(request, seconds)
                }
            }
        }
        if result < 0 {
            throw VRRPIOError(operation: operation, code: EINVAL, message: String(cString: nl_geterror(result)))
        }
    }
}
