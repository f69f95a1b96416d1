import DaemonSupport
import Foundation
import Logging

/// keepalived-style logging through swift-log: syslog under keepalived's identities (`Keepalived`,
/// `Keepalived_vrrp`, `Keepalived_healthcheckers`) and, with `-l`, the console as
/// `Sun Nov 22 18:00:55 2026: message`. Detail lines (`-D`) are dropped unless enabled.
public final class DaemonLog: Sendable {
    /// The syslog identity of each keepalived process.
    public enum Identity: String, Sendable {
        case parent = "Keepalived"
        case vrrp = "Keepalived_vrrp"
        case checkers = "Keepalived_healthcheckers"
    }

    /// The swift-log logger every line goes through; hand it to code that logs with swift-log.
    public let logger: Logger
    let detailEnabled: Bool
    /// Lines written, kept for tests; nil when not recording.
    let recorder: LogRecorder?

    /// `facility` is the `-S` number 0-7 for local0..local7; nil means LOG_DAEMON.
    public init(identity: Identity, console: Bool, detail: Bool, facility: Int?, syslog: Bool = true, record: Bool = false) {
        self.detailEnabled = detail
        self.recorder = record ? LogRecorder() : nil
        self.logger = KeepalivedLogger.make(
            identity: identity.rawValue,
            syslogFacility: syslog ? SyslogLogHandler.facility(logFacilityOption: facility) : nil,
            console: console ? ConsoleLogHandler.standardError : nil,
            recorder: recorder
        )
    }

    /// A line operators see (syslog INFO, console with -l).
    public func info(_ message: String) { logger.info("\(message)") }

    /// Several lines at once: each is its own syslog record and console line, but the console gets
    /// them in a few writes of up to `linesPerWrite` lines (the 40,000 activation lines of a large
    /// reload): not one per line, and not one text of them all, whose copies on the way to the
    /// console were most of the checker's peak memory at start-up (about 4 MB with 10,000).
    public func info(lines: [String]) {
        for range in Self.messageRanges(lineCount: lines.count) {
            logger.info("\(lines[range].joined(separator: "\n"))")
        }
    }

    /// How many lines `info(lines:)` puts in one message.
    public static let linesPerWrite = 256

    /// The lines (by index) of each message `info(lines:)` writes for `lineCount` lines.
    public static func messageRanges(lineCount: Int) -> [Range<Int>] {
        stride(from: 0, to: lineCount, by: linesPerWrite).map { $0..<min($0 + linesPerWrite, lineCount) }
    }

    /// A warning or error line (syslog ERR).
    public func error(_ message: String) { logger.error("\(message)") }

    /// A `-D` detail line (syslog INFO), dropped unless detail logging is on.
    public func detail(_ message: String) {
        guard detailEnabled else { return }
        logger.info("\(message)")
    }

    /// What was written, when recording.
    public var lines: [String] { recorder?.lines ?? [] }

    /// keepalived's console time format, e.g. `Sun Nov 22 18:00:55 2026`.
    static func timestamp() -> String { ConsoleLogHandler.timestamp(at: time(nil)) }
}
