import CRawSocket
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// What a watched connect tells when it ends (the reactor holds it until then).
protocol ConnectWatcher: AnyObject {
    /// Called once, on the reactor's queue, unless `unwatch` came first.
    func connectEnded(_ event: ConnectReactor.Event)
}

/// Watches many non-blocking connects for one serial queue.
///
/// A connect to a server on this host or a link away is usually complete when `connect()` returns
/// EINPROGRESS (the handshake ran in the kernel's softirq within the call). So the connects started
/// in one turn of the queue are first looked at together, right after that turn, with one `poll()`
/// for all of them: most end there, costing no epoll_ctl, no timer and no wake-up of their own.
/// The ones still connecting join one epoll set, looked at on the engine's wake-up grid
/// (`WakeGrid`): while they are in flight, one timer wakes the queue at the next grid instant,
/// where every socket that became writable is handled together and the connects that ran out of
/// time end. Sockets are not taken out of the epoll set when they end: closing them does that.
///
/// Thread safety: every stored `var` is read and written only on `queue` (`watch` and `unwatch` are
/// called on it; the timer's and the first look's handlers run on it), so the class may be shared
/// although the compiler cannot check that.
final class ConnectReactor: @unchecked Sendable {
    /// How a watched connect ended.
    enum Event: Sendable, Equatable {
        /// Writable without an error or a hang-up: the connection is established.
        case established
        /// Writable (the connect ended); `SO_ERROR` tells how.
        case writable
        case timedOut
    }

    private struct Watch {
        var deadline: UInt64
        var watcher: any ConnectWatcher
    }

    /// A connect started in the current turn of the queue, not looked at yet.
    private struct FreshConnect {
        var fd: Int32
        var timeout: UInt64
        var watcher: any ConnectWatcher
    }

    private let queue: DispatchQueue
    private let epollFD: Int32
    private let timer: any DispatchSourceTimer
    private var armedDeadline: UInt64?
    private var watches: [Int32: Watch] = [:]
    private var fresh: [FreshConnect] = []
    private var firstLookQueued = false
    private var pollSet: [pollfd] = []
    /// Buffers kept between looks (a 256-entry array made per look cost an allocation large enough
    /// to make malloc consolidate its free lists each time).
    private var lookBatch: [FreshConnect] = []
    private var readyFDs = [Int32](repeating: -1, count: 256)
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

    /// Watches `fd` (connecting, non-blocking) until it is writable or `timeout` has passed;
    /// `watcher` is told once, on the queue and never before this returns, unless `unwatch` comes
    /// first. False if the kernel refused.
    func watch(_ fd: Int32, timeoutNanoseconds timeout: UInt64, watcher: any ConnectWatcher) -> Bool {
        guard epollFD >= 0 else { return false }
        fresh.append(FreshConnect(fd: fd, timeout: timeout, watcher: watcher))
        if !firstLookQueued {
            // Runs when the current turn ends, on the same thread: no timer, no wake-up.
            firstLookQueued = true
            queue.async { [self] in lookAtFresh() }
        }
        return true
    }

    /// Stops watching `fd` (before it is closed); its watcher is not told.
    func unwatch(_ fd: Int32) {
        if let index = fresh.firstIndex(where: { $0.fd == fd }) {
            fresh.remove(at: index)
            return
        }
        guard watches.removeValue(forKey: fd) != nil else { return }
        kad_epoll_remove(epollFD, fd)
    }

    /// The first look at the connects started in the last turn: one poll for all of them; the ones
    /// that ended are told, the others join the epoll set.
    private func lookAtFresh() {
        firstLookQueued = false
        guard !fresh.isEmpty else { return }
        // The batch is swapped out, not copied: watchers told below may start connects of their own.
        var batch = lookBatch
        lookBatch = []
        swap(&batch, &fresh)
        defer {
            batch.removeAll(keepingCapacity: true)
            lookBatch = batch
        }
        pollSet.removeAll(keepingCapacity: true)
        for connect in batch { pollSet.append(pollfd(fd: connect.fd, events: Int16(POLLOUT), revents: 0)) }
        let polled = pollSet.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), 0) }
        var ended: [(any ConnectWatcher, Event)] = []
        var watching = false
        let now = Self.now()
        for (index, connect) in batch.enumerated() {
            let revents = polled > 0 ? Int32(pollSet[index].revents) : 0
            if revents != 0 {
                let failed = revents & (Int32(POLLERR) | Int32(POLLHUP) | Int32(POLLNVAL)) != 0
                ended.append((connect.watcher, failed ? .writable : .established))
            } else if kad_epoll_add_writable_once(epollFD, connect.fd) == 0 {
                let deadline = now + connect.timeout
                watches[connect.fd] = Watch(deadline: deadline, watcher: connect.watcher)
                deadlines.push(Deadline(deadline: deadline, fd: connect.fd))
                watching = true
            } else {
                ended.append((connect.watcher, .writable))
            }
        }
        // Look at the set at the next grid instant (a connect may finish any moment).
        if watching {
            let look = WakeGrid.instant(after: now)
            if armedDeadline.map({ look < $0 }) ?? true { arm(at: look) }
        }
        for (watcher, event) in ended { watcher.connectEnded(event) }
    }

    /// The sockets of the epoll set that became writable since the last look (not told yet).
    private func drain() -> [any ConnectWatcher] {
        var ready: [any ConnectWatcher] = []
        while true {
            let count = kad_epoll_ready(epollFD, &readyFDs, Int32(readyFDs.count))
            guard count > 0 else { break }
            for fd in readyFDs[..<Int(count)] {
                // One-shot: the socket stays in the set, disabled, until it is closed.
                guard let watch = watches.removeValue(forKey: fd) else { continue }
                ready.append(watch.watcher)
            }
            if Int(count) < readyFDs.count { break }
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
        var expired: [any ConnectWatcher] = []
        while let first = deadlines.first, first.deadline <= now {
            deadlines.popFirst()
            guard let watch = watches[first.fd], watch.deadline == first.deadline else { continue }
            watches[first.fd] = nil
            // Still in the set (waiting for writability): taken out, as the watcher may keep it open.
            kad_epoll_remove(epollFD, first.fd)
            expired.append(watch.watcher)
        }
        if !watches.isEmpty { arm(at: WakeGrid.instant(after: now)) }
        // Watchers may start new connects: tell them once the set is consistent.
        for watcher in ready { watcher.connectEnded(.writable) }
        for watcher in expired { watcher.connectEnded(.timedOut) }
    }

    private func arm(at deadline: UInt64) {
        armedDeadline = deadline
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline), repeating: .never, leeway: .nanoseconds(0))
    }

    /// The clock `DispatchTime` counts in.
    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
