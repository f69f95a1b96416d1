import Dispatch
import Foundation
import Synchronization

/// systemd's notify protocol without libsystemd: datagrams to `$NOTIFY_SOCKET` telling the service
/// manager that the daemon is ready, reloading or stopping, and keeping its watchdog fed.
///
/// Without `$NOTIFY_SOCKET` (not started by systemd, or not `Type=notify`) every call is a no-op
/// returning false. Calls may come from any thread.
public final class SystemdNotifier: Sendable {
    /// Where datagrams go; nil when `$NOTIFY_SOCKET` is unset or unusable.
    public let socket: NotifySocket?
    /// Half of this is the ping period systemd expects; nil when no watchdog is set for this process.
    public let watchdogInterval: Duration?
    /// The running watchdog timer, if any. The Mutex is its only owner.
    private let watchdogTimer = Mutex<WatchdogTimer?>(nil)

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`
    /// (the process environment by default; tests inject their own).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.socket = environment["NOTIFY_SOCKET"].flatMap(NotifySocket.init(environmentValue:))
        self.watchdogInterval = SystemdNotification.watchdogInterval(environment: environment, pid: getpid())
    }

    deinit { stopWatchdog() }

    /// Whether a notify socket is configured.
    public var isEnabled: Bool { socket != nil }

    /// `READY=1` (and `STATUS=` when given): startup is complete.
    @discardableResult
    public func ready(status: String? = nil) -> Bool { send(.ready(status: status)) }

    /// `RELOADING=1` with `MONOTONIC_USEC=` now; send `ready()` when the reload is done.
    @discardableResult
    public func reloading() -> Bool {
        send(.reloading(monotonicMicroseconds: SystemdNotification.monotonicMicroseconds()))
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping() -> Bool { send(.stopping) }

    /// `STATUS=text` alone.
    @discardableResult
    public func status(_ text: String) -> Bool { send(.status(text)) }

    /// `WATCHDOG=1`: one keep-alive ping.
    @discardableResult
    public func watchdogPing() -> Bool { send(.watchdog) }

    /// Sends one notification; true when the datagram left.
    @discardableResult
    public func send(_ notification: SystemdNotification) -> Bool {
        socket?.send(notification.payload) ?? false
    }

    /// Pings the watchdog every half ``watchdogInterval`` from a timer on `queue`, replacing a timer
    /// started earlier. False (and nothing started) without a socket or a watchdog interval.
    @discardableResult
    public func startWatchdog(on queue: DispatchQueue) -> Bool {
        guard let socket, let interval = watchdogInterval else { return false }
        let timer = WatchdogTimer(socket: socket, period: interval / 2, queue: queue)
        let previous = watchdogTimer.withLock { current in
            let previous = current
            current = timer
            return previous
        }
        previous?.cancel()
        return true
    }

    /// Stops the watchdog timer, if one runs.
    public func stopWatchdog() {
        let previous = watchdogTimer.withLock { current in
            let previous = current
            current = nil
            return previous
        }
        previous?.cancel()
    }

    /// Whether a watchdog timer is running.
    public var isWatchdogRunning: Bool { watchdogTimer.withLock { $0 != nil } }
}

/// A repeating Dispatch timer sending `WATCHDOG=1`. It captures only the socket value, so it keeps
/// no reference to its notifier.
final class WatchdogTimer: Sendable {
    /// Dispatch sources are thread-safe (resume/cancel may be called from any thread) but are not
    /// annotated Sendable on Linux; this property is set once in init and never reassigned.
    nonisolated(unsafe) private let source: any DispatchSourceTimer

    init(socket: NotifySocket, period: Duration, queue: DispatchQueue) {
        let (seconds, attoseconds) = period.components
        let microseconds = max(1, Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000))
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + .microseconds(microseconds), repeating: .microseconds(microseconds),
                        leeway: .microseconds(microseconds / 10))
        source.setEventHandler {
            _ = socket.send(SystemdNotification.watchdog.payload)
        }
        self.source = source
        source.resume()
    }

    func cancel() { source.cancel() }
}
