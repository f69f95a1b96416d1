import ConfParser
#if canImport(Glibc)
import Glibc
#endif

/// The addresses configured on this host's interfaces (in this network namespace).
enum HostAddresses {
    /// Every IPv4 and IPv6 address of every interface.
    static func all() -> Set<String> {
        var result: Set<String> = []
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return result }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr else { continue }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                    var raw = inet.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                }
            case AF_INET6:
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { inet in
                    var raw = inet.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                }
            default:
                continue
            }
            let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            if let parsed = IPAddress(String(decoding: bytes, as: UTF8.self)) { result.insert(parsed.description) }
        }
        return result
    }

    /// The `ha_suspend` virtual servers (indices) whose address is on this host now; virtual
    /// servers without an address of their own (fwmark, group) count as local.
    static func localVirtualServers(of config: Config) -> Set<Int> {
        let suspending = config.virtualServers.indices.filter { config.virtualServers[$0].haSuspend }
        guard !suspending.isEmpty else { return [] }
        let local = all()
        return Set(suspending.filter { index in
            guard case .address(let ip, _) = config.virtualServers[index].address else { return true }
            return local.contains(ip.description)
        })
    }
}
