import ConfParser
import NIOCore
import NIOPosix
import Testing
@testable import HealthCheck

#if canImport(Glibc)
import Glibc
#endif

@Suite("ProbeTCP")
struct ProbeTCPTests {
    let group = MultiThreadedEventLoopGroup.singleton

    func endpoint(port: UInt16, bind: IPAddress? = nil, timeout: TimeAmount = .seconds(2)) -> ProbeEndpoint {
        ProbeEndpoint(label: ServiceLabel(IPAddress("127.0.0.1")!, .tcp, port), connectIP: IPAddress("127.0.0.1")!, connectPort: port,
                      bindIP: bind, timeout: timeout)
    }

    @Test func connectsToAListeningServer() async throws {
        let server = try await ProbeTestServer.start(group: group, behaviour: .silent)
        defer { Task { await server.stop() } }
        let result = await TCPProbe(endpoint: endpoint(port: server.port)).run(on: group)
        #expect(result == .success("TCP connection to [127.0.0.1]:tcp:\(server.port) success."))
    }

    @Test func refusedConnectionFails() async {
        let port = probeClosedPort()
        let result = await TCPProbe(endpoint: endpoint(port: port)).run(on: group)
        #expect(result == .failure("TCP connection to [127.0.0.1]:tcp:\(port) failed."))
    }

    @Test func connectThatNeverCompletesTimesOut() async {
        let (port, fds) = probeFullBacklogListener()
        defer { fds.forEach { close($0) } }
        let start = probeNow()
        let result = await TCPProbe(endpoint: endpoint(port: port, timeout: .milliseconds(500))).run(on: group)
        #expect(result == .failure("TCP connection to [127.0.0.1]:tcp:\(port) timeout."))
        // Without the timeout the kernel would retry the SYN for about two minutes; the bound is
        // wide because the test's clock also counts waiting for a busy test thread pool.
        #expect(probeNow() - start < 30)
    }

    @Test func bindsToTheBindtoAddress() async throws {
        let server = try await ProbeTestServer.start(group: group, behaviour: .respond("HTTP/1.0 200 OK\r\n\r\n"))
        defer { Task { await server.stop() } }
        let probe = HTTPProbe(endpoint: endpoint(port: server.port, bind: IPAddress("127.0.0.2")),
                              targets: [.init(path: "/")], eventLoopGroup: group)
        let result = await probe.run()
        #expect(result.succeeded)
        #expect(server.log.peers == ["127.0.0.2"])
    }

    @Test func unbindableBindtoAddressIsReported() async throws {
        let server = try await ProbeTestServer.start(group: group, behaviour: .silent)
        defer { Task { await server.stop() } }
        // 192.0.2.1 (TEST-NET-1) is not an address of this machine: bind() fails before any packet.
        let result = await TCPProbe(endpoint: endpoint(port: server.port, bind: IPAddress("192.0.2.1"))).run(on: group)
        #expect(result == .failure("TCP socket bind failed. Rescheduling."))
    }
}

@Suite("ServiceLabel")
struct ServiceLabelTests {
    /// Worded as the virtual server words its real servers, for each protocol and family.
    @Test func wordsLikeTheVirtualServer() {
        #expect(ServiceLabel(IPAddress("10.0.0.2")!, .tcp, 80).description == "[10.0.0.2]:tcp:80")
        #expect(ServiceLabel(IPAddress("2001:db8::2")!, .udp, 53).description == "[2001:db8::2]:udp:53")
        #expect(ServiceLabel(IPAddress("10.0.0.2")!, nil, 0).description == "[10.0.0.2]:none:0")
        #expect(ProbeMessage(tcp: .timeout, to: ServiceLabel(IPAddress("10.0.0.2")!, .tcp, 80)).text
            == "TCP connection to [10.0.0.2]:tcp:80 timeout.")
    }
}

@Suite("ProbeEndpoint")
struct ProbeEndpointTests {
    static let label = ServiceLabel(IPAddress("10.0.0.2")!, .tcp, 80)

    /// `bindto`, `bind_port` and `fwmark` share one word, nil while none is written (one endpoint per
    /// checker stays in the engine).
    @Test func seldomWrittenOptionsTakeOneWord() {
        #expect(MemoryLayout<ProbeEndpoint>.size <= 64)
        // The engine keeps a TCP_CHECK's probe per checker: its endpoint and how it closes, no more.
        #expect(MemoryLayout<TCPProbe>.size <= MemoryLayout<ProbeEndpoint>.size + 1)
        var endpoint = ProbeEndpoint(label: Self.label, connectIP: IPAddress("10.0.0.2")!, connectPort: 80, timeout: .seconds(3))
        #expect(endpoint.bindIP == nil && endpoint.bindPort == nil && endpoint.fwmark == nil)
        let plain = endpoint
        endpoint.bindPort = 4000
        endpoint.fwmark = 7
        #expect(endpoint.bindIP == nil && endpoint.bindPort == 4000 && endpoint.fwmark == 7)
        #expect(plain.bindPort == nil && plain != endpoint)
        endpoint.bindIP = IPAddress("10.0.0.9")
        #expect(endpoint == ProbeEndpoint(label: Self.label, connectIP: IPAddress("10.0.0.2")!, connectPort: 80,
                                          bindIP: IPAddress("10.0.0.9"), bindPort: 4000, fwmark: 7, timeout: .seconds(3)))
        endpoint.bindIP = nil
        endpoint.bindPort = nil
        endpoint.fwmark = nil
        #expect(endpoint == plain)
    }
}
