import ConfParser
import Dispatch
import NIOCore
import NIOPosix
import Synchronization
import Foundation
import Testing
@testable import HealthCheck

#if canImport(Glibc)
import Glibc
#endif

/// TCP_CHECK as the engine runs it: on a serial queue with Dispatch sources (`QueueProbe`).
@Suite("ProbeTCP on a queue")
struct ProbeTCPQueueTests {
    let group = MultiThreadedEventLoopGroup.singleton

    func probe(port: UInt16, host: String = "127.0.0.1", bind: IPAddress? = nil, bindPort: UInt16? = nil,
               timeout: TimeAmount = .seconds(2), close: TCPCheckClose = .reset) -> TCPProbe {
        TCPProbe(endpoint: ProbeEndpoint(label: ServiceLabel(IPAddress(host)!, .tcp, port), connectIP: IPAddress(host)!, connectPort: port,
                                         bindIP: bind, bindPort: bindPort, timeout: timeout),
                 close: close)
    }

    /// Runs one attempt on a fresh queue; also checks that the completion came on that queue and
    /// only after `start` returned.
    func attempt(_ probe: TCPProbe) async -> ProbeResult {
        await timedAttempt(probe).result
    }

    /// `attempt`, with the seconds from `start` to the completion, both on the queue: the attempt's
    /// own duration, without the time the test's task waits for a thread before and after it (with
    /// the whole suite running in parallel, that wait alone took over 5 s).
    func timedAttempt(_ probe: TCPProbe) async -> (result: ProbeResult, seconds: Double) {
        let queue = DispatchQueue(label: "test.probe")
        let key = DispatchSpecificKey<Int>()
        queue.setSpecific(key: key, value: 7)
        let started = Mutex(false)
        return await withCheckedContinuation { continuation in
            let context = ProbeQueue(queue: queue)
            queue.async {
                let start = probeNow()
                let attempt = probe.start(on: context) { result in
                    #expect(DispatchQueue.getSpecific(key: key) == 7, "completion runs on the engine's queue")
                    #expect(started.withLock { $0 }, "completion comes after start returned")
                    continuation.resume(returning: (result, probeNow() - start))
                }
                _ = attempt
                started.withLock { $0 = true }
            }
        }
    }

    @Test func connectsToAListeningServer() async throws {
        let server = try await ProbeTestServer.start(group: group, behaviour: .silent)
        defer { Task { await server.stop() } }
        let result = await attempt(probe(port: server.port))
        #expect(result == .success("TCP connection to [127.0.0.1]:tcp:\(server.port) success."))
    }

    @Test func connectsOverIPv6() async throws {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(bound == 0, "IPv6 loopback is needed for this test")
        #expect(listen(fd, 8) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = UInt16(bigEndian: address.sin6_port)
        let result = await attempt(probe(port: port, host: "::1"))
        #expect(result == .success("TCP connection to [::1]:tcp:\(port) success."))
    }

    @Test func refusedConnectionFails() async {
        let port = probeClosedPort()
        let result = await attempt(probe(port: port))
        #expect(result == .failure("TCP connection to [127.0.0.1]:tcp:\(port) failed."))
    }

    @Test func connectThatNeverCompletesTimesOut() async {
        let (port, fds) = probeFullBacklogListener()
        defer { fds.forEach { close($0) } }
        let (result, elapsed) = await timedAttempt(probe(port: port, timeout: .milliseconds(300)))
        #expect(result == .failure("TCP connection to [127.0.0.1]:tcp:\(port) timeout."))
        #expect(elapsed >= 0.29 && elapsed < 5)
    }

    /// A connect still in progress when first looked at (its SYN dropped by a full accept queue)
    /// is watched until it ends: here it succeeds once the queue has room and the SYN is sent again.
    @Test func connectStillInProgressAtTheFirstLookSucceedsLater() async throws {
        let (port, fds) = probeFullBacklogListener()
        let listener = fds[0]
        defer { close(listener) }
        let start = probeNow()
        // The SYN is sent again after 1, 3, 7 and 15 s: room made by then lets it through.
        async let result = attempt(probe(port: port, timeout: .seconds(25)))
        try await Task.sleep(for: .milliseconds(300))
        // Make room: the fillers go (no more SYNs of theirs), and the accept queue is emptied until
        // the attempt has ended (so nothing else keeps it full when the SYN comes again).
        fds.dropFirst().forEach { close($0) }
        _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
        let draining = Task.detached {
            var accepted: [Int32] = []
            while !Task.isCancelled {
                while case let fd = accept(listener, nil, nil), fd >= 0 { accepted.append(fd) }
                try? await Task.sleep(for: .milliseconds(50))
            }
            accepted.forEach { close($0) }
        }
        let outcome = await result
        draining.cancel()
        await draining.value
        #expect(outcome == .success("TCP connection to [127.0.0.1]:tcp:\(port) success."))
        #expect(probeNow() - start >= 0.3, "the first SYN was dropped: the connect ended after the room was made")
    }

