import ConfParser
import NIOCore
import NIOPosix
import NIOSSL
import Testing
@testable import HealthCheck

@Suite("ProbeSSL")
struct ProbeSSLTests {
    let group = MultiThreadedEventLoopGroup.singleton

    func probe(_ port: UInt16, virtualhost: String?, sni: Bool, digest: String? = nil) throws -> HTTPProbe {
        HTTPProbe(endpoint: ProbeEndpoint(label: ServiceLabel(IPAddress("127.0.0.1")!, .tcp, port), connectIP: IPAddress("127.0.0.1")!,
                                          connectPort: port, timeout: .seconds(3)),
                  targets: [.init(path: "/", virtualhost: virtualhost, digest: digest)], httpProtocol: .http11,
                  tls: try ProbeTLS.makeContext(ssl: nil), enableSNI: sni, eventLoopGroup: group)
    }

    @Test func selfSignedServerPassesWithDigest() async throws {
        let log = ProbeServerLog()
        let server = try await ProbeTestServer.start(group: group, behaviour: .respond("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"),
                                                     tls: ProbeTestServer.tlsContext(log: log))
        // md5("hello world") = 5eb63bbbe01eeed093cb22bb8f5acdc3.
        let result = try await probe(server.port, virtualhost: nil, sni: false, digest: "5eb63bbbe01eeed093cb22bb8f5acdc3").run()
        await server.stop()
        #expect(result == .success("MD5 digest success to [127.0.0.1]:tcp:\(server.port) url(/)"))
        #expect(server.log.requests.first?.hasPrefix("GET / HTTP/1.1\r\n") == true)
    }

    @Test func sniIsSentOnlyWhenEnabled() async throws {
        let log = ProbeServerLog()
        let server = try await ProbeTestServer.start(group: group, behaviour: .respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                                                     tls: ProbeTestServer.tlsContext(log: log))
        let with = try await probe(server.port, virtualhost: "www.probe.test", sni: true).run()
        let without = try await probe(server.port, virtualhost: "www.probe.test", sni: false).run()
        await server.stop()
        #expect(with.succeeded && without.succeeded)
        #expect(log.serverNames == ["www.probe.test", nil])
    }

    @Test func plainServerFailsTheHandshake() async throws {
        let server = try await ProbeTestServer.start(group: group, behaviour: .greet("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
        let result = try await probe(server.port, virtualhost: nil, sni: false).run()
        await server.stop()
        #expect(result == .failure("SSL handshake/communication error connecting to server [127.0.0.1]:tcp:\(server.port)."))
    }

    @Test func silentServerTimesOutConnecting() async throws {
        let server = try await ProbeTestServer.start(group: group, behaviour: .silent)
        let result = await HTTPProbe(endpoint: ProbeEndpoint(label: ServiceLabel(IPAddress("127.0.0.1")!, .tcp, server.port), connectIP: IPAddress("127.0.0.1")!,
                                                             connectPort: server.port, timeout: .milliseconds(500)),
                                     targets: [.init(path: "/")], tls: try ProbeTLS.makeContext(ssl: nil), eventLoopGroup: group).run()
        await server.stop()
        #expect(result == .failure("Timeout connecting server [127.0.0.1]:tcp:\(server.port)."))
    }

    @Test func unreadableClientCertificateFailsEveryAttempt() async throws {
        var ssl = SSLConfig(location: SourceLocation(file: "test", line: 1))
        ssl.certificate = "/nonexistent/probe-cert.pem"
        #expect(throws: (any Error).self) { try ProbeTLS.makeContext(ssl: ssl) }
    }
}
