import Foundation
import Logging
import Synchronization
import Testing
@testable import DaemonSupport

/// Collects console lines handed to the sink.
final class LineSink: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: ConsoleLogHandler.Sink { { line in self.lines.withLock { $0.append(line) } } }
}

@Suite struct LogHandlerTests {
    @Test func facilityNumbersMatchSyslog() {
        #expect(SyslogLogHandler.facility(logFacilityOption: nil) == LOG_DAEMON)
        #expect(SyslogLogHandler.facility(logFacilityOption: 0) == LOG_LOCAL0)
        #expect(SyslogLogHandler.facility(logFacilityOption: 0) == 128)
        #expect(SyslogLogHandler.facility(logFacilityOption: 7) == LOG_LOCAL7)
        #expect(SyslogLogHandler.facility(logFacilityOption: 7) == 184)
        #expect((0...7).map { SyslogLogHandler.facility(logFacilityOption: $0) }
                == [LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7])
        #expect(SyslogLogHandler.facility(logFacilityOption: 8) == LOG_DAEMON)
    }

    @Test func levelsMapToSyslogPriorities() {
        #expect(SyslogLogHandler.priority(for: .critical) == LOG_CRIT)
        #expect(SyslogLogHandler.priority(for: .error) == LOG_ERR)
        #expect(SyslogLogHandler.priority(for: .warning) == LOG_WARNING)
        #expect(SyslogLogHandler.priority(for: .notice) == LOG_NOTICE)
        #expect(SyslogLogHandler.priority(for: .info) == LOG_INFO)
        #expect(SyslogLogHandler.priority(for: .debug) == LOG_DEBUG)
        #expect(SyslogLogHandler.priority(for: .trace) == LOG_DEBUG)
    }

    /// The syslog handler skips lines while /dev/log is absent, looking again once a second: a
    /// socket that appears is seen after the interval, not before; a plain file is not a socket.
    @Test func syslogSocketPresenceIsLookedUpOncePerInterval() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("presence-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("log").path
        let presence = SocketPresence(path: path, intervalNanoseconds: 1_000)
        #expect(!presence.exists(now: 10_000))
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(!presence.exists(now: 10_500), "within the interval the last answer stands")
        #expect(presence.exists(now: 11_000))
        unlink(path)
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(!presence.exists(now: 12_000), "a plain file is not the syslog socket")
    }

    @Test func timestampUsesKeepalivedsFormat() {
        var parts = tm()
        parts.tm_year = 2026 - 1900
        parts.tm_mon = 10
        parts.tm_mday = 22
        parts.tm_hour = 18
        parts.tm_min = 0
        parts.tm_sec = 55
        parts.tm_wday = 0
        #expect(ConsoleLogHandler.timestamp(parts) == "Sun Nov 22 18:00:55 2026")
        parts.tm_mday = 5
        parts.tm_wday = 4
        parts.tm_hour = 7
        #expect(ConsoleLogHandler.timestamp(parts) == "Thu Nov  5 07:00:55 2026")
    }

    @Test func timestampAtUsesLocalTime() {
        let seconds: time_t = 1_795_370_455
        var copy = seconds
        var parts = tm()
        localtime_r(&copy, &parts)
        #expect(ConsoleLogHandler.timestamp(at: seconds) == ConsoleLogHandler.timestamp(parts))
        #expect(ConsoleLogHandler.line("hello", at: seconds) == ConsoleLogHandler.timestamp(parts) + ": hello")
    }

    @Test func consoleLineShapeThroughLogger() throws {
        let lines = LineSink()
        let logger = Logger(label: "test") { _ in ConsoleLogHandler(sink: lines.sink, clock: { 1_795_370_455 }) }
        logger.info("Starting VRRP child process, pid=42")
        logger.error("(VI_1) Entering FAULT STATE", metadata: ["interface": "eth0"])
        try #require(lines.all.count == 2)
        let stamp = ConsoleLogHandler.timestamp(at: 1_795_370_455)
        #expect(lines.all[0] == stamp + ": Starting VRRP child process, pid=42")
        #expect(lines.all[1] == stamp + ": (VI_1) Entering FAULT STATE interface=eth0")
        let shape = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d{2}:\d{2}:\d{2} \d{4}: .+$/
        #expect(lines.all.allSatisfy { $0.wholeMatch(of: shape) != nil })
    }

    @Test func recorderKeepsLevelsAndText() {
        let recorder = LogRecorder()
        var logger = Logger(label: "test") { _ in RecordingLogHandler(recorder: recorder) }
        logger.logLevel = .info
        logger.debug("dropped below the level")
        logger.notice("kept", metadata: ["b": "2", "a": "1"])
        logger.warning("careful")
        #expect(recorder.all == [LogRecorder.Entry(level: .notice, text: "kept a=1 b=2"),
                                 LogRecorder.Entry(level: .warning, text: "careful")])
        #expect(recorder.lines == ["kept a=1 b=2", "careful"])
    }

    @Test func keepalivedLoggerFansOutToEveryHandler() throws {
        let recorder = LogRecorder()
        let lines = LineSink()
        let logger = KeepalivedLogger.make(identity: "Keepalived_test", syslogFacility: nil,
                                           console: lines.sink, recorder: recorder)
        logger.info("one")
        logger.trace("below debug: dropped")
        logger.debug("two")
        #expect(recorder.lines == ["one", "two"])
        #expect(lines.all.map { $0.split(separator: ": ", maxSplits: 1).last.map(String.init) } == ["one", "two"])
    }

    /// A message of several lines (a batch of activation lines) is several log lines: each with
    /// its timestamp on the console, written in one piece, and one recorder entry each.
    @Test func severalLinesInOneMessage() {
        let recorder = LogRecorder()
        let lines = LineSink()
        let logger = KeepalivedLogger.make(identity: "Keepalived_test", syslogFacility: nil,
                                           console: lines.sink, recorder: recorder)
        logger.info("first\nsecond\nthird")
        #expect(recorder.lines == ["first", "second", "third"])
        #expect(lines.all.count == 1)
        let written = lines.all.first?.split(separator: "\n").map(String.init) ?? []
        #expect(written.count == 3)
        #expect(written.map { $0.split(separator: ": ", maxSplits: 1).last.map(String.init) } == ["first", "second", "third"])
        #expect(Set(written.map { $0.split(separator: ": ", maxSplits: 1).first.map(String.init) }).count == 1)
        #expect(ConsoleLogHandler.lines("a\nb", at: 0) == ConsoleLogHandler.line("a", at: 0) + "\n" + ConsoleLogHandler.line("b", at: 0))
        #expect(ConsoleLogHandler.lines("single", at: 0) == ConsoleLogHandler.line("single", at: 0))
    }

    @Test func syslogHandlerAcceptsMessages() {
        // syslog(3) gives no result to check; this proves the handler's level and metadata plumbing.
        var handler = SyslogLogHandler(identity: "Keepalived_test", facility: SyslogLogHandler.facility(logFacilityOption: 3))
        handler[metadataKey: "vrid"] = "51"
        handler.logLevel = .notice
        #expect(handler[metadataKey: "vrid"] == "51")
        #expect(handler.logLevel == .notice)
        handler.log(event: LogEvent(level: .notice, message: "syslog handler test", metadata: nil, source: nil,
                                    file: #fileID, function: #function, line: #line))
    }

    @Test func lineFormatAppendsSortedMetadata() {
        #expect(LogLineFormat.text("plain", metadata: [:]) == "plain")
        #expect(LogLineFormat.text("msg", metadata: ["z": "last", "a": "first"]) == "msg a=first z=last")
    }
}
