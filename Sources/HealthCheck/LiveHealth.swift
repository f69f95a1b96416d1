import ConfParser
#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import Synchronization

/// What the daemon needs to run health checks for real: probes on NIO's shared event loops with
/// the current configuration's global settings, and notify / quorum scripts started without
/// waiting for them.
public final class LiveHealth: Sendable {
    private struct Settings: Sendable {
        var globals: GlobalDefs
        var ssl: SSLConfig?
    }

    private let settings: Mutex<Settings>
    /// How TCP_CHECK ends its connections (`--tcp-check-close`).
    private let tcpClose: TCPCheckClose

    public init(config: Config, tcpClose: TCPCheckClose = .reset) {
        settings = Mutex(Settings(globals: config.globalDefs, ssl: config.ssl))
        self.tcpClose = tcpClose
    }

    /// A reload: probes made from now on use the new global settings (script_user, SSL block).
    public func update(_ config: Config) {
        settings.withLock { $0 = Settings(globals: config.globalDefs, ssl: config.ssl) }
    }

    /// The global settings of the configuration running now (the new one from the start of a
    /// reload).
    public var globals: GlobalDefs { settings.withLock { $0.globals } }

    /// The engine's probe factory.
    public var probeFactory: HealthEngine.ProbeFactory {
        { [self] _, checker, realServer, virtualServer in
            let current = settings.withLock { $0 }
            return ProbeFactory.make(checker: checker, realServer: realServer, virtualServer: virtualServer,
                                     globals: current.globals, ssl: current.ssl, tcpClose: tcpClose,
                                     eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        }
    }

    /// Starts a notify_up / notify_down / quorum_up / quorum_down script as its user (or
    /// script_user) and returns at once; `finished` gets how it ended.
    public func run(_ script: LVSScript, finished: (@Sendable (ProbeProcessExit) -> Void)? = nil) {
        let globals = settings.withLock { $0.globals }
        let arguments = MiscProbe.splitCommandLine(script.command)
        guard case .success(let identity) = MiscProbe.resolveIdentity(script: script, globals: globals) else {
            // A script whose user does not exist never runs (rather than running as root).
            finished?(.spawnFailed(EPERM))
            return
        }
        Task {
            let exit = await ProbeProcess.run(arguments, as: identity, timeout: Self.scriptTimeout)
            finished?(exit)
        }
    }

    /// Notify scripts are not meant to run long; one that hangs is killed after this many seconds.
    static let scriptTimeout: Double = 300
}
