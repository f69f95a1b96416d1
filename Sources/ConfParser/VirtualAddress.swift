// STUB: to be written (the virtual_ipaddress line grammar).
public struct VirtualAddress: Sendable, Encodable {
    /// One address line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress.
    static func parseLine(_ node: ConfNode, context: inout BuildContext) -> VirtualAddress? { nil }
}
