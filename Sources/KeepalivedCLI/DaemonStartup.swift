import ConfParser

/// What both daemon halves do before they run: read the configuration and claim the pid files.
enum DaemonStartup {
    /// The process's reader of its configuration: a reload re-reads only the blocks that changed
    /// when that gives what a whole read gives.
    static let configLoader = IncrementalConfigLoader()

    /// Reads and checks the configuration, logging its problems as keepalived does.
    /// `quiet`: the other half of the same process reads the same file and logs this already.
    static func loadConfiguration(path: String, options: ParseOptions, log: DaemonLog, quiet: Bool = false) -> LoadResult {
        if !quiet { log.info("Configuration file \(path)") }
        var (result, report) = configLoader.load(path: path, options: options)
        if report.incremental && !quiet {
            log.detail("Configuration: \(report.partsRead) of \(report.parts) top-level blocks read again, the rest kept")
        }
        HostChecks.run(&result)
        for diagnostic in result.diagnostics.items where diagnostic.severity >= .warning && !quiet {
            log.error(diagnostic.description)
        }
        return result
    }

    /// SIGHUP's common part for either half: logs `Reloading`, tells systemd (RELOADING=1, then
    /// READY=1 when `apply` is done), loads the configuration and hands it to `apply` unless it must
    /// not replace the running one (then `Reload aborted: ...` is logged and nothing changes).
    static func reload(log: DaemonLog, load: () -> LoadResult, apply: (LoadResult) -> Void) {
        log.info("Reloading")
        DaemonServices.shared.reloading()
        defer { DaemonServices.shared.ready() }
        let result = load()
        if let refusal = reloadRefusal(result) {
            log.error("Reload aborted: \(refusal); keeping the running one")
            return
        }
        apply(result)
    }

    /// Why a reloaded configuration must not replace the running one, nil when it may: it cannot
    /// run, or it has errors (a rejected value, a broken block). Warnings (an unknown keyword, a
    /// defaulted value) do not stop a reload, as they do not stop a start.
    static func reloadRefusal(_ result: LoadResult) -> String? {
        if result.status == .cannotRun { return "the new configuration cannot run" }
        let errors = result.diagnostics.items.filter { $0.severity == .error || $0.severity == .fatal }
        guard let first = errors.first else { return nil }
        return "the new configuration has \(errors.count) error\(errors.count == 1 ? "" : "s"), the first at \(first.location.map { "\($0)" } ?? "(no line)")"
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
