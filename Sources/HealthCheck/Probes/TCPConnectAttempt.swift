import ConfParser
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One non-blocking TCP connect on a serial Dispatch queue: the queue's `ConnectReactor` watches
/// the socket's writability and `connect_timeout`. The connection is ended as soon as it is
/// established (TCP_CHECK asks nothing more), with a RST or a FIN (`TCPCheckClose`). With a RST and
/// no socket options, the socket comes from the queue's `TCPSocketPool` and goes back to it: the
/// pool's disconnect sends the RST.
///
/// Thread safety: every stored `var` is read and written only on the queue (`begin` is called on
/// it, the reactor's handlers run on it, `cancel` is called on it), so the class may be shared
/// although the compiler cannot check that.
final class TCPConnectAttempt: ProbeAttempt, ConnectWatcher, @unchecked Sendable {
    /// How a connect ended, in keepalived's categories.
    enum Outcome: Sendable, Equatable {
        case connected
        case failed(ProbeConnectFailure)
    }

    private let context: ProbeQueue
    /// keepalived's name of the server, for the result's message.
    private let label: ServiceLabel
    private let resetsOnClose: Bool
    private var completion: (@Sendable (ProbeResult) -> Void)?
    private var watched = false
    private var socketFD: Int32 = -1
    /// The address family of a socket from the queue's pool (it goes back there), nil for one of
    /// the attempt's own (closed at the end).
    private var pooledFamily: Int32?

    /// The attempt's socket, -1 once released (for tests; read on the queue).
    var descriptor: Int32 { socketFD }

    private init(context: ProbeQueue, label: ServiceLabel, resetsOnClose: Bool, completion: @escaping @Sendable (ProbeResult) -> Void) {
        self.context = context
        self.label = label
        self.resetsOnClose = resetsOnClose
        self.completion = completion
    }

    /// Starts a connect to `endpoint` on the context's queue; `completion` runs there, later, with
    /// TCP_CHECK's result (the attempt words it: no closure of the probe's own per attempt).
    static func begin(_ endpoint: ProbeEndpoint, closing: TCPCheckClose = .reset, on context: ProbeQueue,
                      completion: @escaping @Sendable (ProbeResult) -> Void) -> TCPConnectAttempt {
        let attempt = TCPConnectAttempt(context: context, label: endpoint.label, resetsOnClose: closing == .reset,
                                        completion: completion)
        attempt.connect(endpoint)
        return attempt
    }

    func cancel() {
        completion = nil
        release()
    }

    private func connect(_ endpoint: ProbeEndpoint) {
        let family = endpoint.connectIP.isIPv6 ? AF_INET6 : AF_INET
        let plain = resetsOnClose && endpoint.fwmark == nil && endpoint.bindIP == nil && endpoint.bindPort == nil
        let fd = plain ? context.sockets.socket(family: family) : TCPSocketPool.makeSocket(family: family)
        guard fd >= 0 else { return finishLater(.failed(.error)) }
        socketFD = fd
        if plain { pooledFamily = family }
        if let mark = endpoint.fwmark {
            var value = mark
            setsockopt(fd, SOL_SOCKET, SO_MARK, &value, socklen_t(MemoryLayout<UInt32>.size))
        }
        if endpoint.bindIP != nil || endpoint.bindPort != nil {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let local = endpoint.bindIP ?? (endpoint.connectIP.isIPv6 ? .v6(0, 0) : .v4(0))
            let bound = SocketAddressBytes(local, port: endpoint.bindPort ?? 0).withPointer { bind(fd, $0, $1) }
            guard bound == 0 else { return finishLater(.failed(.bind)) }
        }
        let result = SocketAddressBytes(endpoint.connectIP, port: endpoint.connectPort).withPointer { Glibc.connect(fd, $0, $1) }
        if result == 0 { return finishLater(.connected) }
        switch errno {
        case EINPROGRESS:
            watch(fd, timeout: endpoint.timeout.nanoseconds)
        case ENETUNREACH, EHOSTUNREACH:
            finishLater(.failed(.unreachable))
        case EADDRNOTAVAIL, EADDRINUSE:
            finishLater(.failed(.bind))
        default:
            finishLater(.failed(.error))
        }
    }

    private func watch(_ fd: Int32, timeout nanoseconds: Int64) {
        guard context.connects.watch(fd, timeoutNanoseconds: UInt64(max(nanoseconds, 1)), watcher: self) else {
            return finishLater(.failed(.error))
        }
        watched = true
    }

    func connectEnded(_ event: ConnectReactor.Event) {
        watched = false
        switch event {
        case .timedOut:
            finish(.failed(.timeout))
        case .established:
            finish(.connected)
        case .writable:
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            let status = getsockopt(socketFD, SOL_SOCKET, SO_ERROR, &error, &length)
            switch (status, error) {
            case (0, 0): finish(.connected)
            case (_, ENETUNREACH), (_, EHOSTUNREACH): finish(.failed(.unreachable))
            default: finish(.failed(.error))
            }
        }
    }

    /// Reports from a later turn of the queue, so the engine never sees a result before `begin`
    /// has returned.
    private func finishLater(_ outcome: Outcome) {
        context.queue.async { [self] in finish(outcome) }
    }

    private func finish(_ outcome: Outcome) {
        guard let completion else { return }
        self.completion = nil
        if outcome == .connected && resetsOnClose && pooledFamily == nil { resetOnClose() }
        release()
        switch outcome {
        case .connected: completion(TCPProbe.success(label: label))
        case .failed(let failure): completion(TCPProbe.result(of: failure, label: label))
        }
    }

    /// Makes the coming `close` abort the established connection with a RST (SO_LINGER 0) instead
    /// of the FIN exchange (see `TCPCheckClose.reset`).
    private func resetOnClose() {
        var abort = linger(l_onoff: 1, l_linger: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
    }

    private func release() {
        guard socketFD >= 0 else { return }
        if watched {
            context.connects.unwatch(socketFD)
            watched = false
        }
        if let family = pooledFamily {
            context.sockets.recycle(socketFD, family: family)
        } else {
            close(socketFD)
        }
        socketFD = -1
    }
}

/// A `sockaddr_in` / `sockaddr_in6` for an address and port.
struct SocketAddressBytes {
    private var storage = sockaddr_storage()
    private let length: socklen_t

    init(_ address: IPAddress, port: UInt16) {
        switch address {
        case .v4(let value):
            var inet = sockaddr_in()
            inet.sin_family = sa_family_t(AF_INET)
            inet.sin_port = port.bigEndian
            inet.sin_addr.s_addr = value.bigEndian
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: inet, as: sockaddr_in.self) }
        case .v6(let high, let low):
            var inet6 = sockaddr_in6()
            inet6.sin6_family = sa_family_t(AF_INET6)
            inet6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &inet6.sin6_addr) { bytes in
                bytes.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
                bytes.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: inet6, as: sockaddr_in6.self) }
        }
    }

    func withPointer<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}
