import Logging

/// Builds the swift-log `Logger` a keepalived process writes through: syslog, the console (`-l`)
/// and an in-memory recorder, any combination, behind one `MultiplexLogHandler`.
public enum KeepalivedLogger {
    /// - Parameters:
    ///   - identity: the syslog identity (`Keepalived`, `Keepalived_vrrp`, `Keepalived_healthcheckers`).
    ///   - syslogFacility: a syslog facility code, see ``SyslogLogHandler/facility(logFacilityOption:)``;
    ///     nil means no syslog.
    ///   - console: the console sink for `-l`; nil means no console output.
    ///   - recorder: where to keep the lines as well; nil means none.
    ///   - level: the lowest level written.
    public static func make(identity: String, syslogFacility: Int32?, console: ConsoleLogHandler.Sink?,
                            recorder: LogRecorder?, level: Logger.Level = .debug) -> Logger {
        var handlers: [any LogHandler] = []
        if let syslogFacility { handlers.append(SyslogLogHandler(identity: identity, facility: syslogFacility)) }
        if let console { handlers.append(ConsoleLogHandler(sink: console)) }
        if let recorder { handlers.append(RecordingLogHandler(recorder: recorder)) }
        var logger = Logger(label: identity) { _ in
            handlers.isEmpty ? SwiftLogNoOpLogHandler() as any LogHandler : MultiplexLogHandler(handlers)
        }
        logger.logLevel = level
        return logger
    }
}
