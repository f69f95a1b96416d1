import ConfParser
import NIOCore
import NIOSSL

/// Builds the probe of each checker from the parsed configuration.
public enum ProbeFactory {
    /// Checker kinds with a probe here; the others get a probe that always fails and says why.
    public static let supportedKinds: Set<CheckerKind> = [.tcp, .http, .ssl, .misc, .smtp, .udp, .dns, .ping]

    /// The probe of `checker`, a checker of `realServer` in `virtualServer`. `ssl` is the top-level
    /// `SSL { }` block (SSL_GET only); a TLS context is built per SSL_GET probe. `tcpClose`: how
    /// TCP_CHECK ends its connections. `eventLoopGroup` is evaluated only for the probes that run
    /// on NIO (HTTP_GET, SSL_GET, SMTP_CHECK, UDP_CHECK, DNS_CHECK): a daemon with TCP_CHECK, PING_CHECK
    /// and MISC_CHECK alone never starts NIO's event loop threads.
    public static func make(checker: Checker, realServer: RealServer, virtualServer: VirtualServer, globals: GlobalDefs,
                            ssl: SSLConfig? = nil, tcpClose: TCPCheckClose = .reset,
                            eventLoopGroup: @autoclosure () -> any EventLoopGroup) -> any HealthProbe {
        let endpoint = ProbeEndpoint(checker: checker, realServer: realServer, virtualServer: virtualServer)
        switch checker.details {
        case .none where checker.kind == .tcp:
            return TCPProbe(endpoint: endpoint, close: tcpClose)
        case .none where checker.kind == .ping:
            return PingProbe(endpoint: endpoint)
        case .http(let http):
            let targets = HTTPProbe.targets(of: http, realServer: realServer, virtualServer: virtualServer)
            var tls: NIOSSLContext?
            var tlsSetupFailed = false
            if checker.kind == .ssl {
                do {
                    tls = try ProbeTLS.makeContext(ssl: ssl)
                } catch {
                    tlsSetupFailed = true
                }
            }
            return HTTPProbe(endpoint: endpoint, targets: targets, httpProtocol: http.httpProtocol, tls: tls,
                             tlsSetupFailed: tlsSetupFailed, enableSNI: http.enableSNI, eventLoopGroup: eventLoopGroup())
        case .misc(let misc):
            let timeout = misc.timeout > 0 ? misc.timeout : virtualServer.delayLoop
            let service = "\(endpoint.label) VS \(virtualServer.displayName)"
            let identity = MiscProbe.resolveIdentity(script: misc.script, globals: globals)
            var unknownUser: String?
            if case .failure(let unknown) = identity { unknownUser = unknown.name }
            return MiscProbe(arguments: MiscProbe.splitCommandLine(misc.script?.command ?? ""),
                             identity: (try? identity.get()) ?? nil, unknownUser: unknownUser,
                             timeout: timeout, dynamic: misc.dynamic, configuredWeight: realServer.weight, service: service)
        case .smtp(let smtp):
            return SMTPProbe(endpoint: endpoint, heloName: smtp.heloName, eventLoopGroup: eventLoopGroup())
        case .udp(let udp):
            return UDPProbe(endpoint: endpoint, check: udp, eventLoopGroup: eventLoopGroup())
        case .dns(let dns):
            return DNSProbe(endpoint: endpoint, check: dns, eventLoopGroup: eventLoopGroup())
        default:
            return UnsupportedProbe(kind: checker.kind, label: endpoint.label.description)
        }
    }
}

/// The probe of a checker kind keepalivedd does not run yet: every attempt fails, saying so.
public struct UnsupportedProbe: HealthProbe {
    /// The checker kind with no probe.
    public let kind: CheckerKind
    /// `[RIP]:tcp:PORT`.
    public let label: String

    public func run() async -> ProbeResult {
        .failure("\(kind.rawValue) on service \(label) is not supported by keepalivedd.")
    }
}
