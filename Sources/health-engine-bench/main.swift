// health-engine-bench: the health engine alone on this host (no IPVS needed), for profiling and for
// comparing probe implementations. N real servers with TCP_CHECK (delay_loop 1) point at
// 127.0.0.1:BASE..BASE+N-1, where a listener started by the caller accepts and closes
// (scripts/health-engine-bench.py). Prints CPU seconds per minute of this process, checks per
// second and the lateness of each checker's attempts against delay_loop, as JSON on stdout.

import ConfParser
import DaemonSupport
import Dispatch
import Foundation
import HealthCheck
import IPVSSync
import Synchronization

struct BenchOptions {
    var servers = 1000
    var basePort = 20000
    var seconds = 20.0
    var warmupSeconds = 3.0
    var tcpClose = TCPCheckClose.reset

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--servers": servers = Int(value) ?? servers
            case "--base-port": basePort = Int(value) ?? basePort
            case "--seconds": seconds = Double(value) ?? seconds
            case "--warmup": warmupSeconds = Double(value) ?? warmupSeconds
            case "--tcp-check-close": tcpClose = TCPCheckClose(rawValue: value) ?? tcpClose
            default: FileHandle.standardError.write(Data("unknown flag \(flag)\n".utf8)); exit(2)
            }
        }
    }
}

/// Attempt start times per checker, recorded by the probe wrapper.
final class AttemptLog: Sendable {
    private let starts = Mutex<[CheckerID: [Double]]>([:])
    private let finishes = Mutex<(ok: Int, failed: Int)>((0, 0))

    func started(_ id: CheckerID, at time: Double) { starts.withLock { $0[id, default: []].append(time) } }
    private let durations = Mutex<[Double]>([])
    func finished(_ succeeded: Bool) { finishes.withLock { if succeeded { $0.ok += 1 } else { $0.failed += 1 } } }
    func took(_ seconds: Double) { durations.withLock { $0.append(seconds) } }
    var allDurations: [Double] { durations.withLock { $0 } }
    var outcomes: (ok: Int, failed: Int) { finishes.withLock { $0 } }
    var allStarts: [CheckerID: [Double]] { starts.withLock { $0 } }
}

/// Wraps the real probe to record when each attempt starts (on the engine's queue when the real
/// probe runs there, as the engine would run it).
struct RecordingProbe: QueueProbe {
    let id: CheckerID
    let inner: any HealthProbe
    let log: AttemptLog

    struct TaskAttempt: ProbeAttempt {
        let task: Task<Void, Never>
        func cancel() { task.cancel() }
    }

    func start(on context: ProbeQueue, completion: @escaping @Sendable (ProbeResult) -> Void) -> any ProbeAttempt {
        let queue = context.queue
        let begin = monotonicSeconds()
        log.started(id, at: begin)
        if let queueProbe = inner as? any QueueProbe {
            return queueProbe.start(on: context) { [log] result in
                log.took(monotonicSeconds() - begin)
                log.finished(result.succeeded)
                completion(result)
            }
        }
        return TaskAttempt(task: Task { [inner, log] in
            let result = await inner.run()
            log.finished(result.succeeded)
            queue.async { completion(result) }
        })
    }

    func run() async -> ProbeResult {
        log.started(id, at: monotonicSeconds())
        let result = await inner.run()
        log.finished(result.succeeded)
        return result
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func cpuSeconds() -> Double {
    let (user, system) = cpuSecondsSplit()
    return user + system
}

/// User and system CPU seconds of this process so far.
func cpuSecondsSplit() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6)
}

func configText(servers: Int, basePort: Int) -> String {
    var lines = ["global_defs {", "    router_id engine_bench", "}"]
    let perService = 20
    for service in 0..<((servers + perService - 1) / perService) {
        lines += ["virtual_server 10.70.\(service / 250).\(service % 250 + 1) 80 {", "    delay_loop 1",
                  "    lb_algo rr", "    lb_kind NAT", "    protocol TCP"]
        for real in 0..<min(perService, servers - service * perService) {
            let port = basePort + service * perService + real
            lines += ["    real_server 127.0.0.1 \(port) {", "        weight 1", "        TCP_CHECK {",
                      "            connect_timeout 1", "            retry 1", "            delay_before_retry 1",
                      "        }", "    }"]
        }
        lines.append("}")
    }
    return lines.joined(separator: "\n") + "\n"
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
}

