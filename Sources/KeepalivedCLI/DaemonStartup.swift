import ConfParser

/// What both daemon halves do before they run: read the configuration and claim the pid files.
enum DaemonStartup {
    /// Reads and checks the configuration, logging its problems as keepalived does.
    static func loadConfiguration(path: String, options: ParseOptions, log: DaemonLog) -> LoadResult {
        log.info("Configuration file \(path)")
        var result = ConfigLoader.load(path: path, options: options)
        HostChecks.run(&result)
        for diagnostic in result.diagnostics.items where diagnostic.severity >= .warning {
            log.error(diagnostic.description)
        }
        return result
    }

    /// Claims every pid file; on a failure logs it, releases those already claimed and returns nil.
    static func claimPidFiles(_ paths: [String], log: DaemonLog) -> [PidFile]? {
        let pidFiles = paths.map(PidFile.init(path:))
        for (index, pidFile) in pidFiles.enumerated() {
            do {
                try pidFile.claim()
            } catch {
                log.error("\(error)")
                pidFiles[..<index].forEach { $0.release() }
                return nil
            }
        }
        return pidFiles
    }
}
