import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import DaemonSupport

@Suite("Status socket", .serialized)
struct StatusServerTests {
    /// Leaves a socket file nobody listens on (a daemon that died).
    static func bindWithoutListening(_ path: String) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(fd)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kad-status-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("the server answers each connection with the provider's report on a 0600 socket")
    func serverAndClient() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("k.sock").path
        let asked = Atomic<Int>(0)
        let server = StatusServer(socketPath: path) {
            asked.add(1, ordering: .relaxed)
            return StatusFixtures.report
        }
        try server.start()
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(attributes[.type] as? FileAttributeType == .typeSocket)
        #expect(try StatusClient.fetch(socketPath: path) == StatusFixtures.report)
        #expect(try StatusClient.fetch(socketPath: path).vrrpInstances.count == 2)
        #expect(asked.load(ordering: .relaxed) == 2)
        #expect(throws: StatusServerError.self) {
            try StatusServer(socketPath: path) { StatusReport() }.start()
        }
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: StatusClientError.notRunning(socketPath: path)) {
            try StatusClient.fetch(socketPath: path)
        }
    }

    /// A report larger than the socket's buffers (10,000 real servers) reaches every client whole,
    /// while another client that connected first and never reads holds no one up.
    @Test("a large report reaches each client whole, past a client that never reads")
    func largeReportAndAStuckClient() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("k.sock").path
        let servers = (0..<10_000).map { index in
            RealServerStatus(label: "[10.0.\(index / 256).\(index % 256)]:tcp:80", alive: index % 3 != 0, kernelWeight: 1,
                             lastCheckResult: "TCP connection to [10.0.\(index / 256).\(index % 256)]:tcp:80 success.",
                             lastCheckTime: nil, consecutiveFailures: 0)
        }
        let large = StatusReport(virtualServers: [VirtualServerStatus(name: "[10.0.0.100]:tcp:80", quorumUp: true,
                                                                      sorryServerActive: false, realServers: servers)])
        let size = try large.jsonData().count
        try #require(size > 1_000_000, "the report (\(size) bytes) exceeds what the socket buffers")
        let server = StatusServer(socketPath: path) { large }
        try server.start()
        defer { server.stop() }
        let stuck = try StatusClient.connect(socketPath: path, timeout: 1)
        defer { close(stuck) }
        let fetched = Mutex<[StatusReport]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            if let report = try? StatusClient.fetch(socketPath: path, timeout: 10) {
                fetched.withLock { $0.append(report) }
            }
        }
        #expect(fetched.withLock { $0.count } == 3)
        #expect(fetched.withLock { $0.allSatisfy { $0 == large } })
    }

    @Test("no socket file: the client says the daemon is not running")
    func missingSocket() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("absent.sock").path
        let error = #expect(throws: StatusClientError.self) { try StatusClient.fetch(socketPath: path) }
        #expect(error == .notRunning(socketPath: path))
        #expect(error?.description.contains("not running") == true)
    }

    @Test("a stale socket file with nobody listening is replaced")
    func staleSocket() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("k.sock").path
        Self.bindWithoutListening(path)
        #expect(FileManager.default.fileExists(atPath: path))
        let second = StatusServer(socketPath: path) { StatusFixtures.report }
        try second.start()
        defer { second.stop() }
        #expect(try StatusClient.fetch(socketPath: path) == StatusFixtures.report)
    }
}
