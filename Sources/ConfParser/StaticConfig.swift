/// `static_ipaddress`, `static_routes` and `static_rules`: addresses, routes and rules keepalivedd
/// sets up at start-up and keeps, whatever the VRRP state (each line as `ip address/route/rule add`).
public enum StaticConfig {
    /// `static_ipaddress { ADDRESS-LINE... }` into `config.staticIPAddresses`.
    static func parseAddresses(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {
        for line in context.block(node) {
            if let address = VirtualAddress.parseLine(line, context: &context) {
                config.staticIPAddresses.append(address)
            }
        }
    }

    /// `static_routes { ROUTE-LINE... }` into `config.staticRoutes`.
    static func parseRoutes(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {
        let groups = trackGroups(config)
        for line in context.block(node) {
            if let route = StaticRoute.parseLine(line, trackGroups: groups, context: &context) {
                config.staticRoutes.append(route)
            }
        }
    }

    /// `static_rules { RULE-LINE... }` into `config.staticRules`.
    static func parseRules(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {
        let groups = trackGroups(config)
        for line in context.block(node) {
            if let rule = StaticRule.parseLine(line, trackGroups: groups, context: &context) {
                config.staticRules.append(rule)
            }
        }
    }

    /// Names of the top-level `track_group NAME { ... }` blocks read so far (keepalived requires a
    /// track group to be defined before a static route or rule names it).
    static func trackGroups(_ config: Config) -> Set<String> {
        var names = Set<String>()
        for keyword in config.otherKeywords where keyword.keyword == "track_group" || keyword.keyword == "static_track_group" {
            if let name = keyword.arguments.first { names.insert(name) }
        }
        return names
    }
}
