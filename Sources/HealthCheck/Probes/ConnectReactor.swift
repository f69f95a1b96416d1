import CRawSocket
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Watches many non-blocking connects for one serial queue with a single epoll set, looked at on
/// the engine's wake-up grid (`WakeGrid`): while connects are in flight, one timer wakes the queue
/// at the next grid instant, where every socket that became writable is handled together and the
/// connects that ran out of time end. A connect costs epoll_ctl calls on the queue's own thread and
/// shares its wake-up with the others finishing and starting then; a Dispatch source per socket (or
/// one read source for the set) woke libdispatch's manager thread and a worker for each.
///
/// Thread safety: every stored `var` is read and written only on `queue` (`watch` and `unwatch` are
/// called on it; the timer's handler runs on it), so the class may be shared although the compiler
/// cannot check that.
final class ConnectReactor: @unchecked Sendable {
    /// How a watched connect ended.
    enum Event: Sendable {
        case writable
        case timedOut
    }

    private struct Watch {
        var deadline: UInt64
        var handler: (Event) -> Void
    }

    private let queue: DispatchQueue
    private let epollFD: Int32
    private let timer: any DispatchSourceTimer
    private var armedDeadline: UInt64?
    private var watches: [Int32: Watch] = [:]
    /// A connect's deadline; entries whose watch is gone or changed are skipped when they come up.
    private struct Deadline: Comparable, Sendable {
        var deadline: UInt64
        var fd: Int32

        static func < (a: Deadline, b: Deadline) -> Bool { a.deadline < b.deadline }
    }

    private var deadlines = BinaryMinHeap<Deadline>()

    init(queue: DispatchQueue) {
        self.queue = queue
        epollFD = kad_epoll_create()
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [unowned self] in timerFired() }
        timer.schedule(deadline: .distantFuture, repeating: .never, leeway: .nanoseconds(0))
        timer.resume()
    }

    deinit {
        timer.cancel()
        if epollFD >= 0 { close(epollFD) }
    }

    /// Watches `fd` (connecting, non-blocking) until it is writable or `timeout` has passed; the
    /// handler runs once on the queue, unless `unwatch` comes first. False if the kernel refused.
    func watch(_ fd: Int32, timeoutNanoseconds timeout: UInt64, handler: @escaping (Event) -> Void) -> Bool {
        guard epollFD >= 0 else { return false }
        guard kad_epoll_add_writable_once(epollFD, fd) == 0 else { return false }
        let now = Self.now()
        let deadline = now + timeout
        watches[fd] = Watch(deadline: deadline, handler: handler)
        deadlines.push(Deadline(deadline: deadline, fd: fd))
        // Look at the set at the next grid instant (the connect may finish any moment).
        let look = WakeGrid.instant(after: now)
        if armedDeadline.map({ look < $0 }) ?? true { arm(at: look) }
        return true
    }

    /// Stops watching `fd` (before it is closed); its handler is not called.
    func unwatch(_ fd: Int32) {
        guard watches.removeValue(forKey: fd) != nil else { return }
        kad_epoll_remove(epollFD, fd)
    }

    /// The sockets that became writable since the last look (handlers not called yet).
    private func drain() -> [(Event) -> Void] {
        var fds = [Int32](repeating: -1, count: 256)
        var ready: [(Event) -> Void] = []
        while true {
            let count = kad_epoll_ready(epollFD, &fds, Int32(fds.count))
            guard count > 0 else { break }
            for fd in fds[..<Int(count)] {
                guard let watch = watches.removeValue(forKey: fd) else { continue }
                kad_epoll_remove(epollFD, fd)
                ready.append(watch.handler)
            }
            if Int(count) < fds.count { break }
        }
        return ready
    }

    /// Handles the connects that finished and the ones out of time now (the engine calls it when
    /// it wakes for its own reasons, so they share the wake-up).
    func look() {
        guard !watches.isEmpty else { return }
        timerFired()
    }

    /// A grid instant: finished connects, then the ones out of time; the timer stays on the grid
    /// while connects are in flight.
    private func timerFired() {
        armedDeadline = nil
        let ready = drain()
        let now = Self.now()
        var expired: [(Event) -> Void] = []
        while let first = deadlines.first, first.deadline <= now {
            deadlines.popFirst()
            guard let watch = watches[first.fd], watch.deadline == first.deadline else { continue }
            watches[first.fd] = nil
            kad_epoll_remove(epollFD, first.fd)
            expired.append(watch.handler)
        }
        if !watches.isEmpty { arm(at: WakeGrid.instant(after: now)) }
        // Handlers may start new connects: call them once the set is consistent.
        for handler in ready { handler(.writable) }
        for handler in expired { handler(.timedOut) }
    }

    private func arm(at deadline: UInt64) {
        armedDeadline = deadline
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline), repeating: .never, leeway: .nanoseconds(0))
    }

    /// The clock `DispatchTime` counts in.
    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
