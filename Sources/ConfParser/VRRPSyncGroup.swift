// STUB: to be written (vrrp_sync_group).
public struct VRRPSyncGroup: Sendable, Encodable {
    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
}
