import ConfParser
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// HTTP_GET and SSL_GET: one GET of every `url`, in order, each on a connection of its own and
/// each bounded by `connect_timeout`. The attempt succeeds when every url answers with an
/// accepted status code and, where a `digest` is given, a body with that MD5.
public struct HTTPProbe: HealthProbe {
    /// One url to fetch, with everything resolved.
    public struct Target: Sendable, Equatable {
        public var path: String
        /// The Host header (and SNI name): the url's virtualhost as resolved by ConfParser, else
        /// `IP:PORT` of the connect address.
        public var virtualhost: String?
        /// Accepted status codes (200-299 when the config gave none).
        public var statusCodes: [ClosedRange<Int>]
        /// Expected MD5 of the body, lower-case hex.
        public var digest: String?
        /// `regex`: what the body must (or must not) match.
        public var pattern: BodyPattern?

        public init(path: String, virtualhost: String? = nil, statusCodes: [ClosedRange<Int>] = [200...299], digest: String? = nil,
                    pattern: BodyPattern? = nil) {
            self.path = path
            self.virtualhost = virtualhost
            self.statusCodes = statusCodes
            self.digest = digest
            self.pattern = pattern
        }
    }

    /// Where and how to connect.
    public let endpoint: ProbeEndpoint
    /// The urls, checked in order; the first failure ends the attempt.
    public let targets: [Target]
    /// `http_protocol`: the request line's version and whether `Connection: close` is sent.
    public let httpProtocol: HTTPCheck.ProtocolVersion
    /// SSL_GET: the TLS context (no certificate verification, like keepalived). nil for HTTP_GET.
    let tls: NIOSSLContext?
    /// Whether TLS failed to set up (SSL_GET with an unusable `SSL` block): every attempt fails.
    let tlsSetupFailed: Bool
    /// `enable_sni`.
    public let enableSNI: Bool
    let eventLoopGroup: any EventLoopGroup

    /// An HTTP_GET probe (`tls` nil) or an SSL_GET one.
    public init(endpoint: ProbeEndpoint, targets: [Target], httpProtocol: HTTPCheck.ProtocolVersion = .http10,
                tls: NIOSSLContext? = nil, tlsSetupFailed: Bool = false, enableSNI: Bool = false,
                eventLoopGroup: any EventLoopGroup) {
        self.endpoint = endpoint
        self.targets = targets
        self.httpProtocol = httpProtocol
        self.tls = tls
        self.tlsSetupFailed = tlsSetupFailed
        self.enableSNI = enableSNI
        self.eventLoopGroup = eventLoopGroup
    }

    /// The urls of `http`, with the virtual host fallbacks keepalived applies (url, checker, real
    /// server, virtual server).
    public static func targets(of http: HTTPCheck, realServer: RealServer, virtualServer: VirtualServer) -> [Target] {
        http.urls.map { url in
            Target(path: url.path,
                   virtualhost: url.virtualhost ?? http.virtualhost ?? realServer.virtualhost ?? virtualServer.virtualhost,
                   statusCodes: url.statusCodes.isEmpty ? [200...299] : url.statusCodes,
                   digest: url.digest?.lowercased(), pattern: BodyPattern(url))
        }
    }

    /// The request keepalived sends: `GET PATH HTTP/1.x`, `User-Agent: KeepAliveClient`,
    /// `Connection: close` for 1.0C and 1.1, then `Host:` (the virtual host, else `IP:PORT`).
    public static func requestHead(path: String, httpProtocol: HTTPCheck.ProtocolVersion, host: String) -> HTTPRequestHead {
        var headers = HTTPHeaders([("User-Agent", "KeepAliveClient")])
        if httpProtocol != .http10 { headers.add(name: "Connection", value: "close") }
        headers.add(name: "Host", value: host)
        return HTTPRequestHead(version: httpProtocol == .http11 ? .http1_1 : .http1_0, method: .GET, uri: path, headers: headers)
    }

    /// The Host header for `target`.
    func host(for target: Target) -> String {
        if let virtualhost = target.virtualhost { return virtualhost }
        let ip = endpoint.connectIP.isIPv6 ? "[\(endpoint.connectIP)]" : endpoint.connectIP.description
        return "\(ip):\(endpoint.connectPort)"
    }

    /// SNI is sent with `enable_sni` when there is a virtual host that is a name, not an address.
    func serverName(for target: Target) -> String? {
        guard enableSNI, let name = target.virtualhost, IPAddress(name) == nil, !name.isEmpty else { return nil }
        return name
    }

    public func run() async -> ProbeResult {
        let isTLS = tls != nil || tlsSetupFailed
        if tlsSetupFailed {
            return .failure(HTTPFetchFailure.tlsHandshake.message(label: endpoint.label.description, isTLS: true))
        }
        var successes: [String] = []
        for target in targets {
            let fetch = HTTPFetch(endpoint: endpoint,
                                  request: Self.requestHead(path: target.path, httpProtocol: httpProtocol, host: host(for: target)),
                                  tls: tls, serverName: serverName(for: target), computeDigest: target.digest != nil,
                                  keepBody: target.pattern != nil)
            switch await fetch.run(on: eventLoopGroup.next()) {
            case .failed(let failure):
                return .failure(failure.message(label: endpoint.label.description, isTLS: isTLS))
            case .response(let status, let md5, let body):
                guard target.statusCodes.contains(where: { $0.contains(status) }) else {
                    return .failure("HTTP status code error to server \(endpoint.label).")
                }
                if let digest = target.digest, md5 != digest {
                    return .failure("MD5 digest error to server \(endpoint.label).")
                }
                if let pattern = target.pattern, !pattern.accepts(body ?? []) {
                    return .failure("Regex match failed server \(endpoint.label).")
                }
                if target.digest != nil {
                    successes.append("MD5 digest success to \(endpoint.label) url(\(target.path))")
                } else if target.pattern != nil {
                    successes.append("Regex match success to \(endpoint.label) url(\(target.path))")
                } else {
                    successes.append("HTTP status code success to \(endpoint.label) url(\(target.path))")
                }
            }
        }
        return .success(successes.joined(separator: "\n"))
    }
}
