import CRawSocket
import ConfParser
import Dispatch
import NIOCore
import Testing
@testable import HealthCheck

#if canImport(Glibc)
import Glibc
#endif

/// TCP_CHECK's sockets kept between attempts on the engine's queue (`TCPSocketPool`).
@Suite("TCP sockets kept between attempts")
struct TCPSocketPoolTests {
    func probe(port: UInt16, timeout: TimeAmount = .seconds(2), close: TCPCheckClose = .reset,
               fwmark: UInt32? = nil) -> TCPProbe {
        TCPProbe(endpoint: ProbeEndpoint(label: ServiceLabel(IPAddress("127.0.0.1")!, .tcp, port), connectIP: IPAddress("127.0.0.1")!,
                                         connectPort: port, fwmark: fwmark, timeout: timeout),
                 close: close)
    }

    /// Runs one attempt on `context`'s queue; returns its result and the descriptor it used.
    func attempt(_ probe: TCPProbe, on context: ProbeQueue, cancelAfterStart: Bool = false) async -> (result: ProbeResult?, fd: Int32) {
        await withCheckedContinuation { continuation in
            context.queue.async {
                let box = AttemptBox()
                let attempt = probe.start(on: context) { result in continuation.resume(returning: (result, box.fd)) }
                box.fd = (attempt as? TCPConnectAttempt)?.descriptor ?? -1
                if cancelAfterStart {
                    attempt.cancel()
                    continuation.resume(returning: (nil, box.fd))
                }
            }
        }
    }

    /// The pool's idle sockets and counts, read on its queue.
    func pool(of context: ProbeQueue) -> (idle: [Int32], created: Int, reused: Int) {
        context.queue.sync { (context.sockets.idle(family: AF_INET), context.sockets.created, context.sockets.reused) }
    }

    @Test func theNextAttemptUsesTheSameSocketAndEachConnectionEndsWithAReset() async throws {
        let (listener, port) = HealthEngineQueueProbeTests.listenOn(port: 0)
        defer { close(listener) }
        let context = ProbeQueue(queue: DispatchQueue(label: "test.pool"))
        let first = await attempt(probe(port: port), on: context)
        #expect(first.result == .success("TCP connection to [127.0.0.1]:tcp:\(port) success."))
        #expect(pool(of: context).idle == [first.fd])
        let second = await attempt(probe(port: port), on: context)
        #expect(second.result == .success("TCP connection to [127.0.0.1]:tcp:\(port) success."))
        #expect(second.fd == first.fd)
        let counts = pool(of: context)
        #expect(counts.created == 1 && counts.reused == 1 && counts.idle == [first.fd])
        // Both connections wait in the accept queue, each reset by the probe's disconnect.
        for index in 1...2 {
            let accepted = accept(listener, nil, nil)
            try #require(accepted >= 0)
            defer { close(accepted) }
            var byte: UInt8 = 0
            let count = recv(accepted, &byte, 1, 0)
            #expect(count == -1 && errno == ECONNRESET, "connection \(index): read \(count)")
        }
        // An idle socket is connected to nothing.
        var peer = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(first.fd, $0, &length) } }
        #expect(named == -1 && errno == ENOTCONN)
    }

    /// A socket whose connect was refused, timed out or was cancelled goes back to the pool, and
    /// its next connect succeeds: no error of the earlier connect is left on it.
    @Test func aSocketAfterAFailureATimeoutOrACancelConnectsAgain() async throws {
        let (listener, port) = HealthEngineQueueProbeTests.listenOn(port: 0)
        defer { close(listener) }
        let (fullPort, fillers) = probeFullBacklogListener()
        defer { fillers.forEach { close($0) } }
        let context = ProbeQueue(queue: DispatchQueue(label: "test.pool.failures"))
        let closedPort = probeClosedPort()
        let refused = await attempt(probe(port: closedPort), on: context)
        #expect(refused.result == .failure("TCP connection to [127.0.0.1]:tcp:\(closedPort) failed."))
        let timedOut = await attempt(probe(port: fullPort, timeout: .milliseconds(200)), on: context)
        #expect(timedOut.result == .failure("TCP connection to [127.0.0.1]:tcp:\(fullPort) timeout."))
        let cancelled = await attempt(probe(port: fullPort), on: context, cancelAfterStart: true)
        #expect(cancelled.result == nil)
        #expect(Set([refused.fd, timedOut.fd, cancelled.fd]).count == 1, "one socket served all three")
        let after = await attempt(probe(port: port), on: context)
        #expect(after.result == .success("TCP connection to [127.0.0.1]:tcp:\(port) success."))
        #expect(after.fd == refused.fd)
        #expect(pool(of: context).created == 1)
    }

    /// A FIN close and socket options need a socket of the attempt's own, closed at its end.
    @Test(arguments: [(TCPCheckClose.fin, UInt32?.none), (.reset, UInt32?.some(7))])
    func aFinCloseOrAnOptionUsesASocketOfItsOwn(close closing: TCPCheckClose, fwmark: UInt32?) async throws {
        let (listener, port) = HealthEngineQueueProbeTests.listenOn(port: 0)
        defer { close(listener) }
        let context = ProbeQueue(queue: DispatchQueue(label: "test.pool.own"))
        let outcome = await attempt(probe(port: port, close: closing, fwmark: fwmark), on: context)
        // Setting a mark needs CAP_NET_ADMIN; the socket is the attempt's own either way.
        #expect(outcome.result?.succeeded == true)
        let counts = pool(of: context)
        #expect(counts.created == 0 && counts.idle.isEmpty)
    }

    @Test func aFullPoolClosesWhatItCannotKeep() {
        let pool = TCPSocketPool()
        let sockets = (0...TCPSocketPool.idleLimit).map { _ in socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
        var status = stat()
        fstat(sockets.last!, &status)
        let lastIdentity = (fd: sockets.last!, inode: UInt(status.st_ino))
        for fd in sockets { pool.recycle(fd, family: AF_INET) }
        #expect(pool.idle(family: AF_INET) == Array(sockets.dropLast()))
        // Tests in parallel may be given the number again: the inode tells.
        #expect(!ProbeTCPQueueTests.isOpen(lastIdentity), "the one past the limit is closed")
        #expect(pool.idle(family: AF_INET6).isEmpty)
    }

    /// A socket used again may still be in the reactor's epoll set, disarmed after it fired once:
    /// watching it again arms it again instead of failing.
    @Test func aSocketStillInTheEpollSetIsArmedAgain() {
        let epoll = kad_epoll_create()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd); close(epoll) }
        #expect(kad_epoll_add_writable_once(epoll, fd) == 0)
        #expect(kad_epoll_add_writable_once(epoll, fd) == 0)
        var ready = [Int32](repeating: -1, count: 4)
        // An unconnected TCP socket reports writable (hang-up): the set holds it once, armed.
        #expect(kad_epoll_ready(epoll, &ready, 4) == 1 && ready[0] == fd)
        #expect(kad_epoll_ready(epoll, &ready, 4) == 0, "one-shot: disarmed after it fired")
        #expect(kad_epoll_add_writable_once(epoll, fd) == 0)
        #expect(kad_epoll_ready(epoll, &ready, 4) == 1, "armed again")
    }
}

/// Carries the attempt's descriptor from `start` to its completion (both on the queue).
private final class AttemptBox: @unchecked Sendable {
    var fd: Int32 = -1
}
