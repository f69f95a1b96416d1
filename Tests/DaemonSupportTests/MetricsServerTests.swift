import Testing
@testable import DaemonSupport

#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking HTTP/1.1 client: sends one request with `Connection: close`, reads to EOF.
func metricsHTTPRequest(port: Int, method: String = "GET", path: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw MetricsSocketFailure(call: "socket") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw MetricsSocketFailure(call: "connect") }
    let request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    guard send(fd, request, request.count, 0) == request.count else { throw MetricsSocketFailure(call: "send") }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else {
            if count < 0 { throw MetricsSocketFailure(call: "recv") }
            break
        }
        response.append(contentsOf: chunk[0..<count])
    }
    return String(decoding: response, as: UTF8.self)
}

struct MetricsSocketFailure: Error {
    let call: String
    let code = errno
}

/// Splits a response into its header lines and body.
func metricsResponseParts(_ response: String) -> (head: [String], body: String) {
    guard let end = response.firstRange(of: "\r\n\r\n") else {
        return (response.split(separator: "\r\n").map(String.init), "")
    }
    let head = response[..<end.lowerBound].split(separator: "\r\n").map(String.init)
    return (head, String(response[end.upperBound...]))
}

@Suite(.serialized) struct MetricsServerTests {
    private func makeServer(host: String = "127.0.0.1", port: Int = 0) -> (MetricsServer, DaemonMetrics) {
        let metrics = DaemonMetrics()
        metrics.vrrpSampleProvider = { [VRRPMetricsSample(instance: "VI_1", state: 2, advertsSent: 42)] }
        return (MetricsServer(host: host, port: port) { metrics.render() }, metrics)
    }

    @Test func scrapeReturnsTheExposition() throws {
        let (server, _) = makeServer()
        let port = try server.start()
        defer { server.stop() }
        #expect(port > 0)
        #expect(server.boundPort == port)
        let (head, body) = metricsResponseParts(try metricsHTTPRequest(port: port, path: "/metrics"))
        #expect(head.first == "HTTP/1.1 200 OK")
        #expect(head.contains { $0.lowercased() == "content-type: text/plain; version=0.0.4; charset=utf-8" })
        #expect(head.contains { $0.lowercased() == "content-length: \(body.utf8.count)" })
        #expect(expositionLines(body).contains(#"keepalivedd_vrrp_state{instance="VI_1"} 2.0"#))
        #expect(expositionLines(body).contains(#"keepalivedd_vrrp_adverts_sent_total{instance="VI_1"} 42"#))
    }

    @Test func otherPathsAreNotFoundAndQueryStringsAreIgnored() throws {
        let (server, _) = makeServer()
        let port = try server.start()
        defer { server.stop() }
        #expect(metricsResponseParts(try metricsHTTPRequest(port: port, path: "/")).head.first == "HTTP/1.1 404 Not Found")
        #expect(metricsResponseParts(try metricsHTTPRequest(port: port, path: "/metricsx")).head.first == "HTTP/1.1 404 Not Found")
        #expect(metricsResponseParts(try metricsHTTPRequest(port: port, path: "/metrics?x=1")).head.first == "HTTP/1.1 200 OK")
        let post = metricsResponseParts(try metricsHTTPRequest(port: port, method: "DELETE", path: "/metrics"))
        #expect(post.head.first == "HTTP/1.1 405 Method Not Allowed")
    }

    @Test func headAnswersWithoutABody() throws {
        let (server, _) = makeServer()
        let port = try server.start()
        defer { server.stop() }
        let (head, body) = metricsResponseParts(try metricsHTTPRequest(port: port, method: "HEAD", path: "/metrics"))
        #expect(head.first == "HTTP/1.1 200 OK")
        #expect(body.isEmpty)
        let length = head.first { $0.lowercased().hasPrefix("content-length: ") }
        #expect(length.flatMap { Int($0.dropFirst("content-length: ".count)) }.map { $0 > 0 } == true)
    }

    @Test func allAddressesAcceptLoopbackScrapes() throws {
        let (server, _) = makeServer(host: MetricsAddress.allAddresses)
        let port = try server.start()
        defer { server.stop() }
        #expect(metricsResponseParts(try metricsHTTPRequest(port: port, path: "/metrics")).head.first == "HTTP/1.1 200 OK")
    }

    @Test func aPortInUseIsAClearError() throws {
        let (first, _) = makeServer()
        let port = try first.start()
        defer { first.stop() }
        let (second, _) = makeServer(port: port)
        let error = #expect(throws: MetricsServerError.self) { try second.start() }
        #expect(error?.address == "127.0.0.1:\(port)")
        #expect(error?.description.hasPrefix("cannot serve metrics on 127.0.0.1:\(port): ") == true)
        #expect(second.boundPort == nil)
    }

    @Test func stopClosesTheListener() throws {
        let (server, _) = makeServer()
        let port = try server.start()
        server.stop()
        server.stop()
        #expect(server.boundPort == nil)
        #expect(throws: MetricsSocketFailure.self) { try metricsHTTPRequest(port: port, path: "/metrics") }
    }
}
