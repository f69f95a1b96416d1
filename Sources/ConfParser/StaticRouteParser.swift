/// Reads one route line with keepalived 2.2's rules and messages (see `StaticRoute`).
struct RouteParser {
    var line: StaticLine

    init(node: ConfNode, trackGroups: Set<String>?) {
        line = StaticLine(node, trackGroups: trackGroups)
    }

    var node: ConfNode { line.node }

    mutating func parse(_ context: inout BuildContext) -> StaticRoute? {
        var route = StaticRoute(location: node.location, destination: IPPrefix(address: .v4(0), length: 0))
        var destination: LinePrefix?
        var destinationText = ""
        var nexthopsFollow = false
        let mix = "Cannot mix IPv4 and IPv6 addresses for route"

        loop: while !line.atEnd {
            let word = line.current
            switch word {
            case "inet", "inet6":
                guard line.familyWord(word, kind: "route", &context) else { return nil }
            case "src":
                guard let text = line.value(&context) else { return nil }
                guard let address = LinePrefix.address(text, at: node, &context) else {
                    context.error("invalid route src address \(text)", at: node)
                    return nil
                }
                guard line.adopt(RouteFamily(address), mix, &context) else { return nil }
                route.preferredSource = address
            case "as":
                guard let next = line.value(&context) else { return nil }
                if next == "to", line.value(&context) == nil { return nil }
                context.error("\"as to\" for MPLS only - ignoring", at: node)
            case "via", "gw":
                if word == "gw" { context.warning("\"gw\" for routes is deprecated. Please use \"via\"", at: node) }
                guard var text = line.value(&context) else { return nil }
                if text == "inet" || text == "inet6" {
                    guard line.adopt(text == "inet" ? .inet : .inet6, mix, &context) else { return nil }
                    guard let next = line.value(&context) else { return nil }
                    text = next
                }
                guard let address = LinePrefix.address(text, at: node, &context) else {
                    context.error("invalid route via address \(text)", at: node)
                    return nil
                }
                guard line.adopt(RouteFamily(address), mix, &context) else { return nil }
                route.via = address
            case "from":
                guard let text = line.value(&context) else { return nil }
                guard let prefix = LinePrefix.parse(text, at: node, &context) else {
                    context.error("invalid route from address \(text)", at: node)
                    return nil
                }
                guard prefix.family == .inet6 else {
                    context.error("route from address only supported with IPv6 (\(text))", at: node)
                    return nil
                }
                guard line.adopt(.inet6, mix, &context) else { return nil }
                route.source = prefix.resolved(.inet6)
            case "tos", "dsfield":
                guard let tos = line.tos(&context) else { return nil }
                route.tos = tos
            case "table":
                guard let text = line.value(&context) else { return nil }
                guard let value = RouteNames.value(text, in: RouteNames.tables, max: UInt32.max) else {
                    context.error("Routing table \(text) not found for route", at: node)
                    return nil
                }
                route.table = value
            case "protocol":
                guard let text = line.value(&context) else { return nil }
                guard let value = RouteNames.value(text, in: RouteNames.protocols, max: 255) else {
                    context.error("Protocol \(text) not found or invalid for route", at: node)
                    return nil
                }
                route.routeProtocol = UInt8(value)
            case "scope":
                guard let text = line.value(&context) else { return nil }
                guard let value = RouteNames.value(text, in: RouteNames.scopes, max: 255) else {
                    context.error("Scope \(text) not found or invalid for route", at: node)
                    return nil
                }
                route.scope = UInt8(value)
            case "metric", "priority", "preference":
                guard let text = line.value(&context),
                      let value = line.number(text, in: 0...UInt64(UInt32.max), "Invalid metric \(text) specified for route", &context)
                else { return nil }
                route.metric = UInt32(value)
            case "dev", "oif":
                guard let name = line.value(&context) else { return nil }
                context.interface(name, at: node, for: "VROUTE nexthop")
                route.device = name
            case "onlink":
                route.onlink = true
            case "encap":
                let encap = parseEncap(&context)
                if !encap.isEmpty { route.options.append(RouteOption(name: "encap", value: encap)) }
                continue loop
            case "no_track":
                route.noTrack = true
            case "track_group" where line.trackGroups != nil:
                switch line.trackGroup(into: &route.trackGroup, &context) {
                case .next: break
                case .stop: break loop
                case .failed: return nil
                }
            case "append":
                route.append = true
            case "prepend":
                route.append = false
            case "vrf":
                guard let name = line.value(&context) else { return nil }
                context.interface(name, at: node, for: "route vrf")
                route.vrf = name
            case "or":
                context.warning("\"or\" for routes is deprecated. Please use \"nexthop\"", at: node)
                guard route.nexthops.isEmpty else {
                    context.error("\"or\" route already specified - ignoring subsequent", at: node)
                    line.index += 2
                    continue loop
                }
                guard let text = line.value(&context) else { return nil }
                guard let address = LinePrefix.address(text, at: node, &context) else {
                    context.error("Invalid \"or\" address \(text)", at: node)
                    return nil
                }
                route.nexthops = [RouteNexthop(via: route.via), RouteNexthop(via: address)]
                route.via = nil
            case "nexthop":
                if route.nexthops.isEmpty {
                    nexthopsFollow = true
                } else {
                    context.error("Cannot specify nexthops with \"or\" route", at: node)
                }
                break loop
            default:
                switch option(word, into: &route, &context) {
                case .handled: break
                case .failed: return nil
                case .notAnOption:
                    var text = word
                    if word == "to" {
                        guard let next = line.value(&context) else { return nil }
                        text = next
                    } else if let type = RouteType(rawValue: word) {
                        route.type = type
                        guard let next = line.value(&context) else { return nil }
                        text = next
                    }
                    guard let prefix = LinePrefix.parse(text, at: node, &context) else {
                        context.error("unknown route keyword \(text)", at: node)
                        return nil
                    }
                    guard line.adopt(prefix.family, "\(mix) (\(text))", &context) else { return nil }
                    destination = prefix
                    destinationText = text
                }
            }
            line.index += 1
        }

        if nexthopsFollow {
            parseNexthops(into: &route, &context)
        } else if !line.atEnd {
            context.error("Route has trailing nonsense - \(line.current)", at: node)
            return nil
        }
        guard let destination else {
            context.error("Route must have a destination", at: node)
            return nil
        }
        if !route.noTrack {
            route.routeProtocol = line.trackedProtocol(route.routeProtocol, kind: "Route", &context)
            if route.device == nil {
                context.warning("Warning - cannot track route \(destinationText) with no interface specified, not tracking", at: node)
                route.noTrack = true
            }
        }
        if route.trackGroup != nil && route.device == nil {
            context.warning("Static route cannot have track group if no oif specified", at: node)
            route.trackGroup = nil
        }
        route.family = line.family ?? .inet
        route.destination = destination.resolved(route.family)
        return route
    }
}
