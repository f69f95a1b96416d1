// STUB: to be written (vrrp_script, track_file).
public struct VRRPScript: Sendable, Encodable {
    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
}
public struct TrackFile: Sendable, Encodable {
    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
}
