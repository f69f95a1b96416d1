import CRawSocket
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs notify scripts and `vrrp_script` checks as child processes without ever blocking the
/// caller's queue: `posix_spawn`, then a pidfd read source (or, on kernels without pidfd, a
/// 20 ms poll) reports the exit on `queue`; a timeout sends SIGKILL to the child's process group.
///
/// Every callback runs on `queue`; an instance is owned by that queue.
final class VRRPChildProcess: Sendable {
    /// How a child ended.
    enum Outcome: Sendable, Equatable {
        case exited(Int)
        case signalled(Int)
        case timedOut
        /// It could not be started (errno).
        case spawnFailed(Int32)

        /// As `vrrp_script` results see it.
        var scriptOutcome: VRRPScriptOutcome {
            switch self {
            case .exited(let status): .exited(status: status)
            case .signalled(let signal): .signalled(signal)
            case .timedOut: .timedOut
            case .spawnFailed: .exited(status: 127)
            }
        }
    }

    let pid: Int32

    private init(pid: Int32) { self.pid = pid }

    /// Starts `argv` (argv[0] is the program) and calls `completion` on `queue` when it ends or
    /// after `timeout` seconds (then it is killed). Returns nil when it could not be spawned
    /// (`completion` is then called with `.spawnFailed` on `queue`).
    @discardableResult
    static func run(_ argv: [String], timeout: Double?, queue: DispatchQueue,
                    completion: @escaping @Sendable (Outcome) -> Void) -> VRRPChildProcess? {
        var pidfd: Int32 = -1
        let pid = withCStrings(argv) { kad_vrrp_spawn($0, &pidfd) }
        guard pid > 0 else {
            queue.async { completion(.spawnFailed(-pid)) }
            return nil
        }
        let child = VRRPChildProcess(pid: pid)
        let watcher = VRRPChildWatcher(pid: pid, pidfd: pidfd, completion: completion)
        watcher.start(on: queue, timeout: timeout)
        return child
    }

    /// `argv` as a NULL-terminated C array for the duration of `body`.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// Watches one child until it is reaped. Only touched on its queue (all its sources share it),
/// which is why the mutable state below needs no lock.
private final class VRRPChildWatcher: @unchecked Sendable {
    // @unchecked: `finished`, `sources` are read and written only from handlers on the single
    // serial queue passed to `start`, after `start` returns nothing else touches them.
    let pid: Int32
    let pidfd: Int32
    let completion: @Sendable (VRRPChildProcess.Outcome) -> Void
    var finished = false
    var sources: [any DispatchSourceProtocol] = []
    var killedForTimeout = false

    init(pid: Int32, pidfd: Int32, completion: @escaping @Sendable (VRRPChildProcess.Outcome) -> Void) {
        self.pid = pid
        self.pidfd = pidfd
        self.completion = completion
    }

    func start(on queue: DispatchQueue, timeout: Double?) {
        queue.async { [self] in
            if pidfd >= 0 {
                let source = DispatchSource.makeReadSource(fileDescriptor: pidfd, queue: queue)
                source.setEventHandler { [self] in poll() }
                let descriptor = pidfd
                source.setCancelHandler { _ = Glibc.close(descriptor) }
                sources.append(source)
                source.resume()
            } else {
                let poller = DispatchSource.makeTimerSource(queue: queue)
                poller.schedule(deadline: .now() + .milliseconds(20), repeating: .milliseconds(20))
                poller.setEventHandler { [self] in poll() }
                sources.append(poller)
                poller.resume()
            }
            if let timeout, timeout > 0 {
                let timer = DispatchSource.makeTimerSource(queue: queue)
                timer.schedule(deadline: .now() + timeout, leeway: .milliseconds(10))
                timer.setEventHandler { [self] in
                    guard !finished else { return }
                    killedForTimeout = true
                    _ = kad_vrrp_kill_group(pid, SIGKILL)
                    // The pidfd source (or the poller) reaps it.
                }
                sources.append(timer)
                timer.resume()
            }
            poll()
        }
    }

    private func poll() {
        guard !finished else { return }
        var code: Int32 = -1
        var signal: Int32 = 0
        let result = kad_vrrp_reap(pid, &code, &signal)
        guard result != 0 else { return }
        finished = true
        sources.forEach { $0.cancel() }
        sources = []
        if killedForTimeout {
            completion(.timedOut)
        } else if result < 0 {
            completion(.exited(127))
        } else if signal > 0 {
            completion(.signalled(Int(signal)))
        } else {
            completion(.exited(Int(code)))
        }
    }
}
