#if canImport(Glibc)
import Glibc
#endif

/// What `HostChecks` asks of the machine; a fake stands in for it in tests.
public protocol HostEnvironment: Sendable {
    func interfaceExists(_ name: String) -> Bool
    /// Whether a script's program (first word of its command line) can be found and executed.
    func executableExists(_ program: String) -> Bool
    /// Whether a user account of this name exists.
    func userExists(_ name: String) -> Bool
}

/// The real host: interfaces in the current network namespace, programs on disk and in PATH.
public struct LocalHost: HostEnvironment {
    public init() {}

    public func interfaceExists(_ name: String) -> Bool { if_nametoindex(name) != 0 }

    public func userExists(_ name: String) -> Bool { getpwnam(name) != nil }

    public func executableExists(_ program: String) -> Bool {
        if program.contains("/") { return access(program, X_OK) == 0 }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(program)", X_OK) == 0 }
    }
}

/// Checks that depend on the host rather than the text: interfaces the configuration names must
/// exist, and scripts that would run need `enable_script_security` (keepalived's rules for `-t`).
public enum HostChecks {
    public static func run(_ result: inout LoadResult, host: any HostEnvironment = LocalHost()) {
        var missingInterface = false
        var reported = Set<String>()
        for reference in result.interfaces where !host.interfaceExists(reference.name) {
            missingInterface = true
            let key = "\(reference.name)|\(reference.location)|\(reference.what)"
            guard reported.insert(key).inserted else { continue }
            result.diagnostics.warning("WARNING - interface \(reference.name) for \(reference.what) doesn't exist", at: reference.location)
        }
        if missingInterface {
            result.diagnostics.warning("Non-existent interface specified in configuration")
        }

        var runnable = false
        for script in result.scripts {
            let program = Self.program(of: script.name)
            if let user = script.user, !host.userExists(user) {
                // keepalived disables a script whose user does not exist; it then never runs.
                result.diagnostics.note("\(script.what) script '\(program)': user '\(user)' does not exist - script disabled", at: script.location)
            } else if host.executableExists(program) {
                runnable = true
            } else {
                result.diagnostics.note("\(script.what) script '\(program)' does not exist or is not executable - it will not run", at: script.location)
            }
        }
        if runnable && !result.config.globalDefs.enableScriptSecurity {
            result.diagnostics.add(.security, "SECURITY VIOLATION - scripts are being executed but script_security not enabled.", at: nil)
        }
    }

    /// The program of a command line: its first word, quotes removed.
    static func program(of command: String) -> String {
        let trimmed = command.trimmingSpaces()
        if trimmed.hasPrefix("'") || trimmed.hasPrefix("\"") {
            let quote = trimmed.first!
            return String(trimmed.dropFirst().prefix { $0 != quote })
        }
        return String(trimmed.prefix { $0 != " " && $0 != "\t" })
    }
}
