import ArgumentParser
import ConfParser
import DaemonSupport
import Foundation
import HealthCheck

/// keepalivedd's command line: keepalived 2.x's flags with keepalived's meanings.
public struct KeepalivedCommand: ParsableCommand {
    public static let version = "0.1.0"
    public static let configuration = CommandConfiguration(
        commandName: "keepalivedd",
        abstract: "A keepalived-compatible high-availability daemon for LVS directors.",
        discussion: "Reads keepalived.conf. -t checks a configuration; --dump-conf prints it as JSON.",
        subcommands: [StatusCommand.self]
    )

    @Option(name: [.customShort("f", allowingJoined: true), .customLong("use-file")], help: "Configuration file.")
    public var useFile: String = "/etc/keepalived/keepalived.conf"
    @Flag(name: [.customShort("P"), .customLong("vrrp")], help: "Only run the VRRP subsystem.")
    public var vrrpOnly = false
    @Flag(name: [.customShort("C"), .customLong("check")], help: "Only run the health-checker subsystem.")
    public var checkOnly = false
    @Flag(name: [.customShort("l"), .customLong("log-console")], help: "Log messages to the console.")
    public var logConsole = false
    @Flag(name: [.customShort("D"), .customLong("log-detail")], help: "Detailed log messages.")
    public var logDetail = false
    @Option(name: [.customShort("S", allowingJoined: true), .customLong("log-facility")], help: "Syslog facility local[0-7].")
    public var logFacility: Int?
    @Flag(name: [.customShort("n"), .customLong("dont-fork")], help: "Don't fork the daemon process.")
    public var dontFork = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: "Main pid file.")
    public var pidFile: String = "/run/keepalived.pid"
    @Option(name: [.customShort("r", allowingJoined: true), .customLong("vrrp_pid")], help: "VRRP pid file.")
    public var vrrpPidFile: String = "/run/vrrp.pid"
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("checkers_pid")], help: "Checkers pid file.")
    public var checkersPidFile: String = "/run/checkers.pid"
    @Flag(name: [.customShort("t"), .customLong("config-test")], help: "Check the configuration and exit (0 ok, 3 cannot run, 4 errors, 5 scripts without script security).")
    public var configTest = false
    @Option(name: [.customShort("i", allowingJoined: true), .customLong("config-id")], help: "Config id for @ID lines (default: host name up to the first dot).")
    public var configID: String?
    @Flag(name: [.customShort("I"), .customLong("dont-release-ipvs")], help: "Don't remove IPVS topology on daemon stop.")
    public var dontReleaseIPVS = false
    @Flag(name: [.customShort("V"), .customLong("dont-release-vrrp")], help: "Don't remove VRRP VIPs and VROUTEs on daemon stop.")
    public var dontReleaseVRRP = false
    @Flag(name: [.customShort("X"), .customLong("release-vips")], help: "Drop VIPs on transition from signal.")
    public var releaseVIPs = false
    @Flag(name: [.customShort("R"), .customLong("dont-respawn")], help: "Don't respawn child processes.")
    public var dontRespawn = false
    @Flag(name: [.customShort("d"), .customLong("dump-conf")], help: "Print the resolved configuration as JSON and exit.")
    public var dumpConf = false
    @Flag(name: .customLong("summary"), help: "With -t: print a summary of the configuration on stdout.")
    public var summary = false
    @Option(name: .customLong("signum"), help: "Print the signal number for RELOAD, STOP, DATA, STATS, STATS_CLEAR, JSON and exit.")
    public var signum: String?
    @Option(name: .customLong("metrics"), help: "Serve Prometheus metrics on ADDR:PORT (e.g. 127.0.0.1:9650, [::1]:9650 or :9650); off by default.")
    public var metricsAddress: String?
    @Option(name: .customLong("tcp-check-close"), help: "How TCP_CHECK ends the connections it makes: 'reset' (RST: no TIME_WAIT left on the director, less kernel work; the default) or 'fin' (keepalived's orderly close).")
    public var tcpCheckClose: String = TCPCheckClose.reset.rawValue
    @Option(name: .customLong("status-socket"), help: "The Unix socket `keepalivedd status` reads (default /run/keepalivedd.sock, or the -p pid file's name with .sock when -p is given); 'none' for no socket.")
    public var statusSocket: String?
    @Flag(name: [.customShort("v"), .customLong("version")], help: "Print the version and exit.")
    public var showVersion = false

    public init() {}

    public mutating func validate() throws {
        if vrrpOnly && checkOnly { throw ValidationError("-P and -C cannot be used together") }
        if let facility = logFacility, !(0...7).contains(facility) {
            throw ValidationError("-S must be a facility number 0-7 (local0 .. local7)")
        }
        guard TCPCheckClose(rawValue: tcpCheckClose) != nil else {
            throw ValidationError("--tcp-check-close takes 'reset' or 'fin', not '\(tcpCheckClose)'")
        }
    }

    public func run() throws {
        if showVersion {
            print("Keepalived v2.2.7 compatible: keepalivedd v\(Self.version)")
            return
        }
        if let signum {
            guard let number = SignalNames.number(for: signum) else {
                // keepalived's words and exit status, without a usage text.
                FileHandle.standardError.write(Data("Unknown sigfunc \(signum)\n".utf8))
                throw ExitCode(1)
            }
            print(number)
            return
        }
        let options = ParseOptions(configID: configID ?? HostName.configID(), environment: ProcessInfo.processInfo.environment)
        if dumpConf || configTest {
            let status = ConfigTestRunner.run(path: useFile, options: options, dumpJSON: dumpConf, summary: summary)
            throw ExitCode(status.rawValue)
        }
        if let metricsAddress {
            do {
                _ = try MetricsAddress.parse(metricsAddress)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        if !dontFork && daemon(0, 0) != 0 {
            throw ValidationError("cannot detach from the terminal: \(String(cString: strerror(errno)))")
        }
        let identity: DaemonLog.Identity = vrrpOnly ? .vrrp : checkOnly ? .checkers : .parent
        let log = DaemonLog(identity: identity, console: logConsole, detail: logDetail, facility: logFacility)
        guard DaemonServices.shared.start(serviceOptions, log: log) else { throw ExitCode(1) }
        if vrrpOnly {
            VRRPDaemon.run(settings: vrrpSettings(options: options, pidFiles: [pidFile, vrrpPidFile]), log: log)
        }
        guard checkOnly else {
            // Both halves in one process: the checker half owns the start/stop lines, the
            // configuration (read once, at start and on SIGHUP) and the exit; the VRRP half stops
            // its instances from the exit hook (see VRRPDaemon.launchShared).
            var vrrp = vrrpSettings(options: options, pidFiles: [vrrpPidFile])
            vrrp.sharesProcess = true
            CheckerDaemon.run(settings: checkerSettings(options: options), log: log, sharedVRRP: vrrp)
        }
        CheckerDaemon.run(settings: checkerSettings(options: options), log: log)
    }

    /// The status socket and metrics server of this process.
    var serviceOptions: DaemonServices.Options {
        var socket = statusSocket
        if socket == nil {
            socket = pidFile == "/run/keepalived.pid" ? StatusServer.defaultSocketPath
                : (pidFile.hasSuffix(".pid") ? String(pidFile.dropLast(4)) : pidFile) + ".sock"
        }
        return DaemonServices.Options(statusSocket: socket == "none" ? nil : socket, metricsAddress: metricsAddress)
    }

    func checkerSettings(options: ParseOptions) -> CheckerDaemon.Settings {
        CheckerDaemon.Settings(configPath: useFile, parseOptions: options, dontReleaseIPVS: dontReleaseIPVS,
                               pidFiles: [pidFile, checkersPidFile], commandLine: CommandLine.arguments,
                               tcpCheckClose: TCPCheckClose(rawValue: tcpCheckClose) ?? .reset)
    }

    func vrrpSettings(options: ParseOptions, pidFiles: [String]) -> VRRPDaemon.Settings {
        VRRPDaemon.Settings(configPath: useFile, parseOptions: options, dontReleaseVRRP: dontReleaseVRRP,
                            pidFiles: pidFiles, commandLine: CommandLine.arguments)
    }
}
