/// Reads one rule line with keepalived 2.2's rules and messages (see `StaticRule`).
struct RuleParser {
    var line: StaticLine

    init(node: ConfNode, trackGroups: Set<String>?) {
        line = StaticLine(node, trackGroups: trackGroups)
    }

    var node: ConfNode { line.node }

    mutating func parse(_ context: inout BuildContext) -> StaticRule? {
        var rule = StaticRule(location: node.location)
        var action: RuleAction?
        var priority: UInt32?
        var from: LinePrefix?
        var to: LinePrefix?
        var tableOption = false
        let mixed = "rule specification has mixed IPv4 and IPv6"

        loop: while !line.atEnd {
            let word = line.current
            switch word {
            case "inet", "inet6":
                guard line.familyWord(word, kind: "rule", &context) else { return nil }
            case "from", "to":
                guard let text = line.value(&context) else { return nil }
                guard let prefix = LinePrefix.parse(text, at: node, &context) else {
                    context.error("Invalid rule \(word) address \(text)", at: node)
                    return nil
                }
                guard line.adopt(prefix.family, mixed, &context) else { return nil }
                if word == "from" { from = prefix } else { to = prefix }
            case "table", "lookup":
                guard let text = line.value(&context) else { return nil }
                guard let table = RouteNames.value(text, in: RouteNames.tables, max: UInt32.max) else {
                    context.error("Routing table \(text) not found for rule", at: node)
                    return nil
                }
                guard table != 0 else {
                    context.error("Table 0 is not valid", at: node)
                    return nil
                }
                guard action == nil else {
                    context.error("Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule", at: node)
                    return nil
                }
                action = .table(table)
            case "not":
                rule.invert = true
            case "preference", "order", "priority":
                guard let text = line.value(&context),
                      let value = line.number(text, in: 0...UInt64(UInt32.max), "Invalid rule preference \(text) specified", &context)
                else { return nil }
                priority = UInt32(value)
            case "tos", "dsfield":
                guard let tos = line.tos(&context) else { return nil }
                rule.tos = tos
            case "fwmark":
                guard let text = line.value(&context) else { return nil }
                let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard let mark = GlobalDefs.parseCNumber(parts[0]), mark <= UInt64(UInt32.max) else {
                    context.error("Invalid rule fwmark \(text) specified", at: node)
                    return nil
                }
                rule.fwmark = UInt32(mark)
                if parts.count == 2 {
                    guard let mask = GlobalDefs.parseCNumber(parts[1]), mask <= UInt64(UInt32.max) else {
                        context.error("Invalid rule fwmark \(text) specified", at: node)
                        return nil
                    }
                    rule.fwmask = UInt32(mask)
                }
            case "realms":
                guard let text = line.value(&context) else { return nil }
                guard RouteNames.realms(text) != nil else {
                    context.error("invalid realms \(text) for rule", at: node)
                    return nil
                }
                tableOption = true
                guard line.adopt(.inet, "realms is only valid for IPv4", &context) else { return nil }
                rule.realms = text
            case "suppress_prefixlength", "sup_pl":
                guard let text = line.value(&context),
                      let value = line.number(text, in: 0...UInt64(Int32.max), "Invalid suppress_prefixlength \(text) specified", &context)
                else { return nil }
                rule.suppressPrefixLength = Int(value)
                tableOption = true
            case "suppress_ifgroup", "sup_group":
                guard let text = line.value(&context) else { return nil }
                guard let group = RouteNames.value(text, in: RouteNames.groups, max: UInt32.max) else {
                    context.error("suppress_group \(text) is invalid", at: node)
                    return nil
                }
                rule.suppressInterfaceGroup = group
                tableOption = true
            case "dev", "iif", "oif":
                guard let name = line.value(&context) else { return nil }
                context.interface(name, at: node, for: "rule")
                if word == "oif" { rule.outputInterface = name } else { rule.inputInterface = name }
            case "tunnel-id":
                guard let text = line.value(&context) else { return nil }
                guard let value = UInt64(text) else {
                    context.error("Invalid tunnel-id \(text) specified", at: node)
                    return nil
                }
                rule.tunnelID = value
            case "uidrange":
                guard let text = line.value(&context) else { return nil }
                guard let range = NumberRange.parse(text, max: UInt32.max) else {
                    context.error("Invalid uidrange \(text) specified", at: node)
                    return nil
                }
                rule.uidRange = range
            case "l3mdev":
                guard action == nil else {
                    context.error("Cannot specify l3mdev with other action", at: node)
                    return nil
                }
                action = .l3mdev
                rule.l3mdev = true
            case "protocol":
                guard let text = line.value(&context) else { return nil }
                if let value = line.number(text, in: 0...255, "Invalid protocol \(text)", &context) {
                    rule.ruleProtocol = UInt8(value)
                }
            case "ipproto":
                guard let text = line.value(&context) else { return nil }
                if let value = RouteNames.ipProtocol(text) {
                    rule.ipProtocol = value
                } else {
                    context.error("Invalid ipproto \(text)", at: node)
                }
            case "sport", "dport":
                guard let text = line.value(&context) else { return nil }
                if let range = NumberRange.parse(text, max: 65535) {
                    if word == "sport" { rule.sourcePorts = range } else { rule.destinationPorts = range }
                } else {
                    context.error("invalid \(word) range \(text)", at: node)
                }
            case "no_track":
                rule.noTrack = true
            case "track_group" where line.trackGroups != nil:
                switch line.trackGroup(into: &rule.trackGroup, &context) {
                case .next: break
                case .stop: break loop
                case .failed: return nil
                }
            default:
                guard let new = ruleAction(word, &context) else { return nil }
                guard action == nil else {
                    context.error("Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule", at: node)
                    return nil
                }
                action = new
            }
            line.index += 1
        }
        return finish(rule, action: action, priority: priority, from: from, to: to, tableOption: tableOption, &context)
    }

