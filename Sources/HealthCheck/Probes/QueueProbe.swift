import Dispatch

/// A probe whose attempt runs on the health engine's own serial queue with Dispatch sources,
/// without a task or a hop to another thread: the cheap path for checkers that run by the
/// thousand (TCP_CHECK). The engine prefers `start(on:completion:)` over `run()` when a probe
/// offers it.
public protocol QueueProbe: HealthProbe {
    /// Starts one attempt on `queue` (the caller is on it). `completion` is called exactly once,
    /// on `queue` and never before `start` has returned, unless the attempt is cancelled first.
    func start(on queue: DispatchQueue, completion: @escaping @Sendable (ProbeResult) -> Void) -> any ProbeAttempt
}

/// An attempt in flight that can be abandoned.
public protocol ProbeAttempt: Sendable {
    /// Stops the attempt and releases what it holds; its completion is not called afterwards.
    /// Called on the queue the attempt runs on.
    func cancel()
}
