// STUB: to be written (vrrp_instance).
public struct VRRPInstance: Sendable, Encodable {
    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
}
