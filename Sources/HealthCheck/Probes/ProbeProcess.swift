import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Who a MISC_CHECK program runs as.
public struct ProbeProcessIdentity: Sendable, Equatable {
    public var uid: uid_t
    public var gid: gid_t

    public init(uid: uid_t, gid: gid_t) {
        self.uid = uid
        self.gid = gid
    }

    /// `user [group]` from the password and group databases; nil when either is unknown.
    public static func lookup(user: String, group: String?) -> ProbeProcessIdentity? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwnam_r(user, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        let uid = entry.pw_uid
        var gid = entry.pw_gid
        if let group {
            var groupEntry = Glibc.group()
            var groupResult: UnsafeMutablePointer<Glibc.group>?
            guard getgrnam_r(group, &groupEntry, &buffer, buffer.count, &groupResult) == 0, groupResult != nil else { return nil }
            gid = groupEntry.gr_gid
        }
        return ProbeProcessIdentity(uid: uid, gid: gid)
    }
}

/// How a child program ended.
public enum ProbeProcessExit: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)
    /// Killed by us at the timeout (SIGTERM, then SIGKILL 2 s later).
    case timedOut
    /// posix_spawn failed with this errno.
    case spawnFailed(Int32)
}

/// Runs a program in a process group of its own, watched from a Dispatch queue (no thread waits
/// on it), killed with its group at the timeout.
///
/// The program runs with default signal dispositions, an empty signal mask, and stdin, stdout and
/// stderr on /dev/null. To run it as another user it is started through `setpriv(1)` (util-linux)
/// so no code runs between fork and exec.
public enum ProbeProcess {
    /// Grace between SIGTERM and SIGKILL, as keepalived.
    static let killGrace: Double = 2
    /// How often the child is polled with waitpid(WNOHANG).
    static let pollInterval: Double = 0.02
    static let setprivPath = "/usr/bin/setpriv"
    /// How often a spawn that failed with ETXTBSY is tried again (20 ms apart).
    static let textBusyRetries = 10

    /// Runs `arguments` (the first is the program, looked up in PATH when it has no slash) as
    /// `identity` (nil: as this process) and reports how it ended.
    public static func run(_ arguments: [String], as identity: ProbeProcessIdentity?, timeout: Double) async -> ProbeProcessExit {
        guard !arguments.isEmpty else { return .spawnFailed(ENOENT) }
        var argv = arguments
        if let identity, identity.uid != geteuid() || identity.gid != getegid() {
            argv = [setprivPath, "--reuid=\(identity.uid)", "--regid=\(identity.gid)", "--init-groups", "--"] + arguments
        }
        var spawned = spawn(argv)
        // "Text file busy": the program is still open for writing somewhere (a script being
        // saved, or its descriptor inherited by a child forked meanwhile): try again shortly.
        for _ in 0..<textBusyRetries {
            guard case .failure(let error) = spawned, error.code == ETXTBSY else { break }
            try? await Task.sleep(for: .milliseconds(20))
            spawned = spawn(argv)
        }
        guard case .success(let pid) = spawned else {
            if case .failure(let error) = spawned { return .spawnFailed(error.code) }
            return .spawnFailed(EINVAL)
        }
        return await withCheckedContinuation { continuation in
            ProbeChildWatch(pid: pid, timeout: timeout) { continuation.resume(returning: $0) }.start()
        }
    }

    struct SpawnError: Error { var code: Int32 }

    static func spawn(_ argv: [String]) -> Result<pid_t, SpawnError> {
        var attributes = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
        posix_spawnattr_init(&attributes)
        posix_spawn_file_actions_init(&actions)
        defer {
            posix_spawnattr_destroy(&attributes)
            posix_spawn_file_actions_destroy(&actions)
        }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in 1..<32 where signal != SIGKILL && signal != SIGSTOP { sigaddset(&defaults, Int32(signal)) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, argv[0], &actions, &attributes, &cArguments, environ)
        return status == 0 ? .success(pid) : .failure(SpawnError(code: status))
    }
}

/// Watches one child: polls waitpid on a private serial queue, sends SIGTERM to its process group
/// at the timeout and SIGKILL after the grace period, and reports the end once.
///
/// `@unchecked Sendable`: every mutable property is read and written only on `queue` (the timers'
/// handlers run there and `start()` only schedules onto it).
final class ProbeChildWatch: @unchecked Sendable {
    private enum Stage { case running, terminating, killing }

    private let pid: pid_t
    private let timeout: Double
    private let report: @Sendable (ProbeProcessExit) -> Void
    private let queue = DispatchQueue(label: "keepalivedd.probe.child")
    private var stage = Stage.running
    private var poller: (any DispatchSourceTimer)?
    private var killer: (any DispatchSourceTimer)?

    init(pid: pid_t, timeout: Double, report: @escaping @Sendable (ProbeProcessExit) -> Void) {
        self.pid = pid
        self.timeout = timeout
        self.report = report
    }

    func start() {
        queue.async { [self] in
            let poller = DispatchSource.makeTimerSource(queue: queue)
            poller.schedule(deadline: .now() + ProbeProcess.pollInterval, repeating: ProbeProcess.pollInterval)
            poller.setEventHandler { [self] in poll() }
            self.poller = poller
            poller.resume()
            let killer = DispatchSource.makeTimerSource(queue: queue)
            killer.schedule(deadline: .now() + max(timeout, 0.001), repeating: ProbeProcess.killGrace)
            killer.setEventHandler { [self] in escalate() }
            self.killer = killer
            killer.resume()
        }
    }

    private func poll() {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 { return }
        poller?.cancel()
        killer?.cancel()
        guard result == pid else { return report(.exited(127)) }
        let signal = status & 0x7f
        if signal == 0 {
            report(.exited((status >> 8) & 0xff))
            return
        }
        // Make sure nothing the program started outlives it once we asked it to stop.
        if stage != .running { kill(-pid, SIGKILL) }
        switch (stage, signal) {
        case (.terminating, SIGTERM), (.killing, SIGTERM), (.killing, SIGKILL): report(.timedOut)
        default: report(.signaled(signal))
        }
    }

    private func escalate() {
        switch stage {
        case .running:
            stage = .terminating
            kill(-pid, SIGTERM)
        case .terminating, .killing:
            stage = .killing
            kill(-pid, SIGKILL)
        }
    }
}
