#if canImport(Glibc)
import Glibc
#endif

/// A `sockaddr_un` for a filesystem path, as the status socket's server and client bind and
/// connect to it.
struct UnixSocketAddress {
    private var address = sockaddr_un()

    /// nil when the path does not fit in `sun_path` (with its terminating zero).
    init?(path: String) {
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < Self.capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
    }

    /// The longest path plus one (the size of `sun_path`).
    static var capacity: Int { MemoryLayout.size(ofValue: sockaddr_un().sun_path) }

    /// Calls `body` with the address as a `sockaddr` and its length.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
