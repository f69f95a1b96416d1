/// A script keepalived runs on a state transition: `notify_master CMD [username [groupname]]`.
public struct NotifyScript: Sendable, Encodable, Equatable {
    /// The command line (a quoted string is one token holding the program and its arguments).
    public var command: String
    /// User to run as; nil means the global `script_user`.
    public var user: String?
    /// Group to run as; nil means the user's group.
    public var group: String?
    public var location: SourceLocation
}

/// The notify scripts of a VRRP instance or sync group.
public struct NotifyScripts: Sendable, Encodable, Equatable {
    public var master: NotifyScript?
    public var backup: NotifyScript?
    public var fault: NotifyScript?
    /// Run when VRRP stops.
    public var stop: NotifyScript?
    /// Run when the instance is deleted on reload (instances only).
    public var deleted: NotifyScript?
    /// `notify`: run for every transition with `INSTANCE|GROUP NAME STATE PRIORITY` appended.
    public var any: NotifyScript?
    /// Run when a master receives an advert with a lower priority (instances only).
    public var masterRxLowerPriority: NotifyScript?
    /// `notify_deleted` given: DELETED (not FAULT) is reported for deleted instances.
    public var reportDeleted = false

    public init() {}

    public var isEmpty: Bool {
        master == nil && backup == nil && fault == nil && stop == nil && deleted == nil && any == nil
            && masterRxLowerPriority == nil
    }

    /// The field a `notify*` keyword sets.
    static func keyPath(for keyword: String) -> WritableKeyPath<NotifyScripts, NotifyScript?>? {
        switch keyword {
        case "notify_master": return \.master
        case "notify_backup": return \.backup
        case "notify_fault": return \.fault
        case "notify_stop": return \.stop
        case "notify_deleted": return \.deleted
        case "notify": return \.any
        case "notify_master_rx_lower_pri": return \.masterRxLowerPriority
        default: return nil
        }
    }
}

enum VRRPNotifyParser {
    /// Reads one `notify*` statement; `owner` is the instance or group name for messages.
    static func parse(_ node: ConfNode, owner: String, into scripts: inout NotifyScripts, context: inout BuildContext) {
        guard let path = NotifyScripts.keyPath(for: node.keyword) else { return }
        if node.keyword == "notify_deleted" {
            scripts.reportDeleted = true
            if node.arguments.isEmpty { return }
        }
        guard let command = context.argument(node, 0, expecting: "script") else { return }
        if scripts[keyPath: path] != nil {
            context.error("(\(owner)) \(node.keyword) script already specified - ignoring \(command)", at: node)
            return
        }
        // keepalived accepts an empty script and runs nothing.
        guard !command.trimmingSpaces().isEmpty else { return }
        if node.arguments.count > 3 {
            context.note("(\(owner)) \(node.keyword): unexpected '\(node.arguments[3...].joined(separator: " "))' after [username [groupname]] - ignoring", at: node)
        }
        let user = node.arguments.count > 1 ? node.arguments[1] : nil
        let group = node.arguments.count > 2 ? node.arguments[2] : nil
        scripts[keyPath: path] = NotifyScript(command: command, user: user, group: group, location: node.location)
        context.script(command, at: node, for: node.keyword, user: user)
    }

    /// `smtp_alert [BOOL]` (no argument means true); a bad BOOL is reported naming `block`
    /// ("vrrp_instance" / "vrrp_group") and gives nil.
    static func smtpAlert(_ node: ConfNode, block: String, context: inout BuildContext) -> Bool? {
        guard let text = node.arguments.first else { return true }
        guard let value = BuildContext.parseBool(text) else {
            context.error("Invalid \(block) smtp_alert parameter \(text)", at: node)
            return nil
        }
        return value
    }
}
