import ConfParser
import Foundation

/// `keepalivedd -t` and `--dump-conf`: load, check against the host, report, choose the exit status.
public enum ConfigTestRunner {
    /// Loads and checks `path`, prints diagnostics on stderr (keepalived's format), and optionally the
    /// JSON dump or a summary on stdout. Returns keepalived's documented config-test status.
    public static func run(path: String, options: ParseOptions, dumpJSON: Bool, summary: Bool,
                           host: any HostEnvironment = LocalHost()) -> ConfigTestStatus {
        var result = ConfigLoader.load(path: path, options: options)
        HostChecks.run(&result, host: host)
        var errorText = ""
        for diagnostic in result.diagnostics.items {
            errorText += diagnostic.description + "\n"
        }
        FileHandle.standardError.write(Data(errorText.utf8))
        if dumpJSON {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(result.config) {
                FileHandle.standardOutput.write(data)
                FileHandle.standardOutput.write(Data("\n".utf8))
            }
        }
        if summary {
            FileHandle.standardOutput.write(Data(ConfigSummary.text(for: result.config, path: path, status: result.status).utf8))
        }
        return result.status
    }
}

/// The config id keepalived uses by default: the host name up to the first dot.
public enum HostName {
    public static func configID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "" }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        let name = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(name.prefix { $0 != "." })
    }
}

/// `--signum=SIGFUNC`: the signal each keepalived function uses (keepalived 2.2.7 as packaged:
/// TDATA exists only in builds with thread dumps, so it is unknown here too).
public enum SignalNames {
    /// STATS: write /tmp/keepalived.stats.
    public static let stats = SIGUSR2
    /// STATS_CLEAR: write the stats, then count from zero.
    public static var statsClear: Int32 { __libc_current_sigrtmax() - 1 }
    /// JSON: write /tmp/keepalived.json.
    public static var json: Int32 { __libc_current_sigrtmin() + 2 }

    public static func number(for function: String) -> Int32? {
        switch function.uppercased() {
        case "RELOAD": return SIGHUP
        case "STOP": return SIGTERM
        case "DATA": return SIGUSR1
        case "STATS": return stats
        case "STATS_CLEAR": return statsClear
        case "JSON": return json
        default: return nil
        }
    }
}
