/// `lvs_timeouts` and `lvs_sync_daemon` of `global_defs`.
extension GlobalDefs {
    /// `lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS]`; nil when nothing valid was given.
    static func lvsTimeouts(_ node: ConfNode, _ context: inout BuildContext) -> LVSTimeouts? {
        let words = node.arguments
        guard words.count >= 2 else {
            context.error("lvs_timeouts requires at least one option", at: node)
            return nil
        }
        var timeouts = LVSTimeouts()
        var index = 0
        var any = false
        while index < words.count {
            let option = words[index]
            let path: WritableKeyPath<LVSTimeouts, Int?>
            switch option {
            case "tcp": path = \.tcp
            case "tcpfin": path = \.tcpFin
            case "udp": path = \.udp
            default:
                context.error("Unknown option \(option) specified for lvs_timeouts", at: node)
                index += 1
                continue
            }
            guard index + 1 < words.count else {
                context.error("No value specified for lvs_timeout \(option) - ignoring", at: node)
                break
            }
            if let value = context.integer(words[index + 1], at: node, in: LVSTimeouts.range) {
                timeouts[keyPath: path] = value
                any = true
            }
            index += 2
        }
        return any ? timeouts : nil
    }

    /// `lvs_sync_daemon IFACE [[inst] INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`.
    ///
    /// A bare word after the instance is the old positional sync id (accepted, with keepalived's
    /// request to write `id`).
    static func lvsSyncDaemon(_ node: ConfNode, _ context: inout BuildContext) -> LVSSyncDaemon? {
        let words = node.arguments
        guard let interface = words.first else {
            context.error("lvs_sync_daemon requires interface", at: node)
            return nil
        }
        var daemon = LVSSyncDaemon(interface: interface)
        var index = 1
        let options: Set<String> = ["id", "maxlen", "port", "ttl", "group"]
        if index < words.count, words[index] == "inst" {
            guard index + 1 < words.count else {
                context.error("Configuration line starting `lvs_sync_daemon` is missing a parameter after keyword `inst` at word position \(index + 3)", at: node)
                return nil
            }
            daemon.instance = words[index + 1]
            index += 2
        } else if index < words.count, !options.contains(words[index]) {
            daemon.instance = words[index]
            index += 1
        }
        if daemon.instance != nil, index < words.count, !options.contains(words[index]) {
            // Old form: the sync id directly after the instance name.
            let text = words[index]
            if let id = BuildContext.parseInteger(text), (0...255).contains(id) {
                context.warning("Please use keyword \"id\" before lvs_sync_daemon SYNCID", at: node)
                daemon.syncID = id
            } else {
                _ = context.integer(text, at: node, in: 0...255)
                context.error("Invalid syncid (\(text)) - defaulting to vrid", at: node)
            }
            index += 1
        }
        while index < words.count {
            let option = words[index]
            guard options.contains(option) else {
                context.error("Unknown option \(option) specified for lvs_sync_daemon", at: node)
                index += 1
                continue
            }
            guard index + 1 < words.count else {
                let consequence = option == "id" ? ", defaulting to vrid" : " - ignoring"
                context.error("No value specified for lvs_sync_daemon \(option)\(consequence)", at: node)
                break
            }
            let text = words[index + 1]
            index += 2
            switch option {
            case "id":
                if let value = context.integer(text, at: node, in: 0...255) {
                    daemon.syncID = value
                } else {
                    context.error("Invalid syncid (\(text)) - defaulting to vrid", at: node)
                }
            case "maxlen":
                daemon.maxLength = context.integer(text, at: node, in: 1...65507) ?? daemon.maxLength
            case "port":
                daemon.port = context.integer(text, at: node, in: 1...65535) ?? daemon.port
            case "ttl":
                daemon.ttl = context.integer(text, at: node, in: 1...255) ?? daemon.ttl
            default:
                guard let group = IPAddress(text) else {
                    context.error("Invalid lvs_sync_daemon group (\(text)) - ignoring", at: node)
                    continue
                }
                guard isMulticast(group) else {
                    context.error("lvs_sync_daemon group address \(text) is not multicast - ignoring", at: node)
                    continue
                }
                daemon.group = group
            }
        }
        return daemon
    }
}
