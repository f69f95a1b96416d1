/// Route attributes (metrics and the like), `encap` and `nexthop` groups.
extension RouteParser {
    enum OptionOutcome {
        case handled
        /// Reported; keepalived drops the route.
        case failed
        case notAnOption
    }

    /// Attributes that take `[lock] NUMBER`, with keepalived's message for a bad value.
    static let lockableNumbers: [String: Message] = [
        "mtu": ("Invalid MTU ", " specified for route"),
        "advmss": ("Invalid advmss ", " specified for route"),
        "reordering": ("Invalid reordering value ", " specified for route"),
        "cwnd": ("Invalid cwnd value ", " specified for route"),
        "ssthresh": ("Invalid ssthresh value ", " specified for route"),
    ]
    /// Attributes that take `NUMBER` (range, message).
    static let numbers: [String: (ClosedRange<UInt64>, Message)] = [
        "window": (0...UInt64(UInt32.max), ("Invalid window value ", " specified for route")),
        "initcwnd": (0...UInt64(UInt32.max), ("Invalid initcwnd value ", " specified for route")),
        "initrwnd": (0...UInt64(UInt32.max), ("Invalid initrwnd value ", " specified for route")),
        "hoplimit": (0...255, ("Invalid hoplimit ", " specified for route")),
        "quickack": (0...1, ("Invalid quickack value ", " specified for route")),
        "fastopen_no_cookie": (0...1, ("Invalid fastopen_no_cookie value ", " specified for route")),
    ]
    /// Attributes that take `[lock] TIME` (ms, or with an s / ms suffix).
    static let lockableTimes: [String: Message] = [
        "rtt": ("Invalid rtt ", " for route"),
        "rttvar": ("Invalid rttvar ", " for route"),
        "rto_min": ("Invalid rto_min value ", " specified for route"),
    ]

    /// keepalived's message around a bad value: (text before, text after).
    typealias Message = (String, String)

    static func message(_ template: Message, _ value: String) -> String {
        template.0 + value + template.1
    }

    /// Reads the attribute at the cursor into `route.options`.
    mutating func option(_ name: String, into route: inout StaticRoute, _ context: inout BuildContext) -> OptionOutcome {
        if let template = Self.lockableNumbers[name] ?? Self.lockableTimes[name] {
            let lock = line.skip("lock")
            guard let text = line.value(&context) else { return .failed }
            let valid = Self.lockableTimes[name] != nil
                ? Self.isTime(text)
                : GlobalDefs.parseCNumber(text).map { $0 <= UInt64(UInt32.max) } ?? false
            guard valid else {
                context.error(Self.message(template, text), at: node)
                return .failed
            }
            route.options.append(RouteOption(name: name, lock: lock, value: [text]))
            return .handled
        }
        if let (range, template) = Self.numbers[name] {
            guard let text = line.value(&context),
                  line.number(text, in: range, Self.message(template, text), &context) != nil else { return .failed }
            route.options.append(RouteOption(name: name, value: [text]))
            return .handled
        }
        switch name {
        case "expires", "pref":
            guard let text = line.value(&context) else { return .failed }
            guard line.family != .inet else {
                context.error("\(name) is only valid for IPv6", at: node)
                return .failed
            }
            line.family = .inet6
            if name == "expires" {
                guard line.number(text, in: 0...UInt64(UInt32.max), "Invalid expires time \(text) specified for route", &context) != nil
                else { return .failed }
            } else if !["low", "medium", "high"].contains(text) {
                guard line.number(text, in: 0...255, "Invalid pref value \(text) specified for route", &context) != nil
                else { return .failed }
            }
            route.options.append(RouteOption(name: name, value: [text]))
        case "congctl":
            let lock = line.skip("lock")
            guard let text = line.value(&context) else { return .failed }
            route.options.append(RouteOption(name: name, lock: lock, value: [text]))
        case "features":
            guard let text = line.value(&context) else { return .failed }
            if text == "ecn" {
                route.options.append(RouteOption(name: name, value: [text]))
            } else {
                context.error("feature \(text) not supported", at: node)
            }
        case "ttl-propagate":
            guard let text = line.value(&context) else { return .failed }
            if text == "enabled" || text == "disabled" {
                route.options.append(RouteOption(name: name, value: [text]))
            } else {
                context.error("ttl-propagate value \(text) not recognised", at: node)
            }
        case "realms":
            guard let text = line.value(&context) else { return .failed }
            guard RouteNames.realms(text) != nil else {
                context.error("Invalid realms \(text) for route", at: node)
                return .failed
            }
            guard line.family != .inet6 else {
                context.error("realms are only valid for IPv4", at: node)
                return .failed
            }
            line.family = .inet
            route.options.append(RouteOption(name: name, value: [text]))
        default:
            return .notAnOption
        }
        return .handled
    }

    /// `N`, `N.F`, with an optional unit s, sec, secs, ms, msec or msecs.
    static func isTime(_ text: String) -> Bool {
        let number = text.prefix { ($0 >= "0" && $0 <= "9") || $0 == "." }
        let unit = text.dropFirst(number.count)
        guard GlobalDefs.parseDecimal(String(number)) != nil else { return false }
        return ["", "s", "sec", "secs", "ms", "msec", "msecs"].contains(unit)
    }

