#if canImport(Glibc)
import Glibc
#endif

/// TCP sockets kept between TCP_CHECK attempts on one serial queue, so a check costs a `connect`
/// and a disconnect instead of `socket`, `connect`, `setsockopt(SO_LINGER)` and `close`.
///
/// A socket is given back with `recycle`, which disconnects it: `connect` with an `AF_UNSPEC`
/// address (POSIX's way to dissolve a connection; Linux's `tcp_disconnect`) sends a RST on an
/// established connection, as `SO_LINGER 0` and `close` would, and leaves the socket closed and
/// unbound, ready for the next connect (which picks a new ephemeral port and clears the socket's
/// pending error). Only plain sockets are pooled: an attempt with `bindto`, `bind_port` or `fwmark`
/// sets options a pooled socket must not carry, and a FIN close needs `close`.
///
/// Thread safety: used only on its queue (by the attempts and the reactor), so the class may be
/// shared although the compiler cannot check that.
final class TCPSocketPool: @unchecked Sendable {
    /// Idle sockets kept at most per address family; more are closed.
    static let idleLimit = 256

    /// The idle sockets: IPv4's, then IPv6's (`slot(of:)`).
    private var idle: [[Int32]] = [[], []]
    /// Sockets made and sockets handed out again, for tests and the curious.
    private(set) var created = 0
    private(set) var reused = 0

    init() {}

    deinit {
        for fd in idle.joined() { close(fd) }
    }

    /// Where a family's idle sockets are in `idle`.
    private static func slot(of family: Int32) -> Int { family == AF_INET6 ? 1 : 0 }

    /// The idle sockets of a family, for tests.
    func idle(family: Int32) -> [Int32] { idle[Self.slot(of: family)] }

    /// A non-blocking, close-on-exec TCP socket of `family` (`AF_INET` or `AF_INET6`), idle or new;
    /// -1 with `errno` set if none could be made.
    func socket(family: Int32) -> Int32 {
        if let fd = idle[Self.slot(of: family)].popLast() {
            reused += 1
            return fd
        }
        let fd = Self.makeSocket(family: family)
        if fd >= 0 { created += 1 }
        return fd
    }

    /// A new non-blocking, close-on-exec TCP socket (-1 with `errno` set on failure).
    static func makeSocket(family: Int32) -> Int32 {
        Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    /// Ends whatever `fd` is connected or connecting to (a RST if established) and keeps it for a
    /// later attempt; closes it instead if the pool is full or the disconnect failed. The caller
    /// must have taken it out of any epoll set that still waits on it.
    func recycle(_ fd: Int32, family: Int32) {
        var unspecified = sockaddr()
        unspecified.sa_family = sa_family_t(AF_UNSPEC)
        let disconnected = Glibc.connect(fd, &unspecified, socklen_t(MemoryLayout<sockaddr>.size)) == 0
        let slot = Self.slot(of: family)
        if disconnected && idle[slot].count < Self.idleLimit {
            idle[slot].append(fd)
        } else {
            close(fd)
        }
    }
}
