// STUB: to be written (static_ipaddress / static_routes / static_rules; route and rule grammar).
public struct StaticRoute: Sendable, Encodable {
    /// One route line (used by static_routes and vrrp_instance virtual_routes).
    static func parseLine(_ node: ConfNode, context: inout BuildContext) -> StaticRoute? { nil }
}
public struct StaticRule: Sendable, Encodable {
    /// One rule line (used by static_rules and vrrp_instance virtual_rules).
    static func parseLine(_ node: ConfNode, context: inout BuildContext) -> StaticRule? { nil }
}
public enum StaticConfig {
    static func parseAddresses(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
    static func parseRoutes(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
    static func parseRules(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
}
