import NIOCore
import NIOPosix
import Synchronization

/// The daemon's mail shell: `send(_:)` returns at once and the alert goes out in the background on
/// SwiftNIO, one alert after another (in the order sent), so no engine ever waits for a mail
/// server. Each outcome is logged through `log` with keepalived's lines:
/// `Remote SMTP server [127.0.0.1]:25 connected.`, `SMTP alert successfully sent.` or an error
/// naming the server. Without a server or recipients, `send(_:)` does nothing.
public final class SMTPAlerter: Sendable {
    /// Alerts waiting beyond this many are dropped (and logged), so a dead server cannot make
    /// memory grow without bound.
    public static let maximumPending = 64

    /// The settings mail is sent with (router_id for building alerts included).
    public let settings: SMTPSettings
    private let eventLoop: any EventLoop
    private let log: @Sendable (String) -> Void
    private let date: @Sendable () -> String
    private let queue: Mutex<Queue>

    private struct Queue {
        var tail: EventLoopFuture<Void>
        var pending = 0
    }

    /// An alerter sending on one loop of `group`; `date` gives the `Date:` header at `send` time.
    public init(settings: SMTPSettings, group: any EventLoopGroup,
                log: @escaping @Sendable (String) -> Void,
                date: @escaping @Sendable () -> String = { RFC5322Date.now() }) {
        let loop = group.next()
        self.settings = settings
        self.eventLoop = loop
        self.log = log
        self.date = date
        self.queue = Mutex(Queue(tail: loop.makeSucceededVoidFuture()))
    }

    /// keepalived's `[router_id]` value, for building alerts.
    public var routerID: String { settings.routerID }

    /// Queues `alert` and returns at once.
    public func send(_ alert: SMTPAlert) {
        guard settings.isEnabled, let server = settings.server else { return }
        let message = settings.message(for: alert, date: date())
        let client = SMTPClient(server: server, heloName: settings.heloName,
                                connectTimeout: .seconds(Int64(max(1, settings.connectTimeout))))
        let loop = eventLoop
        let log = self.log
        let accepted = queue.withLock { queue -> Bool in
            guard queue.pending < SMTPAlerter.maximumPending else { return false }
            queue.pending += 1
            queue.tail = queue.tail.flatMap {
                client.send(message, on: loop) { name in log("Remote SMTP server \(name) connected.") }
                    .map { log("SMTP alert successfully sent.") }
                    .recover { error in
                        let smtpError = error as? SMTPError ?? .connectFailed(String(describing: error))
                        log(smtpError.logLine(server: client.displayName))
                    }
                    // Deferred: the chain may run inline while this lock is held.
                    .always { _ in loop.execute { self.queue.withLock { $0.pending -= 1 } } }
            }
            return true
        }
        if !accepted {
            log("SMTP alert queue full (\(SMTPAlerter.maximumPending) waiting) - dropping alert \"\(alert.subject)\"")
        }
    }

    /// Completes once every alert queued so far has been sent or has failed (for shutdown and tests).
    public func flush() -> EventLoopFuture<Void> {
        queue.withLock { $0.tail }
    }

    /// Alerts queued or being sent.
    public var pendingCount: Int {
        queue.withLock { $0.pending }
    }
}