let options = BenchOptions(arguments: CommandLine.arguments)
let parseStart = monotonicSeconds()
let loaded = ConfigLoader.load(text: configText(servers: options.servers, basePort: options.basePort))
if ProcessInfo.processInfo.environment["HEALTH_BENCH_RELOAD_ONLY"] != nil {
    // What a reload costs the checker half, phase by phase, with the kernel replaced by the
    // in-memory backend: parse, the health switch, the desired table, ownership and the diff.
    // The new configuration changes one real server's weight, as the lab reload bench does.
    var phases: [(String, Double)] = [("parse", monotonicSeconds() - parseStart)]
    func timed<T>(_ name: String, _ work: () throws -> T) rethrows -> T {
        let begin = monotonicSeconds()
        defer { phases.append((name, monotonicSeconds() - begin)) }
        return try work()
    }
    let originalText = configText(servers: options.servers, basePort: options.basePort)
    let firstWeight = originalText.range(of: "weight 1\n")!
    let newText = originalText.replacingCharacters(in: firstWeight, with: "weight 2\n")
    // The daemon reads through one IncrementalConfigLoader: at start a whole read that records
    // the blocks, on reload only the changed ones.
    let loader = IncrementalConfigLoader()
    let benchPath = "/bench/keepalived.conf"
    let parseOptions = ParseOptions(configID: "bench")
    let loaded = timed("parse (recording)") {
        loader.load(path: benchPath, options: parseOptions, source: MemorySource([benchPath: originalText])).result
    }
    let core = timed("core+start") { () -> HealthCore in
        var core = HealthCore(config: loaded.config)
        _ = core.handle(.start, at: .zero)
        return core
    }
    let backend = InMemoryBackend()
    let firstTable = timed("desired table") { DesiredState.table(from: loaded.config, health: AllAlive()) }
    let known = try timed("first reconcile") {
        try IPVSSync.reconcile(firstTable, owned: DesiredState.ownership(from: loaded.config), known: nil,
                               backend: backend).known
    }
    let again = timed("reparse") { loader.load(path: benchPath, options: parseOptions, source: MemorySource([benchPath: newText])).result }
    let change = timed("reload switch") { core.reloaded(with: again.config, at: .seconds(5)) }
    let outcome: IPVSSync.KnownReconcile
    if let changed = change.changedVirtualServers, IPVSSync.canReconcileAlone(changed, from: loaded.config, to: again.config) {
        // What the daemon does when the other virtual servers kept their configuration and health.
        let part = timed("snapshot of the changed") { change.core.snapshot(ofVirtualServers: changed) }
        var owned = DesiredState.ownership(from: loaded.config)
        outcome = timed("reconcile the changed") {
            IPVSSync.reconcile(changed: changed, from: loaded.config, to: again.config, health: part, owned: &owned,
                               known: known!, backend: backend)
        }
    } else {
        let snapshot = timed("snapshot") { change.core.snapshot }
        var owned = timed("ownership") { DesiredState.ownership(from: again.config) }
        owned.merge(DesiredState.ownership(from: loaded.config))
        let desired = timed("desired table") { DesiredState.table(from: again.config, health: snapshot) }
        outcome = try timed("reconcile") {
            try IPVSSync.reconcile(desired, owned: owned, known: known, backend: backend)
        }
    }
    // The reload logs one "Activating healthchecker" line per checker, as keepalived does: through
    // the daemon's logger to syslog and, as with -l, to standard error.
    let logger = KeepalivedLogger.make(identity: "Keepalived_healthcheckers", syslogFacility: LOG_DAEMON,
                                       console: ConsoleLogHandler.standardError, recorder: nil)
    timed("log lines") {
        // As the daemon logs them: the switch's lines in one message (one console write).
        var lines: [String] = []
        for case .log(let line) in change.actions { lines.append(line.text) }
        logger.info("\(lines.joined(separator: "\n"))")
    }
    print(phases.map { "\($0.0) \(Int($0.1 * 1000)) ms" }.joined(separator: ", ")
          + "; kept \(change.carriedOver.count), core actions \(change.actions.count), "
          + "IPVS operations \(outcome.plan.count)")
    exit(0)
}
guard loaded.diagnostics.atLeast(.error).isEmpty else {
    FileHandle.standardError.write(Data("config errors: \(loaded.diagnostics.items.prefix(3))\n".utf8))
    exit(2)
}
let attempts = AttemptLog()
let live = LiveHealth(config: loaded.config, tcpClose: options.tcpClose)
let realFactory = live.probeFactory
let engine = HealthEngine(config: loaded.config, probeFactory: { id, checker, rs, vs in
    RecordingProbe(id: id, inner: realFactory(id, checker, rs, vs), log: attempts)
}, callbacks: HealthEngine.Callbacks())
engine.start()
Thread.sleep(forTimeInterval: options.warmupSeconds + 1)
let windowStart = monotonicSeconds()
let cpuStart = cpuSeconds()
let userStart = cpuSecondsSplit().user
let outcomesStart = attempts.outcomes
Thread.sleep(forTimeInterval: options.seconds)
let cpuUsed = cpuSeconds() - cpuStart
let userUsed = cpuSecondsSplit().user - userStart
let windowEnd = monotonicSeconds()
let outcomesEnd = attempts.outcomes
var lateness: [Double] = []
for (_, starts) in attempts.allStarts {
    for (previous, next) in zip(starts, starts.dropFirst()) where previous >= windowStart && next <= windowEnd {
        lateness.append((next - previous - 1.0) * 1000)
    }
}
lateness.sort()
let elapsed = windowEnd - windowStart
let checks = Double(outcomesEnd.ok + outcomesEnd.failed - outcomesStart.ok - outcomesStart.failed)
let report: [String: Double] = [
    "servers": Double(options.servers),
    "cpu_seconds_per_minute": cpuUsed / elapsed * 60,
    "user_cpu_seconds_per_minute": userUsed / elapsed * 60,
    "checks_per_second": checks / elapsed,
    "failed": Double(outcomesEnd.failed - outcomesStart.failed),
    "lateness_p50_ms": percentile(lateness, 0.5),
    "lateness_p99_ms": percentile(lateness, 0.99),
    "lateness_max_ms": lateness.last ?? .nan,
    "attempt_p50_ms": percentile(attempts.allDurations.sorted(), 0.5) * 1000,
    "attempt_p99_ms": percentile(attempts.allDurations.sorted(), 0.99) * 1000,
]
let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
exit(0)
