import CRawSocket
import ConfParser
#if canImport(Glibc)
import Glibc
#endif

/// Where the VRRP shell's log lines go; keepalivedd's CLI passes its `DaemonLog`.
public struct VRRPShellLogger: Sendable {
    /// Lines operators see.
    public var info: @Sendable (String) -> Void
    /// Warnings and errors.
    public var error: @Sendable (String) -> Void
    /// `-D` detail lines (the receiver decides whether to keep them).
    public var detail: @Sendable (String) -> Void

    public init(info: @escaping @Sendable (String) -> Void, error: @escaping @Sendable (String) -> Void,
                detail: @escaping @Sendable (String) -> Void) {
        self.info = info
        self.error = error
        self.detail = detail
    }
}

/// How the VRRP shell runs.
public struct VRRPShellOptions: Sendable {
    /// `-V` / `--dont-release-vrrp`: on stop, neither send priority 0 nor remove the VIPs.
    public var dontReleaseVRRP: Bool
    /// Run every socket, netlink request and child in this network namespace (a name under
    /// /run/netns or a path); nil: the process's own. Used by the namespace tests.
    public var networkNamespace: String?

    public init(dontReleaseVRRP: Bool = false, networkNamespace: String? = nil) {
        self.dontReleaseVRRP = dontReleaseVRRP
        self.networkNamespace = networkNamespace
    }

    /// The namespace as a path, or nil.
    var namespacePath: String? {
        networkNamespace.map { $0.contains("/") ? $0 : "/run/netns/" + $0 }
    }
}

/// The monotonic clock (CLOCK_MONOTONIC) the shell feeds the machines with.
enum VRRPMonotonicClock {
    static func now() -> VRRPInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return VRRPInstant(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }
}

/// Runs a body with the calling thread inside a network namespace, then puts the thread back.
struct VRRPNamespaceScope: Sendable {
    let path: String?

    /// nil when the namespace could not be entered (the body did not run: nothing may touch the
    /// wrong namespace).
    @discardableResult
    func run<T>(_ body: () throws -> T) rethrows -> T? {
        guard let path else { return try body() }
        let saved = kad_vrrp_netns_enter(path)
        guard saved >= 0 else { return nil }
        defer {
            let restored = kad_vrrp_netns_restore(saved)
            precondition(restored == 0, "could not return to the original network namespace")
        }
        return try body()
    }
}

extension IPAddress {
    /// 224.0.0.0/4 or ff00::/8.
    var isMulticastAddress: Bool {
        switch self {
        case .v4(let value): value >> 28 == 0xE
        case .v6(let high, _): high >> 56 == 0xFF
        }
    }
}
