import CNetlink
import CRawSocket
import ConfParser
#if canImport(Glibc)
import Glibc
#endif

extension VRRPIOError {
    /// An error whose text is not strerror's (libnl's own failures).
    init(operation: String, code: Int32, message: String) {
        self.init(operation: operation, code: code)
        self.message = message
    }
}

/// One libnl NETLINK_ROUTE socket, created in the calling thread's network namespace, that
/// remembers the errno of the last kernel NLMSG_ERROR so failures carry the kernel's message.
///
/// Not thread-safe: each owner serialises its calls (VirtualAddressManager holds it in a Mutex,
/// InterfaceInfo.query makes a private one).
final class RouteNetlinkConnection {
    let socket: OpaquePointer
    /// Written by the error callback during a call, read right after it (same thread).
    private let lastKernelError: UnsafeMutablePointer<kad_vrrp_netlink_error>

    init() throws(VRRPIOError) {
        guard let socket = nl_socket_alloc() else {
            throw VRRPIOError(operation: "allocate netlink socket", code: ENOMEM)
        }
        let connected = nl_connect(socket, NETLINK_ROUTE)
        if connected < 0 {
            nl_socket_free(socket)
            throw VRRPIOError(operation: "connect rtnetlink", code: EIO,
                              message: String(cString: nl_geterror(connected)))
        }
        self.socket = socket
        lastKernelError = .allocate(capacity: 1)
        lastKernelError.initialize(to: kad_vrrp_netlink_error())
        // Kernel messages such as "ipv4: Invalid scope value." come with extended ACKs.
        _ = kad_vrrp_netlink_enable_ext_ack(nl_socket_get_fd(socket))
        let handler: nl_recvmsg_err_cb_t = { _, error, argument in
            if let error, let argument {
                kad_vrrp_netlink_record_error(UnsafeRawPointer(error),
                                              argument.assumingMemoryBound(to: kad_vrrp_netlink_error.self))
            }
            return Int32(NL_STOP.rawValue)
        }
        nl_socket_modify_err_cb(socket, NL_CB_CUSTOM, handler, UnsafeMutableRawPointer(lastKernelError))
    }

    deinit {
        nl_socket_free(socket)
        lastKernelError.deallocate()
    }

    /// Runs one libnl call; a negative result becomes an error carrying the kernel's errno when
    /// the kernel answered with one, else libnl's own message.
    func perform(_ operation: String, _ call: (OpaquePointer) -> Int32) throws(VRRPIOError) {
        lastKernelError.pointee = kad_vrrp_netlink_error()
        let result = call(socket)
        guard result < 0 else { return }
        let kernelError = lastKernelError.pointee
        if kernelError.code > 0 {
            var error = VRRPIOError(operation: operation, code: kernelError.code)
            let detail = withUnsafeBytes(of: kernelError.message) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            error.kernelDetail = detail.isEmpty ? nil : detail
            throw error
        }
        throw VRRPIOError(operation: operation, code: EIO, message: String(cString: nl_geterror(result)))
    }

    /// Builds a libnl address (caller puts it) from an `IPAddress` and prefix length.
    static func makeAddress(_ address: IPAddress, prefixLength: Int) -> OpaquePointer? {
        let bytes = IOAddressBytes.bytes(of: address)
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        guard let built = bytes.withUnsafeBytes({ nl_addr_build(family, $0.baseAddress, $0.count) }) else {
            return nil
        }
        nl_addr_set_prefixlen(built, Int32(prefixLength))
        return built
    }

    /// The `IPAddress` in a libnl address (nil when absent or not IPv4/IPv6).
    static func ipAddress(_ address: OpaquePointer?) -> IPAddress? {
        guard let address, let data = nl_addr_get_binary_addr(address) else { return nil }
        let length = Int(nl_addr_get_len(address))
        return IOAddressBytes.address(from: UnsafeRawBufferPointer(start: data, count: length))
    }

    /// The raw bytes of a libnl address (e.g. a MAC).
    static func rawBytes(_ address: OpaquePointer?) -> [UInt8] {
        guard let address, let data = nl_addr_get_binary_addr(address) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: Int(nl_addr_get_len(address))))
    }
}
