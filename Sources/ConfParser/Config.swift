/// The whole keepalived configuration, typed, with keepalived's defaults and completion rules
/// applied. Every section and value knows the file and line it came from.
public struct Config: Sendable, Encodable {
    public var globalDefs = GlobalDefs()
    public var vrrpScripts: [VRRPScript] = []
    public var trackFiles: [TrackFile] = []
    public var syncGroups: [VRRPSyncGroup] = []
    public var vrrpInstances: [VRRPInstance] = []
    public var staticIPAddresses: [VirtualAddress] = []
    public var staticRoutes: [StaticRoute] = []
    public var staticRules: [StaticRule] = []
    public var virtualServerGroups: [VirtualServerGroup] = []
    public var virtualServers: [VirtualServer] = []
    public var ssl: SSLConfig?
    /// Top-level keywords keepalived accepts that keepalivedd does not act on (bfd_instance, ...).
    public var otherKeywords: [RecognisedKeyword] = []

    public init() {}

    /// Top-level blocks and statements.
    static let topLevel = KeywordTable<Config>([
        "global_defs": { config, node, context in GlobalDefs.parse(node, into: &config.globalDefs, context: &context) },
        "vrrp_script": { config, node, context in VRRPScript.parse(node, into: &config, context: &context) },
        "track_file": { config, node, context in TrackFile.parse(node, into: &config, context: &context) },
        "vrrp_track_file": { config, node, context in TrackFile.parse(node, into: &config, context: &context) },
        "vrrp_sync_group": { config, node, context in VRRPSyncGroup.parse(node, into: &config, context: &context) },
        "vrrp_instance": { config, node, context in VRRPInstance.parse(node, into: &config, context: &context) },
        "static_ipaddress": { config, node, context in StaticConfig.parseAddresses(node, into: &config, context: &context) },
        "static_routes": { config, node, context in StaticConfig.parseRoutes(node, into: &config, context: &context) },
        "static_rules": { config, node, context in StaticConfig.parseRules(node, into: &config, context: &context) },
        "virtual_server_group": { config, node, context in VirtualServerGroup.parse(node, into: &config, context: &context) },
        "virtual_server": { config, node, context in VirtualServer.parse(node, into: &config, context: &context) },
        "SSL": { config, node, context in SSLConfig.parse(node, into: &config, context: &context) },
    ], recognised: [
        "linkbeat_use_polling", "net_namespace", "net_namespace_ipvs", "namespace_with_ipsets", "instance",
        "use_pid_dir", "child_wait_time", "track_group", "track_process", "vrrp_track_process",
        "garp_group", "bfd_instance", "vrrp_garp_group",
    ], deprecated: ["vrrp_track_file": "track_file"])
}
