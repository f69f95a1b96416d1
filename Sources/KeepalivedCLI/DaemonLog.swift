import Foundation
import Synchronization

/// keepalived-style logging: syslog under keepalived's identities (`Keepalived`,
/// `Keepalived_vrrp`, `Keepalived_healthcheckers`) and, with `-l`, the console as
/// `Sun Nov 22 18:00:55 2026: message`. Detail lines (`-D`) are dropped unless enabled.
public final class DaemonLog: Sendable {
    /// The syslog identity of each keepalived process.
    public enum Identity: String, Sendable {
        case parent = "Keepalived"
        case vrrp = "Keepalived_vrrp"
        case checkers = "Keepalived_healthcheckers"
    }

    let console: Bool
    let detail: Bool
    let useSyslog: Bool
    /// Lines written, kept for tests; nil when not recording.
    let recorded: Mutex<[String]?>

    /// `facility` is the `-S` number 0-7 for local0..local7; nil means LOG_DAEMON.
    public init(identity: Identity, console: Bool, detail: Bool, facility: Int?, syslog: Bool = true, record: Bool = false) {
        self.console = console
        self.detail = detail
        self.useSyslog = syslog
        self.recorded = Mutex(record ? [] : nil)
        if syslog {
            let facilityCode = facility.map { (16 + Int32($0)) << 3 } ?? LOG_DAEMON
            // openlog keeps the pointer: the identity strings are static for the process lifetime.
            identity.rawValue.withCString { name in
                openlog(strdup(name), LOG_PID, facilityCode)
            }
        }
    }

    /// A line operators see (syslog INFO, console with -l).
    public func info(_ message: String) { write(message, priority: LOG_INFO) }

    /// A warning or error line.
    public func error(_ message: String) { write(message, priority: LOG_ERR) }

    /// A `-D` detail line.
    public func detail(_ message: String) {
        guard detail else { return }
        write(message, priority: LOG_INFO)
    }

    /// What was written, when recording.
    public var lines: [String] { recorded.withLock { $0 ?? [] } }

    func write(_ message: String, priority: Int32) {
        if useSyslog {
            message.withCString { text in withVaList([text]) { vsyslog(priority, "%s", $0) } }
        }
        if console {
            FileHandle.standardError.write(Data((Self.timestamp() + ": " + message + "\n").utf8))
        }
        recorded.withLock { $0?.append(message) }
    }

    /// keepalived's console time format, e.g. `Sun Nov 22 18:00:55 2026`.
    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