    /// `[type] goto N | nop | blackhole | unreachable | prohibit` at the cursor.
    mutating func ruleAction(_ word: String, _ context: inout BuildContext) -> RuleAction? {
        var name = word
        if word == "type" {
            guard let next = line.value(&context) else { return nil }
            name = next
        }
        switch name {
        case "goto":
            guard let text = line.value(&context),
                  let target = line.number(text, in: 0...UInt64(UInt32.max), "Invalid target \(text) specified", &context)
            else { return nil }
            return .goto(UInt32(target))
        case "nop": return .nop
        case "blackhole": return .blackhole
        case "unreachable": return .unreachable
        case "prohibit": return .prohibit
        default:
            if RouteNames.routeTypes[name] != nil {
                context.error("Invalid rule action \(name)", at: node)
            } else {
                context.error("Unknown rule option \(name)", at: node)
            }
            return nil
        }
    }

    /// The whole-line checks, tracking, family and the assigned preference.
    func finish(_ rule: StaticRule, action: RuleAction?, priority: UInt32?, from: LinePrefix?, to: LinePrefix?,
                tableOption: Bool, _ context: inout BuildContext) -> StaticRule? {
        var rule = rule
        if case .goto(let target)? = action {
            guard let priority else {
                context.error("Invalid rule - goto target \(target) specified without preference", at: node)
                return nil
            }
            guard priority < target else {
                context.error("Invalid rule - preference \(priority) >= goto target \(target)", at: node)
                return nil
            }
        }
        guard let action else {
            context.error("No action specified for rule - ignoring", at: node)
            return nil
        }
        var lookupAction = action == .l3mdev
        if case .table = action { lookupAction = true }
        if tableOption && !lookupAction {
            context.error("suppressor/realm specified for non table action - skipping", at: node)
            return nil
        }
        rule.action = action
        if !rule.noTrack {
            rule.ruleProtocol = line.trackedProtocol(rule.ruleProtocol, kind: "Rule", &context)
        }
        if rule.trackGroup != nil && rule.inputInterface == nil {
            context.warning("Static rule cannot have track_group if dev/iif not specified", at: node)
            rule.trackGroup = nil
        }
        rule.family = line.family ?? .inet
        rule.from = from?.resolved(rule.family)
        rule.to = to?.resolved(rule.family)
        if let priority {
            rule.priority = priority
        } else {
            // keepalived numbers missing preferences down from 16384 in the order it reads them.
            let earlier = context.diagnostics.items.count { $0.message.hasPrefix(StaticRule.assignedPriorityMessage) }
            rule.priority = UInt32(16384 - earlier)
            rule.priorityAssigned = true
            context.warning("\(StaticRule.assignedPriorityMessage)\(rule.priority). This is probably not what you want.", at: node)
        }
        return rule
    }
}