    /// `encap TYPE ...` at the cursor: the words read (type first); leaves the cursor on the first
    /// word after them. Problems are reported; the route is kept, as keepalived does.
    mutating func parseEncap(_ context: inout BuildContext) -> [String] {
        line.index += 1
        guard !line.atEnd else {
            context.error("Missing encap type", at: node)
            return []
        }
        let type = line.current
        line.index += 1
        var read = [type]
        switch type {
        case "ip", "ip6":
            let ipv6 = type == "ip6"
            let keys: Set<String> = ipv6 ? ["id", "dst", "src", "tc", "hoplimit", "flags"] : ["id", "dst", "src", "tos", "ttl", "flags"]
            var hasTarget = false
            while line.index + 1 < line.words.count, keys.contains(line.current) {
                let key = line.current
                let value = line.words[line.index + 1]
                var valid = true
                switch key {
                case "dst", "src":
                    if let address = IPAddress(value) {
                        if address.isIPv6 != ipv6 {
                            context.error("IPv\(ipv6 ? 4 : 6) address \(value) not valid for \(type) encapsulation", at: node)
                            valid = false
                        }
                    } else {
                        context.error("Invalid encap \(type) \(key) \(value)", at: node)
                        valid = false
                    }
                    hasTarget = hasTarget || (valid && key == "dst")
                case "id":
                    valid = UInt64(value) != nil
                    hasTarget = hasTarget || valid
                    if !valid { context.error("encap id \(value) value is invalid", at: node) }
                case "tos", "tc":
                    valid = RouteNames.value(value, in: RouteNames.dsfields, max: 255) != nil
                    if !valid { context.error("\(key) value \(value) is invalid for \(type) encapsulation", at: node) }
                case "flags":
                    valid = GlobalDefs.parseCNumber(value).map { $0 <= 0xFFFF } ?? false
                    if !valid { context.error("flags \(value) is not valid for \(type) encapsulation", at: node) }
                default:
                    valid = GlobalDefs.parseCNumber(value).map { $0 <= 255 } ?? false
                    if !valid { context.error("\(key) \(value) is not valid for \(type) encapsulation", at: node) }
                }
                guard valid else { return read }
                read += [key, value]
                line.index += 2
            }
            if !hasTarget { context.error("address or id missing for \(type) encapsulation", at: node) }
        case "mpls", "ila":
            guard !line.atEnd else {
                context.error(type == "mpls" ? "missing address for MPLS encapsulation" : "missing locator for ILA encapsulation", at: node)
                return read
            }
            read.append(line.current)
            line.index += 1
        default:
            context.error("Unknown encap type - \(type)", at: node)
        }
        return read
    }

    /// `nexthop [via [inet|inet6] ADDR] [dev IF] [weight N] [onlink] [realms R] [encap ...]`...
    /// A bad nexthop ends the list; the route keeps the nexthops before it (as keepalived).
    mutating func parseNexthops(into route: inout StaticRoute, _ context: inout BuildContext) {
        while !line.atEnd && line.current == "nexthop" {
            line.index += 1
            var nexthop = RouteNexthop()
            options: while !line.atEnd {
                switch line.current {
                case "via":
                    guard var text = line.value(&context) else { return }
                    if text == "inet" || text == "inet6" {
                        guard line.adopt(text == "inet" ? .inet : .inet6, "IPv4/6 mismatch for nexthop", &context),
                              let next = line.value(&context) else { return }
                        text = next
                    }
                    guard let address = LinePrefix.address(text, at: node, &context) else {
                        context.error("invalid nexthop address \(text)", at: node)
                        return
                    }
                    guard line.adopt(RouteFamily(address), "Address family mismatch for next hop", &context) else { return }
                    nexthop.via = address
                case "dev":
                    guard let name = line.value(&context) else { return }
                    context.interface(name, at: node, for: "VROUTE nexthop")
                    nexthop.device = name
                case "weight":
                    guard let text = line.value(&context) else { return }
                    guard let weight = GlobalDefs.parseCNumber(text), (1...256).contains(weight) else {
                        context.error("Invalid weight \(text) specified for route", at: node)
                        return
                    }
                    nexthop.weight = Int(weight)
                case "onlink":
                    nexthop.onlink = true
                case "encap":
                    nexthop.encap = parseEncap(&context)
                    continue options
                case "realms":
                    guard let text = line.value(&context) else { return }
                    guard RouteNames.realms(text) != nil else {
                        context.error("Invalid realms \(text) for route", at: node)
                        return
                    }
                    guard line.adopt(.inet, "realms are only supported for IPv4", &context) else { return }
                    nexthop.realms = text
                case "as":
                    context.error("'as [to]' (nat) not supported", at: node)
                    return
                default:
                    break options
                }
                line.index += 1
            }
            route.nexthops.append(nexthop)
        }
        if !line.atEnd {
            context.error("Route has trailing nonsense after nexthops - \(line.current)", at: node)
        }
    }
}
