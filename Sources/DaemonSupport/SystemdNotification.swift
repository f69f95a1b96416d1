import Foundation

/// The payloads of systemd's notify protocol (`sd_notify(3)`), as plain values: newline-separated
/// `KEY=VALUE` assignments in one datagram.
public enum SystemdNotification: Sendable, Equatable {
    /// `READY=1`, with `STATUS=` when a status text is given.
    case ready(status: String?)
    /// `RELOADING=1` and `MONOTONIC_USEC=` (required by `Type=notify-reload`).
    case reloading(monotonicMicroseconds: UInt64)
    /// `STOPPING=1`.
    case stopping
    /// `WATCHDOG=1`: the keep-alive ping.
    case watchdog
    /// `STATUS=` alone: free-form text shown by `systemctl status`.
    case status(String)

    /// The datagram text.
    public var payload: String {
        switch self {
        case .ready(let status):
            return (["READY=1"] + (status.map { ["STATUS=" + Self.singleLine($0)] } ?? [])).joined(separator: "\n")
        case .reloading(let microseconds):
            return "RELOADING=1\nMONOTONIC_USEC=\(microseconds)"
        case .stopping:
            return "STOPPING=1"
        case .watchdog:
            return "WATCHDOG=1"
        case .status(let text):
            return "STATUS=" + Self.singleLine(text)
        }
    }

    /// A value must stay on one line: a newline would start a new assignment.
    static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// `CLOCK_MONOTONIC` now, in microseconds, as `MONOTONIC_USEC=` wants it.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    /// The watchdog interval systemd asks for: `WATCHDOG_USEC` (a positive integer) when
    /// `WATCHDOG_PID` is absent or names `pid`; otherwise nil.
    public static func watchdogInterval(environment: [String: String], pid: pid_t) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else {
            return nil
        }
        if let watchdogPID = environment["WATCHDOG_PID"] {
            guard let value = pid_t(watchdogPID), value == pid else { return nil }
        }
        return .microseconds(microseconds)
    }
}
