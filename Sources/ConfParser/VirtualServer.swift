// STUB: to be written (virtual_server_group, virtual_server, real_server, checkers, SSL).
public struct VirtualServerGroup: Sendable, Encodable {
    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
}
public struct VirtualServer: Sendable, Encodable {
    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
}
public struct SSLConfig: Sendable, Encodable {
    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {}
}
public enum LVSCompletion {
    static func complete(_ config: inout Config, context: inout BuildContext) {}
}
public enum CheckerKind: String, CaseIterable, Sendable, Encodable {
    case tcp = "TCP_CHECK", http = "HTTP_GET", ssl = "SSL_GET", misc = "MISC_CHECK", smtp = "SMTP_CHECK"
    case dns = "DNS_CHECK", udp = "UDP_CHECK", ping = "PING_CHECK", file = "FILE_CHECK", bfd = "BFD_CHECK"
}