    @Test func bindsToTheBindtoAddressAndPort() async throws {
        let (listener, port) = HealthEngineQueueProbeTests.listenOn(port: 0)
        defer { close(listener) }
        let bindPort = probeClosedPort()
        let result = await attempt(probe(port: port, bind: IPAddress("127.0.0.2"), bindPort: bindPort))
        #expect(result.succeeded)
        // The connection waits in the accept queue: its peer is the probe's local address.
        var peer = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let accepted = withUnsafeMutablePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &length) }
        }
        try #require(accepted >= 0)
        close(accepted)
        #expect(String(cString: inet_ntoa(peer.sin_addr)) == "127.0.0.2")
        #expect(UInt16(bigEndian: peer.sin_port) == bindPort)
    }

    /// What the server reads from a connection the probe made and ended: the default ends it with
    /// a RST (ECONNRESET), `fin` with keepalived's orderly close (end of file).
    @Test(arguments: [TCPCheckClose.reset, .fin])
    func endsTheConnectionAsAsked(close closing: TCPCheckClose) async throws {
        let (listener, port) = HealthEngineQueueProbeTests.listenOn(port: 0)
        defer { close(listener) }
        let result = await attempt(probe(port: port, close: closing))
        #expect(result == .success("TCP connection to [127.0.0.1]:tcp:\(port) success."))
        let accepted = accept(listener, nil, nil)
        try #require(accepted >= 0)
        defer { close(accepted) }
        var byte: UInt8 = 0
        let count = recv(accepted, &byte, 1, 0)
        let error = errno
        switch closing {
        case .reset: #expect(count == -1 && error == ECONNRESET, "read \(count), errno \(error)")
        case .fin: #expect(count == 0, "read \(count), errno \(error)")
        }
    }

    @Test func unbindableBindtoAddressIsReported() async {
        let result = await attempt(probe(port: 9, bind: IPAddress("192.0.2.1")))
        #expect(result == .failure("TCP socket bind failed. Rescheduling."))
    }

    /// A cancelled attempt's socket is released: closed, or back in the queue's pool, disconnected
    /// (`TCPSocketPool`).
    @Test func cancelledAttemptNeverCompletesAndReleasesItsSocket() async throws {
        let (port, fds) = probeFullBacklogListener()
        defer { fds.forEach { close($0) } }
        let context = ProbeQueue(queue: DispatchQueue(label: "test.cancel"))
        let completions = Mutex(0)
        let socketIdentity = try context.queue.sync {
            let attempt = probe(port: port, timeout: .milliseconds(200)).start(on: context) { _ in completions.withLock { $0 += 1 } }
            let identity = try #require(Self.identity(of: attempt))
            attempt.cancel()
            return identity
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(completions.withLock { $0 } == 0)
        #expect(Self.isReleased(socketIdentity, by: context), "the socket is closed or idle in the pool")
    }

    @Test func finishedAttemptsReleaseTheirSockets() async throws {
        let server = try await ProbeTestServer.start(group: group, behaviour: .silent)
        defer { Task { await server.stop() } }
        for (target, closing) in [(server.port, TCPCheckClose.reset), (probeClosedPort(), .reset), (server.port, .fin)] {
            let context = ProbeQueue(queue: DispatchQueue(label: "test.close"))
            let finished = DispatchSemaphore(value: 0)
            let identity = try context.queue.sync {
                let attempt = probe(port: target, close: closing).start(on: context) { _ in finished.signal() }
                return try #require(Self.identity(of: attempt))
            }
            #expect(finished.wait(timeout: .now() + 5) == .success)
            try await Task.sleep(for: .milliseconds(50))
            #expect(Self.isReleased(identity, by: context), "the socket of the attempt on port \(target) (\(closing)) is released")
            if closing == .fin { #expect(!Self.isOpen(identity), "a FIN close closes the socket") }
        }
    }

    /// Closed, or idle in `context`'s pool and connected to nothing.
    static func isReleased(_ identity: (fd: Int32, inode: UInt), by context: ProbeQueue) -> Bool {
        guard isOpen(identity) else { return true }
        guard context.queue.sync(execute: { context.sockets.idle(family: AF_INET).contains(identity.fd) }) else { return false }
        var peer = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(identity.fd, $0, &length) } }
        return named == -1 && errno == ENOTCONN
    }

    /// The attempt's socket and its inode (a reused descriptor number has another inode).
    static func identity(of attempt: any ProbeAttempt) -> (fd: Int32, inode: UInt)? {
        guard let connect = attempt as? TCPConnectAttempt, connect.descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(connect.descriptor, &status) == 0 else { return nil }
        return (connect.descriptor, UInt(status.st_ino))
    }

    static func isOpen(_ identity: (fd: Int32, inode: UInt)) -> Bool {
        var status = stat()
        return fstat(identity.fd, &status) == 0 && UInt(status.st_ino) == identity.inode
    }
}
