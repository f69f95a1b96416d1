/// The `global_defs` keyword table: typed settings (this file and GlobalDefsVRRP.swift) and the
/// keywords kept in `otherKeywords` (GlobalDefsOther.swift).
extension GlobalDefs {
    typealias Handler = KeywordTable<GlobalDefs>.Handler

    static let keywords: KeywordTable<GlobalDefs> = {
        var handlers = identityHandlers
        handlers.merge(lvsHandlers) { first, _ in first }
        handlers.merge(vrrpHandlers) { first, _ in first }
        handlers.merge(processHandlers) { first, _ in first }
        handlers.merge(otherHandlers) { first, _ in first }
        return KeywordTable(handlers)
    }()

    /// router_id, e-mail and SMTP.
    static let identityHandlers: [String: Handler] = [
        "router_id": { defs, node, context in
            guard let name = word(node, &context, missing: "routerid name missing - ignoring") else { return }
            defs.$routerID.set(name, at: node.location)
        },
        "notification_email": { defs, node, context in
            if !node.arguments.isEmpty {
                context.error("Block notification_email has extra parameters \(node.arguments.joined(separator: " ")) ...", at: node)
            }
            let addresses = (node.children ?? []).flatMap(\.tokens)
            guard !addresses.isEmpty else {
                context.warning("Warning - empty notification_email block", at: node)
                return
            }
            defs.$notificationEmail.set(defs.notificationEmail + addresses, at: node.location)
        },
        "notification_email_from": { defs, node, context in
            guard let from = word(node, &context, missing: "emailfrom missing - ignoring") else { return }
            defs.$notificationEmailFrom.set(from, at: node.location)
        },
        "smtp_server": { defs, node, context in
            guard let host = word(node, &context) else { return }
            var server = SMTPServer(host: host, address: IPAddress(host))
            if server.address == nil && !isHostName(host) {
                context.error("Invalid smtp server \(context.rest(node))", at: node)
                return
            }
            if node.arguments.count > 1 {
                guard let port = context.integer(node.arguments[1], at: node, in: 1...65535) else { return }
                server.port = UInt16(port)
            }
            defs.$smtpServer.set(server, at: node.location)
        },
        "smtp_helo_name": { defs, node, context in
            guard let name = node.arguments.first else {
                context.note("smtp_helo_name: no name given - using the host name", at: node)
                return
            }
            defs.$smtpHeloName.set(name, at: node.location)
        },
        "smtp_connect_timeout": { defs, node, context in
            guard let text = word(node, &context),
                  var seconds = context.integer(text, at: node, in: 0...4294) else { return }
            if seconds == 0 {
                context.warning("smtp_connect_timeout must be greater than 0, setting to 1", at: node)
                seconds = 1
            }
            defs.$smtpConnectTimeout.set(seconds, at: node.location)
        },
        "smtp_alert": { defs, node, context in
            guard let value = bool(node, &context) else { return }
            defs.$smtpAlert.set(value, at: node.location)
        },
        "smtp_alert_vrrp": { defs, node, context in
            guard let value = bool(node, &context) else { return }
            defs.$smtpAlertVRRP.set(value, at: node.location)
        },
        "smtp_alert_checker": { defs, node, context in
            guard let value = bool(node, &context) else { return }
            defs.$smtpAlertChecker.set(value, at: node.location)
        },
        "no_email_faults": { defs, node, _ in
            defs.$noEmailFaults.set(true, at: node.location)
        },
        "no_checker_emails": { defs, node, context in
            guard let value = bool(node, &context, wording: .global) else { return }
            defs.$noCheckerEmails.set(value, at: node.location)
        },
        "checker_log_all_failures": { defs, node, context in
            guard let value = bool(node, &context, wording: .plain) else { return }
            defs.$checkerLogAllFailures.set(value, at: node.location)
        },
    ]

    /// LVS settings.
    static let lvsHandlers: [String: Handler] = [
        "lvs_timeouts": { defs, node, context in
            guard let timeouts = lvsTimeouts(node, &context) else { return }
            defs.$lvsTimeouts.set(timeouts, at: node.location)
        },
        "lvs_flush": { defs, node, _ in
            defs.$lvsFlush.set(true, at: node.location)
        },
        "lvs_flush_on_stop": flushOnStop,
        "lvs_flush_onstop": flushOnStop,
        "lvs_sync_daemon": { defs, node, context in
            if let earlier = defs.lvsSyncDaemon {
                let name = [earlier.interface, earlier.instance].compactMap { $0 }.joined(separator: " ")
                context.error("lvs_sync_daemon has already been specified as \(name) - ignoring", at: node)
                return
            }
            guard let daemon = lvsSyncDaemon(node, &context) else { return }
            defs.$lvsSyncDaemon.set(daemon, at: node.location)
        },
    ]

    static let flushOnStop: Handler = { defs, node, context in
        guard let option = node.arguments.first else {
            defs.$lvsFlushOnStop.set(.all, at: node.location)
            return
        }
        guard option == "VS" else {
            context.error("Unknown lvs_flush_on_stop type \(option)", at: node)
            return
        }
        defs.$lvsFlushOnStop.set(.virtualServers, at: node.location)
    }

