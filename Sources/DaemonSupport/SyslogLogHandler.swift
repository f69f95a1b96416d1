import Dispatch
import Foundation
import Logging
import Synchronization

/// A swift-log `LogHandler` writing through syslog(3) under one of keepalived's identities
/// (`Keepalived`, `Keepalived_vrrp`, `Keepalived_healthcheckers`), with `LOG_PID`, to `LOG_DAEMON`
/// or to `local0`..`local7` as chosen with `-S 0..7`.
public struct SyslogLogHandler: LogHandler {
    /// Messages below this level are dropped by `Logger` before they reach the handler.
    public var logLevel: Logger.Level = .trace
    /// Metadata appended to each line as ` key=value`.
    public var metadata: Logger.Metadata = [:]

    /// Opens the syslog connection for `identity` and `facility` (see ``facility(logFacilityOption:)``).
    public init(identity: String, facility: Int32) {
        SyslogConnection.open(identity: identity, facility: facility)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        guard SyslogConnection.socketExists() else { return }
        let text = LogLineFormat.text(event.message, metadata: metadata.merging(event.metadata ?? [:]) { $1 })
        // A message of several lines is several records.
        for line in LogLineFormat.lines(of: text) {
            String(line).withCString { line in
                withVaList([line]) { vsyslog(Self.priority(for: event.level), "%s", $0) }
            }
        }
    }

    /// The syslog facility for keepalived's `-S` option: nil means `LOG_DAEMON`, 0...7 mean
    /// `LOG_LOCAL0`...`LOG_LOCAL7` (`(16 + N) << 3`). Out-of-range numbers (rejected by the command
    /// line before this point) also give `LOG_DAEMON`.
    public static func facility(logFacilityOption number: Int?) -> Int32 {
        guard let number, (0...7).contains(number) else { return LOG_DAEMON }
        return (16 + Int32(number)) << 3
    }

    /// The syslog priority of a swift-log level.
    public static func priority(for level: Logger.Level) -> Int32 {
        switch level {
        case .critical: return LOG_CRIT
        case .error: return LOG_ERR
        case .warning: return LOG_WARNING
        case .notice: return LOG_NOTICE
        case .info: return LOG_INFO
        case .debug, .trace: return LOG_DEBUG
        }
    }
}

/// openlog(3) is process-wide and keeps the identity pointer; this is its single owner.
enum SyslogConnection {
    /// The identity and facility currently open, and the C string handed to openlog. The previous
    /// string is deliberately leaked when the identity changes: syslog may still be reading it.
    private static let current = Mutex<(identity: String, facility: Int32)?>(nil)

    static func open(identity: String, facility: Int32) {
        current.withLock { state in
            if let state, state.identity == identity, state.facility == facility { return }
            openlog(strdup(identity), LOG_PID, facility)
            state = (identity, facility)
        }
    }

    /// Whether the syslog socket exists (see `SocketPresence`).
    static let devLog = SocketPresence(path: "/dev/log")
    static func socketExists() -> Bool { devLog.exists() }
}

/// How a swift-log message and its metadata become one log line.
public enum LogLineFormat {
    /// The lines of a message (a message of several lines is several log lines), split on the
    /// UTF-8 newline byte rather than on Characters, which is many times faster for big batches.
    public static func lines(of text: String) -> [Substring] {
        let newline = UInt8(ascii: "\n")
        guard text.utf8.contains(newline) else { return [text[...]] }
        return text.utf8.split(separator: newline, omittingEmptySubsequences: false).map { Substring($0) }
    }

    /// The message, then ` key=value` for each metadata entry in key order.
    public static func text(_ message: Logger.Message, metadata: Logger.Metadata) -> String {
        guard !metadata.isEmpty else { return message.description }
        let pairs = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return ([message.description] + pairs).joined(separator: " ")
    }
}

/// Whether a Unix socket exists at `path`, looked up at most once per `interval`. Without
/// /dev/log, glibc's syslog(3) tries to connect again on every line (socket, connect, close:
/// three system calls a line, most of the cost of logging the 40,000 lines of a large reload), so
/// the syslog handler skips lines while it is absent; they would be dropped anyway.
final class SocketPresence: Sendable {
    let path: String
    let interval: UInt64
    /// When the path was last looked at (nanoseconds of `DispatchTime`), and what was found.
    private let lastCheck = Mutex<(at: UInt64, exists: Bool)?>(nil)

    init(path: String, intervalNanoseconds: UInt64 = 1_000_000_000) {
        self.path = path
        self.interval = intervalNanoseconds
    }

    func exists(now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool {
        lastCheck.withLock { last in
            if let last, now &- last.at < interval { return last.exists }
            var status = stat()
            let exists = stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK
            last = (now, exists)
            return exists
        }
    }
}
