import Logging
import Synchronization

/// Keeps what a `Logger` wrote, for tests and for callers that show recent lines.
public final class LogRecorder: Sendable {
    /// One recorded message.
    public struct Entry: Sendable, Equatable {
        /// The swift-log level it was logged at.
        public let level: Logger.Level
        /// The line text (message and metadata, no timestamp).
        public let text: String
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// Everything recorded so far, oldest first.
    public var all: [Entry] { entries.withLock { $0 } }

    /// The recorded texts, oldest first.
    public var lines: [String] { all.map(\.text) }

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
}

/// A swift-log `LogHandler` appending each message to a shared ``LogRecorder``.
public struct RecordingLogHandler: LogHandler {
    /// Messages below this level are dropped by `Logger` before they reach the handler.
    public var logLevel: Logger.Level = .trace
    /// Metadata appended to each line as ` key=value`.
    public var metadata: Logger.Metadata = [:]
    /// Where messages go.
    public let recorder: LogRecorder

    public init(recorder: LogRecorder) {
        self.recorder = recorder
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let text = LogLineFormat.text(event.message, metadata: metadata.merging(event.metadata ?? [:]) { $1 })
        // A message of several lines is several entries, as it is several log lines.
        for line in LogLineFormat.lines(of: text) {
            recorder.append(LogRecorder.Entry(level: event.level, text: String(line)))
        }
    }
}
