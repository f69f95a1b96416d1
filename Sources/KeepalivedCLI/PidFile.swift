import Foundation

/// keepalived's pid-file rules: a second instance with the same pid file refuses to start,
/// a stale file (its process is gone) is taken over.
public struct PidFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public enum Failure: Error, CustomStringConvertible {
        case alreadyRunning(pid: Int32, path: String)
        case cannotWrite(path: String, reason: String)

        public var description: String {
            switch self {
            case .alreadyRunning(let pid, let path): return "daemon is already running (pid \(pid) in \(path))"
            case .cannotWrite(let path, let reason): return "cannot write pid file \(path): \(reason)"
            }
        }
    }

    /// The pid recorded in the file when that process is still alive.
    public func runningPid() -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        if pid == getpid() { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }

    /// Writes this process's pid, refusing when another live process holds the file.
    public func claim() throws {
        if let pid = runningPid() { throw Failure.alreadyRunning(pid: pid, path: path) }
        do {
            try "\(getpid())\n".write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw Failure.cannotWrite(path: path, reason: "\(error)")
        }
    }

    /// Removes the file if it still names this process.
    public func release() {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) == getpid() else { return }
        unlink(path)
    }
}
