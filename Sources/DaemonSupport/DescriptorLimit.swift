#if canImport(Glibc)
import Glibc
#endif

/// The open-file limit the checker process needs, raised at start and on reload as keepalived's
/// checker raises it: every check in flight holds a socket (or a script's pipe), so 10,000
/// checkers under systemd's default soft limit of 1,024 would fail with "too many open files"
/// as soon as their servers answer slowly.
public enum DescriptorLimit {
    /// What the process holds besides its checks (standard streams, the log, epoll sets, timers,
    /// netlink sockets, the status and metrics sockets, pid files, alert mails), with room to spare.
    public static let baseDescriptors = 64
    /// Per checker: its check's socket, or a script's pipe ends.
    public static let perChecker = 2

    /// Descriptors needed for `checkers` checkers and up to `idleSockets` sockets kept between checks.
    public static func required(checkers: Int, idleSockets: Int) -> Int {
        baseDescriptors + perChecker * max(checkers, 0) + max(idleSockets, 0)
    }

    /// The soft and hard `RLIMIT_NOFILE` of this process.
    public static func current() -> (soft: Int, hard: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (0, 0) }
        return (clamped(limit.rlim_cur), clamped(limit.rlim_max))
    }

    /// Raises the soft limit to at least `count`, and the hard limit too when it is lower (which
    /// needs CAP_SYS_RESOURCE); never lowers either. Returns the soft limit in force afterwards, or
    /// the error (`errno`) when the kernel refused; refused a higher hard limit, the soft limit is
    /// still raised as far as the hard one allows.
    @discardableResult
    public static func raise(to count: Int) -> Result<Int, DescriptorLimitError> {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return .failure(DescriptorLimitError(code: errno)) }
        let wanted = rlim_t(max(count, 0))
        guard limit.rlim_cur < wanted else { return .success(clamped(limit.rlim_cur)) }
        var raised = limit
        raised.rlim_cur = wanted
        raised.rlim_max = max(limit.rlim_max, wanted)
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 else {
            let error = DescriptorLimitError(code: errno)
            if limit.rlim_cur < limit.rlim_max {
                var allowed = limit
                allowed.rlim_cur = limit.rlim_max
                setrlimit(Int32(RLIMIT_NOFILE.rawValue), &allowed)
            }
            return .failure(error)
        }
        return .success(clamped(wanted))
    }

    private static func clamped(_ value: rlim_t) -> Int {
        value >= rlim_t(Int.max) ? Int.max : Int(value)
    }
}

/// Why the open-file limit could not be raised.
public struct DescriptorLimitError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int32

    public var description: String { String(cString: strerror(code)) }
}