    /// Process priorities, names, scripts, FIFOs and interfaces.
    static let processHandlers: [String: Handler] = [
        "vrrp_priority": { defs, node, context in
            guard let value = number(node, &context, in: -20...19) else { return }
            defs.$vrrpPriority.set(value, at: node.location)
        },
        "checker_priority": { defs, node, context in
            guard let value = number(node, &context, in: -20...19) else { return }
            defs.$checkerPriority.set(value, at: node.location)
        },
        "vrrp_no_swap": { defs, node, _ in defs.$vrrpNoSwap.set(true, at: node.location) },
        "checker_no_swap": { defs, node, _ in defs.$checkerNoSwap.set(true, at: node.location) },
        "max_auto_priority": { defs, node, context in
            guard !node.arguments.isEmpty else {
                defs.$maxAutoPriority.set(99, at: node.location)
                return
            }
            guard let value = number(node, &context, in: -1...99) else { return }
            defs.$maxAutoPriority.set(value, at: node.location)
        },
        "process_names": { defs, node, _ in
            var names = defs.processNames
            names.fillDefaults()
            defs.$processNames.set(names, at: node.location)
        },
        "process_name": processName(\.main),
        "vrrp_process_name": processName(\.vrrp),
        "checker_process_name": processName(\.checker),
        "lvs_process_name": processName(\.checker),
        "bfd_process_name": processName(\.bfd),
        "script_user": { defs, node, context in
            guard let user = word(node, &context, missing: "No script username specified") else { return }
            let group = node.arguments.count > 1 ? node.arguments[1] : nil
            guard userExists(user, group: group) else {
                context.error("Error setting global script uid/gid", at: node)
                return
            }
            defs.$scriptUser.set(ScriptUser(user: user, group: group), at: node.location)
        },
        "enable_script_security": { defs, node, _ in
            defs.$enableScriptSecurity.set(true, at: node.location)
        },
        "startup_script": script(\.$startupScript, missing: "startup script missing"),
        "shutdown_script": script(\.$shutdownScript, missing: "shutdown script missing"),
        "startup_script_timeout": { defs, node, context in
            guard let value = number(node, &context, in: 1...1000) else { return }
            defs.$startupScriptTimeout.set(value, at: node.location)
        },
        "shutdown_script_timeout": { defs, node, context in
            guard let value = number(node, &context, in: 1...1000) else { return }
            defs.$shutdownScriptTimeout.set(value, at: node.location)
        },
        "notify_fifo": fifo(\.$notifyFifo),
        "vrrp_notify_fifo": fifo(\.$vrrpNotifyFifo),
        "lvs_notify_fifo": fifo(\.$lvsNotifyFifo),
        "notify_fifo_script": script(\.$notifyFifoScript),
        "vrrp_notify_fifo_script": script(\.$vrrpNotifyFifoScript),
        "lvs_notify_fifo_script": script(\.$lvsNotifyFifoScript),
        "dynamic_interfaces": { defs, node, context in
            switch node.arguments.first {
            case nil:
                defs.$dynamicInterfaces.set(.on, at: node.location)
            case "allow_if_changes"?:
                defs.$dynamicInterfaces.set(.allowIfChanges, at: node.location)
            case let option?:
                context.error("Unknown dynamic_interfaces option '\(option)'", at: node)
                defs.$dynamicInterfaces.set(.on, at: node.location)
            }
        },
        "default_interface": { defs, node, context in
            guard let name = word(node, &context, missing: "default_interface requires interface name") else { return }
            defs.$defaultInterface.set(name, at: node.location)
        },
    ]

    static func processName(_ path: any WritableKeyPath<ProcessNames, String?> & Sendable) -> Handler {
        { defs, node, context in
            guard let name = word(node, &context) else { return }
            var names = defs.processNames
            names[keyPath: path] = name
            defs.$processNames.set(names, at: node.location)
        }
    }

    static func fifo(_ path: any WritableKeyPath<GlobalDefs, Sourced<NotifyFIFO?>> & Sendable) -> Handler {
        { defs, node, context in
            guard let name = node.arguments.first else {
                context.error("No \(node.keyword) name specified", at: node)
                return
            }
            let user = node.arguments.count > 1 ? node.arguments[1] : nil
            let group = node.arguments.count > 2 ? node.arguments[2] : nil
            defs[keyPath: path].set(NotifyFIFO(path: name, user: user, group: group), at: node.location)
        }
    }

    /// A script keyword (`startup_script`, `notify_fifo_script`, ...): the command is recorded for
    /// script security; without one, `missing` (default "No KEYWORD specified") is reported.
    static func script(_ path: any WritableKeyPath<GlobalDefs, Sourced<ScriptCommand?>> & Sendable, missing: String? = nil) -> Handler {
        { defs, node, context in
            guard let script = scriptCommand(node) else {
                context.error(missing ?? "No \(node.keyword) specified", at: node)
                return
            }
            context.script(script.command, at: node, for: node.keyword)
            defs[keyPath: path].set(script, at: node.location)
        }
    }

    /// A plausible DNS name: letters, digits, '-', '.', '_'.
    static func isHostName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
        }
    }
}
