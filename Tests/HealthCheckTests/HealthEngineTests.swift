import ConfParser
import IPVSSync
import Synchronization
import Testing
@testable import HealthCheck

/// Results a test scripts for a probe; once used up, every attempt succeeds.
final class HealthEngineProbeScript: Sendable {
    private let results: Mutex<[ProbeResult]>
    private let runs = Mutex(0)

    init(_ results: [ProbeResult]) {
        self.results = Mutex(results)
    }

    func next() -> ProbeResult {
        runs.withLock { $0 += 1 }
        return results.withLock { $0.isEmpty ? .success(nil) : $0.removeFirst() }
    }

    var runCount: Int { runs.withLock { $0 } }
}

struct HealthEngineScriptedProbe: HealthProbe {
    let script: HealthEngineProbeScript
    func run() async -> ProbeResult { script.next() }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes (the engine tests' wait).
func waitUntil(_ timeout: Duration = .seconds(8), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// What the engine's callbacks saw, in order.
final class HealthEngineRecorder: Sendable {
    private let events = Mutex<[String]>([])
    let watched: RealServerRef

    init(watching ref: RealServerRef = RealServerRef(virtualServer: 0, realServer: 0)) {
        watched = ref
    }

    var callbacks: HealthEngine.Callbacks {
        HealthEngine.Callbacks(
            onLog: { [self] lines in for line in lines where !line.isDetail { record("log: \(line.text)") } },
            onScript: { [self] script, _ in record("script: \(script.command)") },
            onSnapshot: { [self] snapshot in record("alive: \(snapshot.realServers[watched]?.alive ?? true)") })
    }

    func record(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
}

@Suite("HealthEngine with scripted probes")
struct HealthEngineTests {
    typealias F = HealthCoreFixture
    let rsName = "[10.0.0.2]:tcp:80"

    /// One real server with a TCP_CHECK on short intervals (the first attempt still waits the
    /// one-second bootstrap delay).
    func config(servers: [String] = ["10.0.0.2"]) -> Config {
        let body = "    notify_up /bin/up\n    notify_down /bin/down\n" + F.tcpCheck(retry: 1)
        var config = F.config(F.service(servers: servers.map { ($0, body) }))
        for rs in config.virtualServers[0].realServers.indices {
            config.virtualServers[0].realServers[rs].checkers[0].delayLoop = 0.05
            config.virtualServers[0].realServers[rs].checkers[0].delayBeforeRetry = 0.03
        }
        return config
    }

    func stop(_ engine: HealthEngine) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in engine.stop { done.resume() } }
    }

    @Test func drivesRetriesDownAndUpInOrder() async {
        let script = HealthEngineProbeScript([.success(nil), .failure("TCP connection to \(rsName) failed."),
                                             .failure("TCP connection to \(rsName) failed."), .success(nil)])
        let recorder = HealthEngineRecorder()
        let engine = HealthEngine(config: config(), warmupOffsets: [:],
                                  probeFactory: { _, _, _, _ in HealthEngineScriptedProbe(script: script) },
                                  callbacks: recorder.callbacks)
        engine.start()
        let expected = [
            "log: Gained quorum 1+0=1 <= 1 for VS [10.0.0.1]:tcp:80",
            "log: Activating healthchecker for service \(rsName) for VS [10.0.0.1]:tcp:80",
            "alive: true",
            "log: TCP connection to \(rsName) success.",
            "log: TCP_CHECK on service \(rsName) failed after 1 retries.",
            "script: /bin/down",
            "log: Lost quorum 1-0=1 > 0 for VS [10.0.0.1]:tcp:80",
            "alive: false",
            "log: TCP connection to \(rsName) success.",
            "script: /bin/up",
            "log: Gained quorum 1+0=1 <= 1 for VS [10.0.0.1]:tcp:80",
            "alive: true",
        ]
        #expect(await waitUntil { recorder.all.count >= expected.count })
        // Let a few more (successful) attempts run: they change nothing.
        #expect(await waitUntil { script.runCount >= 6 })
        await stop(engine)
        #expect(recorder.all == expected)
        #expect(engine.snapshot.realServers[F.ref()]?.alive == true)
    }

    @Test func stopCancelsTheScheduleAndIgnoresLateResults() async {
        let script = HealthEngineProbeScript([])
        let recorder = HealthEngineRecorder()
        let engine = HealthEngine(config: config(), warmupOffsets: [:],
                                  probeFactory: { _, _, _, _ in HealthEngineScriptedProbe(script: script) },
                                  callbacks: recorder.callbacks)
        engine.start()
        #expect(await waitUntil { script.runCount >= 2 })
        await stop(engine)
        let runs = script.runCount
        try? await Task.sleep(for: .milliseconds(200))
        #expect(script.runCount <= runs + 1, "no attempts after stop (one may have been in flight)")
    }

    @Test func reloadKeepsAFailedServerDownAndAddsNewServers() async {
        let failing = HealthEngineProbeScript(Array(repeating: .failure(nil), count: 1000))
        let healthy = HealthEngineProbeScript([])
        let built = HealthEngineRecorder()
        let recorder = HealthEngineRecorder()
        let engine = HealthEngine(config: config(), warmupOffsets: [:],
                                  probeFactory: { _, _, rs, _ in
                                      built.record("\(rs.address)")
                                      return HealthEngineScriptedProbe(script: "\(rs.address)" == "10.0.0.2" ? failing : healthy)
                                  },
                                  callbacks: recorder.callbacks)
        engine.start()
        #expect(await waitUntil { recorder.all.contains("alive: false") })
        let done = HealthEngineRecorder()
        await withCheckedContinuation { (resumed: CheckedContinuation<Void, Never>) in
            engine.reload(config(servers: ["10.0.0.2", "10.0.0.3"]), warmupOffsets: [:]) {
                done.record("reloaded")
                resumed.resume()
            }
        }
        #expect(done.all == ["reloaded"])
        let snapshot = engine.snapshot
        #expect(snapshot.realServers[F.ref(0, 0)]?.alive == false, "the failed server stays down across the reload")
        #expect(snapshot.realServers[F.ref(0, 1)]?.alive == true)
        // The reload's lines go out after the completion.
        #expect(await waitUntil { recorder.all.filter { $0.hasPrefix("log: Activating") }.count == 3 })
        #expect(await waitUntil { healthy.runCount >= 1 })
        await stop(engine)
        #expect(built.all.contains("10.0.0.3"))
        #expect(!recorder.all.contains("script: /bin/up"), "the failing server never came back")
    }

    /// A reload in place that holds its actions: the completion sees the changed virtual server and
    /// the revision of the switch, the activation lines wait for `releaseHeldActions()`, and the
    /// snapshot delivered after the switch carries the switch's revision.
    @Test func aHeldReloadLogsAfterItsReleaseAndNamesWhatChanged() async {
        let recorder = HealthEngineRecorder()
        let revisions = Mutex<[Int]>([])
        var callbacks = recorder.callbacks
        let recordAlive = callbacks.onSnapshot
        callbacks.onSnapshot = { snapshot in
            revisions.withLock { $0.append(snapshot.revision) }
            recordAlive(snapshot)
        }
        let running = config(servers: ["10.0.0.2", "10.0.0.3"])
        let engine = HealthEngine(config: running, warmupOffsets: [:],
                                  probeFactory: { _, _, _, _ in HealthEngineScriptedProbe(script: HealthEngineProbeScript([])) },
                                  callbacks: callbacks)
        engine.start()
        #expect(await waitUntil { recorder.all.filter { $0.hasPrefix("log: Activating") }.count == 2 })
        #expect(await waitUntil { !revisions.withLock { $0 }.isEmpty })
        let before = engine.snapshot.revision
        var changed = running
        changed.virtualServers[0].realServers[1].weight = 9
        let seen = Mutex<HealthReloadCounts?>(nil)
        await withCheckedContinuation { (resumed: CheckedContinuation<Void, Never>) in
            engine.reload(changed, holdingActions: true) {
                seen.withLock { $0 = engine.reloadCounts }
                #expect(engine.snapshot(ofVirtualServers: [0]).realServers[F.ref(0, 1)]?.weight == 9)
                resumed.resume()
            }
        }
        let counts = seen.withLock { $0 }
        #expect(counts?.changedVirtualServers == [0], "the real servers are new storage: the virtual server changed")
        #expect(counts?.kept == 2 && counts?.started == 0)
        #expect(counts?.revision == before + 1)
        #expect(await waitUntil { revisions.withLock { $0.last } == before + 1 }, "the switch's snapshot")
        try? await Task.sleep(for: .milliseconds(100))
        #expect(recorder.all.filter { $0.hasPrefix("log: Activating") }.count == 2, "held until released")
        engine.releaseHeldActions()
        #expect(await waitUntil { recorder.all.filter { $0.hasPrefix("log: Activating") }.count == 4 })
        await stop(engine)
    }
}
