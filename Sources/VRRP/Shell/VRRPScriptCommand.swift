import ConfParser
#if canImport(Glibc)
import Glibc
#endif

/// Turns a configured script line (`notify_master "/usr/local/bin/x arg"`, `script "..."`) into
/// the argv keepalivedd spawns: the words of the line, the extra arguments, and — when the script
/// runs as another user — `setpriv --reuid U --regid G --init-groups --` in front.
enum VRRPScriptCommand {
    /// Splits a command line into words: blanks separate, single and double quotes group, a
    /// backslash escapes the next character (keepalived's own splitting, without expansion).
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
                continue
            }
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// The argv for `command` plus `arguments`, run as `user`/`group` (nil: as we are; root or
    /// the same user needs no setpriv).
    static func argv(command: String, arguments: [String] = [], user: String?, group: String?) -> [String] {
        let program = words(command) + arguments
        guard let user else { return program }
        if group == nil && user == currentUserName() { return program }
        let groupName = group ?? primaryGroup(of: user) ?? user
        return ["setpriv", "--reuid", user, "--regid", groupName, "--init-groups", "--"] + program
    }

    /// The user and group a script runs as: its own, else the global `script_user`.
    static func identity(user: String?, group: String?, globals: GlobalDefs) -> (user: String?, group: String?) {
        if let user { return (user, group) }
        if let scriptUser = globals.scriptUser { return (scriptUser.user, scriptUser.group) }
        return (nil, nil)
    }

    private static func currentUserName() -> String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    private static func primaryGroup(of user: String) -> String? {
        guard let entry = getpwnam(user) else { return nil }
        guard let group = getgrgid(entry.pointee.pw_gid), let name = group.pointee.gr_name else {
            return String(entry.pointee.pw_gid)
        }
        return String(cString: name)
    }
}
