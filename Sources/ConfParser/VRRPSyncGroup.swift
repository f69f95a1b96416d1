/// `vrrp_sync_group NAME { group { VI_1 VI_2 } ... }`: instances that change state together.
public struct VRRPSyncGroup: Sendable, Encodable {
    /// A name in the `group` block.
    public struct Member: Sendable, Encodable, Equatable {
        public var name: String
        public var location: SourceLocation
    }

    public var name: String
    public var location: SourceLocation
    /// Member instances; after completion only those that exist and belong to no other group.
    public var members: [Member] = []
    /// Where the `group` block was written, nil when there is none.
    public var groupBlock: SourceLocation? = nil
    public var notify = NotifyScripts()
    @Sourced public var smtpAlert: Bool = false
    @Sourced public var notifyPriorityChanges: Bool = false
    /// Deprecated `global_tracking`.
    @Sourced public var globalTracking: Bool = false
    /// `sync_group_tracking_weight`: members keep weighted trackers.
    @Sourced public var trackingWeight: Bool = false
    /// Trackers applied to every member.
    public var tracking = VRRPTracking()
    public var otherKeywords: [RecognisedKeyword] = []

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    /// What a sync group's keyword handlers work on: the group and the config parsed so far.
    struct Parser {
        var group: VRRPSyncGroup
        let config: Config
    }

    static func notify(_ parser: inout Parser, _ node: ConfNode, _ context: inout BuildContext) {
        VRRPNotifyParser.parse(node, owner: parser.group.name, into: &parser.group.notify, context: &context)
    }

    static func track(_ parser: inout Parser, _ node: ConfNode, _ context: inout BuildContext) {
        VRRPTrackParser.parse(node, owner: parser.group.name, block: "vrrp_sync_group", into: &parser.group.tracking,
                              config: parser.config, context: &context)
    }

    static let keywords = KeywordTable<Parser>([
        "group": { parser, node, context in
            if parser.group.groupBlock != nil {
                context.error("Group list already specified for sync group \(parser.group.name)", at: node)
                return
            }
            parser.group.groupBlock = node.location
            let lines = context.block(node)
            if lines.isEmpty {
                context.error("Warning - sync group \(parser.group.name) has empty group block", at: node)
            }
            for line in lines {
                for name in line.tokens {
                    parser.group.members.append(Member(name: name, location: line.location))
                }
            }
        },
        "notify_master": notify,
        "notify_backup": notify,
        "notify_fault": notify,
        "notify_stop": notify,
        "notify": notify,
        "smtp_alert": { parser, node, context in
            guard let value = VRRPNotifyParser.smtpAlert(node, block: "vrrp_group", context: &context) else { return }
            parser.group.$smtpAlert.set(value, at: node.location)
        },
        "notify_priority_changes": { parser, node, context in
            if let value = context.bool(node) { parser.group.$notifyPriorityChanges.set(value, at: node.location) }
        },
        "global_tracking": { parser, node, context in
            context.error("(\(parser.group.name)) global_tracking is deprecated. Use track_interface/script/file on the sync group", at: node)
            parser.group.$globalTracking.set(true, at: node.location)
        },
        "sync_group_tracking_weight": { parser, node, _ in
            parser.group.$trackingWeight.set(true, at: node.location)
        },
        "track_interface": track,
        "track_script": track,
        "track_file": track,
        "track_process": track,
        "track_bfd": track,
    ])

    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {
        guard let name = node.arguments.first else {
            context.error("vrrp_sync_group must have a name - skipping", at: node)
            return
        }
        if config.syncGroups.contains(where: { $0.name == name }) {
            context.error("vrrp sync group \(name) already defined", at: node)
            return
        }
        config.syncGroups.append(build(name: name, node: node, config: config, context: &context))
    }

    /// The parser (and its view of the config) is released before the caller appends.
    private static func build(name: String, node: ConfNode, config: Config, context: inout BuildContext) -> VRRPSyncGroup {
        var parser = Parser(group: VRRPSyncGroup(name: name, location: node.location), config: config)
        keywords.apply(context.block(node), to: &parser, context: &context, other: \.group.otherKeywords)
        return parser.group
    }
}
