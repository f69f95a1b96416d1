import ConfParser

#if canImport(Glibc)
import Glibc
#endif

/// MISC_CHECK: runs `misc_path` once. Exit 0 is success; with `misc_dynamic`, exit 2-255 is
/// success too and sets the real server's weight to status - 2 (exit 0 restores the configured
/// weight); anything else, a signal, or running past `misc_timeout` is a failure.
public struct MiscProbe: HealthProbe {
    /// `misc_path` split into words; the first is the program.
    public let arguments: [String]
    /// Who runs the program; nil: this process's own user.
    public let identity: ProbeProcessIdentity?
    /// A configured `user`/`script_user` that does not exist: every attempt fails, nothing runs.
    public let unknownUser: String?
    /// `misc_timeout`, else the virtual server's `delay_loop` (as keepalived).
    public let timeout: Double
    /// `misc_dynamic`.
    public let dynamic: Bool
    /// The real server's configured weight, reported for exit 0 with `misc_dynamic`.
    public let configuredWeight: Int
    /// `[RIP]:tcp:PORT VS [VIP]:tcp:PORT`, as keepalived names the check.
    public let service: String

    public init(arguments: [String], identity: ProbeProcessIdentity?, unknownUser: String? = nil, timeout: Double,
                dynamic: Bool, configuredWeight: Int, service: String) {
        self.arguments = arguments
        self.identity = identity
        self.unknownUser = unknownUser
        self.timeout = timeout
        self.dynamic = dynamic
        self.configuredWeight = configuredWeight
        self.service = service
    }

    public func run() async -> ProbeResult {
        let prefix = "Misc check for [\(service)] by [\(arguments.first ?? "")]"
        if let unknownUser { return .failure("\(prefix) failed (unknown user \(unknownUser)).") }
        let exit = await ProbeProcess.run(arguments, as: identity, timeout: timeout)
        switch exit {
        case .exited(0):
            return .success("\(prefix) succeeded.", dynamicWeight: dynamic ? configuredWeight : nil)
        case .exited(let status) where dynamic && status >= 2:
            return .success("\(prefix) succeeded.", dynamicWeight: Int(status) - 2)
        case .exited(let status):
            return .failure("\(prefix) failed (exited with status \(status)).")
        case .signaled(let signal):
            return .failure("\(prefix) failed (due to signal \(signal)).")
        case .timedOut:
            return .failure("\(prefix) timed out.")
        case .spawnFailed(let code):
            return .failure("\(prefix) failed (could not run it: \(String(cString: strerror(code)))).")
        }
    }

    /// Splits a `misc_path` command line into words: blanks separate words, '…' and "…" quote,
    /// a backslash escapes the next character (outside single quotes).
    public static func splitCommandLine(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for char in line {
            if escaped {
                current.append(char)
                escaped = false
                continue
            }
            if let open = quote {
                if char == open {
                    quote = nil
                } else if char == "\\" && open == "\"" {
                    escaped = true
                } else {
                    current.append(char)
                }
                continue
            }
            switch char {
            case " ", "\t", "\n":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            case "\"", "'":
                quote = char
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            default:
                current.append(char)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// Who runs the script: the checker's `user [group]`, else global `script_user`, else the
    /// `keepalived_script` user when it exists, else this process's own identity (nil). A
    /// configured user or group that does not exist is returned as `.failure` (never run as root
    /// instead).
    public static func resolveIdentity(script: LVSScript?, globals: GlobalDefs) -> Result<ProbeProcessIdentity?, UnknownUser> {
        let configured = script?.user.map { ($0, script?.group) } ?? globals.scriptUser.map { ($0.user, $0.group) }
        guard let (user, group) = configured else {
            return .success(ProbeProcessIdentity.lookup(user: "keepalived_script", group: nil))
        }
        guard let identity = ProbeProcessIdentity.lookup(user: user, group: group) else {
            return .failure(UnknownUser(name: group.map { "\(user):\($0)" } ?? user))
        }
        return .success(identity)
    }

    /// `resolveIdentity` with an unknown user folded into nil (this process's identity). Prefer
    /// `resolveIdentity`, which keeps a script of an unknown user from running as root.
    public static func identity(script: LVSScript?, globals: GlobalDefs) -> ProbeProcessIdentity? {
        (try? resolveIdentity(script: script, globals: globals).get()) ?? nil
    }

    /// A `user [group]` the password or group database does not know.
    public struct UnknownUser: Error, Equatable {
        public var name: String
    }
}
