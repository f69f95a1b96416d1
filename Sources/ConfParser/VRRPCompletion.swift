// STUB: to be written (VRRP defaults and completion rules).
public enum VRRPCompletion {
    static func complete(_ config: inout Config, context: inout BuildContext) {}
}
