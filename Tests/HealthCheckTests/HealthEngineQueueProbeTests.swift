import ConfParser
import Foundation
import IPVSSync
import NIOPosix
import Synchronization
import Testing
@testable import HealthCheck

#if canImport(Glibc)
import Glibc
#endif

/// The engine running real TCP_CHECK attempts on its own queue (`QueueProbe`) against a
/// listener on 127.0.0.1 that the test closes and reopens.
@Suite("HealthEngine with queue probes")
struct HealthEngineQueueProbeTests {
    typealias F = HealthCoreFixture

    final class Attempts: Sendable {
        private let seen = Mutex<[(Bool, Duration)]>([])
        func record(_ result: ProbeResult, _ duration: Duration) { seen.withLock { $0.append((result.succeeded, duration)) } }
        var all: [(Bool, Duration)] { seen.withLock { $0 } }
    }

    /// A listening socket on 127.0.0.1:port (port 0: any); returns the descriptor and port.
    static func listenOn(port: UInt16) -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 128)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    @Test func realConnectsTakeAServerDownAndBackUp() async throws {
        let (listener, port) = Self.listenOn(port: 0)
        var config = F.config(F.service(servers: [("127.0.0.1", F.tcpCheck(retry: 1))]))
        config.virtualServers[0].realServers[0].port = port
        config.virtualServers[0].realServers[0].checkers[0].connectPort = port
        config.virtualServers[0].realServers[0].checkers[0].delayLoop = 0.05
        config.virtualServers[0].realServers[0].checkers[0].delayBeforeRetry = 0.03
        config.virtualServers[0].realServers[0].checkers[0].connectTimeout = 0.5
        let recorder = HealthEngineRecorder()
        let attempts = Attempts()
        var callbacks = recorder.callbacks
        callbacks.onAttempt = { _, result, duration in attempts.record(result, duration) }
        let engine = HealthEngine(config: config, warmupOffsets: [:], probeFactory: { _, checker, rs, vs in
            ProbeFactory.make(checker: checker, realServer: rs, virtualServer: vs, globals: GlobalDefs(),
                              eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        }, callbacks: callbacks)
        engine.start()
        let name = "[127.0.0.1]:tcp:\(port)"
        #expect(await waitUntil { attempts.all.count >= 3 })
        #expect(attempts.all.allSatisfy { $0.0 }, "every connect to the listener succeeds")
        #expect(attempts.all.allSatisfy { $0.1 < .seconds(1) })
        close(listener)
        #expect(await waitUntil { recorder.all.contains("alive: false") })
        #expect(recorder.all.contains("log: TCP_CHECK on service \(name) failed after 1 retries."))
        let (reopened, _) = Self.listenOn(port: port)
        defer { close(reopened) }
        #expect(await waitUntil { recorder.all.last == "alive: true" && recorder.all.filter { $0 == "alive: true" }.count == 2 })
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in engine.stop { done.resume() } }
        #expect(recorder.all.contains("log: TCP connection to \(name) success."))
    }
}

@Suite("HealthEngine snapshots")
struct HealthEngineSnapshotTests {
    typealias F = HealthCoreFixture

    /// 50 servers fail together (one wake, 50 results queued): the daemon gets one snapshot with
    /// all of them down, not 50 snapshots of the whole table (which, at 10,000 servers, piled up
    /// faster than they were reconciled).
    @Test func aBurstOfFailuresGivesOneSnapshot() async {
        let count = 50
        var config = F.config(F.service(servers: (2..<(2 + count)).map { ("10.0.1.\($0)", F.tcpCheck(retry: 0)) }))
        for index in 0..<count { config.virtualServers[0].realServers[index].checkers[0].delayLoop = 60 }
        let snapshots = Mutex<[Int]>([])
        let callbacks = HealthEngine.Callbacks(onSnapshot: { snapshot in
            snapshots.withLock { $0.append(snapshot.realServers.values.filter { !$0.alive }.count) }
        })
        let engine = HealthEngine(config: config, warmupOffsets: [:], probeFactory: { _, _, _, _ in ImmediateQueueProbe(result: .failure(nil)) },
                                  callbacks: callbacks)
        engine.start()
        #expect(await waitUntil { snapshots.withLock { $0.last } == count })
        try? await Task.sleep(for: .milliseconds(100))
        #expect(snapshots.withLock { $0 } == [0, count])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in engine.stop { done.resume() } }
    }
}

/// A queue probe that reports `result` on the engine's queue right after it starts, counting the
/// attempts in flight across all its copies.
struct ImmediateQueueProbe: QueueProbe {
    final class InFlight: Sendable {
        private let counts = Mutex<(now: Int, most: Int, started: Int)>((0, 0, 0))
        func started() { counts.withLock { $0.now += 1; $0.started += 1; $0.most = max($0.most, $0.now) } }
        func ended() { counts.withLock { $0.now -= 1 } }
        var most: Int { counts.withLock { $0.most } }
        var total: Int { counts.withLock { $0.started } }
    }

    struct Attempt: ProbeAttempt { func cancel() {} }

    var result: ProbeResult
    var inFlight = InFlight()

    func run() async -> ProbeResult { result }

    func start(on context: ProbeQueue, completion: @escaping @Sendable (ProbeResult) -> Void) -> any ProbeAttempt {
        inFlight.started()
        context.queue.async { [inFlight, result] in
            inFlight.ended()
            completion(result)
        }
        return Attempt()
    }
}

@Suite("HealthEngine bursts")
struct HealthEngineBurstTests {
    typealias F = HealthCoreFixture

    /// 1,100 checkers due at the same instant start in batches of `HealthCore.startsPerEvent`, the
    /// results of one batch taken in before the next starts: the attempts in flight stay bounded
    /// and every checker still gets its attempt.
    @Test func attemptsDueTogetherStartInBatches() async {
        let count = 1100
        var config = F.config(F.service(servers: (0..<count).map { ("10.0.\($0 / 250).\($0 % 250 + 1)", F.tcpCheck()) }))
        for index in 0..<count { config.virtualServers[0].realServers[index].checkers[0].delayLoop = 60 }
        let inFlight = ImmediateQueueProbe.InFlight()
        let engine = HealthEngine(config: config, warmupOffsets: [:],
                                  probeFactory: { _, _, _, _ in ImmediateQueueProbe(result: .success(nil), inFlight: inFlight) },
                                  callbacks: HealthEngine.Callbacks())
        engine.start()
        #expect(await waitUntil { inFlight.total == count })
        #expect(inFlight.most <= HealthCore.startsPerEvent)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in engine.stop { done.resume() } }
    }
}
