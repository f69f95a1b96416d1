import Foundation
import Logging

/// A swift-log `LogHandler` in keepalived's console format (`-l`):
/// `Sun Nov 22 18:00:55 2026: message`, local time, one line per message, on stderr by default.
public struct ConsoleLogHandler: LogHandler {
    /// Receives each message's finished lines (one, or several joined by newlines), without the
    /// trailing newline.
    public typealias Sink = @Sendable (String) -> Void

    /// Messages below this level are dropped by `Logger` before they reach the handler.
    public var logLevel: Logger.Level = .trace
    /// Metadata appended to each line as ` key=value`.
    public var metadata: Logger.Metadata = [:]
    private let sink: Sink
    private let clock: @Sendable () -> time_t

    /// `sink` defaults to standard error; `clock` (seconds since the epoch) to the wall clock.
    public init(sink: @escaping Sink = ConsoleLogHandler.standardError,
                clock: @escaping @Sendable () -> time_t = { time(nil) }) {
        self.sink = sink
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let text = LogLineFormat.text(event.message, metadata: metadata.merging(event.metadata ?? [:]) { $1 })
        sink(Self.lines(text, at: clock()))
    }

    /// `TIMESTAMP: text` for each line of `text` (a message of several lines is several log lines).
    public static func lines(_ text: String, at seconds: time_t) -> String {
        let newline = UInt8(ascii: "\n")
        guard text.utf8.contains(newline) else { return line(text, at: seconds) }
        // Bytes, not Characters: a batch of 40,000 lines is split and prefixed in a few ms.
        let prefix = Array((timestamp(at: seconds) + ": ").utf8)
        var bytes = prefix
        bytes.reserveCapacity(text.utf8.count * 2)
        for byte in text.utf8 {
            bytes.append(byte)
            if byte == newline { bytes.append(contentsOf: prefix) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `line` and a newline to standard error in one write.
    public static let standardError: Sink = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// `TIMESTAMP: text` for the local time of `seconds`.
    public static func line(_ text: String, at seconds: time_t) -> String {
        timestamp(at: seconds) + ": " + text
    }

    /// keepalived's console time for `seconds` in local time, e.g. `Sun Nov 22 18:00:55 2026`.
    public static func timestamp(at seconds: time_t) -> String {
        var now = seconds
        var parts = tm()
        localtime_r(&now, &parts)
        return timestamp(parts)
    }

    /// Formats broken-down time with strftime `%a %b %e %H:%M:%S %Y` (day of month space-padded).
    public static func timestamp(_ parts: tm) -> String {
        var parts = parts
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
