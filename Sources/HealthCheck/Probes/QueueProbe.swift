import Dispatch

/// A probe whose attempt runs on the health engine's own serial queue, without a task or a hop
/// to another thread: the cheap path for checkers that run by the thousand (TCP_CHECK). The
/// engine prefers `start(on:completion:)` over `run()` when a probe offers it.
public protocol QueueProbe: HealthProbe {
    /// Starts one attempt on `context.queue` (the caller is on it). `completion` is called exactly
    /// once, on that queue and never before `start` has returned, unless the attempt is cancelled
    /// first.
    func start(on context: ProbeQueue, completion: @escaping @Sendable (ProbeResult) -> Void) -> any ProbeAttempt
}

/// An attempt in flight that can be abandoned.
public protocol ProbeAttempt: Sendable {
    /// Stops the attempt and releases what it holds; its completion is not called afterwards.
    /// Called on the queue the attempt runs on.
    func cancel()
}

/// A serial queue that queue probes run on, with what they share there (one epoll set watching
/// every connect in flight, and the TCP sockets kept between attempts).
public final class ProbeQueue: Sendable {
    /// The serial queue everything runs on.
    public let queue: DispatchQueue
    let connects: ConnectReactor
    let sockets = TCPSocketPool()
    /// The most sockets a queue keeps open between checks (both address families), for the
    /// process's open-file limit.
    public static let idleSocketsAtMost = 2 * TCPSocketPool.idleLimit

    public init(queue: DispatchQueue) {
        self.queue = queue
        connects = ConnectReactor(queue: queue)
    }
}
