/// `vrrp_script NAME { ... }`: a command run periodically whose exit status VRRP instances and
/// sync groups can track.
public struct VRRPScript: Sendable, Encodable {
    public var name: String
    public var location: SourceLocation
    /// The command line to run.
    @Sourced public var script: String = ""
    /// Seconds between runs (whole seconds, 1...4294).
    @Sourced public var interval: Int = 1
    /// Seconds after which a run counts as failed; defaults to `interval`.
    @Sourced public var timeout: Int = 1
    /// Priority adjustment, -253...253; 0 means FAULT on failure.
    @Sourced public var weight: Int = 0
    /// `weight N reverse`: the adjustment applies in the other direction.
    @Sourced public var reverse: Bool = false
    /// Consecutive successes needed for OK.
    @Sourced public var rise: Int = 1
    /// Consecutive failures needed for KO.
    @Sourced public var fall: Int = 1
    /// `user USERNAME [GROUPNAME]`; nil means the global script_user.
    @Sourced public var user: String? = nil
    @Sourced public var group: String? = nil
    /// `init_fail`: the script starts in the failed state.
    @Sourced public var initFail: Bool = false
    public var otherKeywords: [RecognisedKeyword] = []

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    static let keywords = KeywordTable<VRRPScript>([
        "script": { script, node, context in
            script.$script.set(context.rest(node), at: node.location)
        },
        "interval": { script, node, context in
            guard let text = context.argument(node) else { return }
            if let value = BuildContext.parseInteger(text), (0...4294).contains(value) {
                if value == 0 {
                    context.error("(\(script.name)): vrrp script interval must be greater than 0, setting to 1", at: node)
                }
                script.$interval.set(max(value, 1), at: node.location)
            } else {
                context.error("(\(script.name)): vrrp script interval '\(text)' must be between 1 and 4294 - ignoring", at: node)
            }
        },
        "timeout": { script, node, context in
            guard let text = context.argument(node) else { return }
            if let value = BuildContext.parseInteger(text), (0...4294).contains(value) {
                if value == 0 {
                    context.error("(\(script.name)): vrrp script timeout must be greater than 0, setting to 1", at: node)
                }
                script.$timeout.set(max(value, 1), at: node.location)
            } else {
                context.error("(\(script.name)): vrrp script timeout '\(text)' invalid - ignoring", at: node)
            }
        },
        "weight": { script, node, context in
            guard let text = context.argument(node) else { return }
            guard let value = BuildContext.parseInteger(text), (-253...253).contains(value) else {
                context.error("vrrp_script \(script.name) weight \(text) must be in [-253, 253]", at: node)
                return
            }
            script.$weight.set(value, at: node.location)
            for option in node.arguments.dropFirst() {
                if option == "reverse" {
                    script.$reverse.set(true, at: node.location)
                } else {
                    context.error("vrrp_script \(script.name) unknown weight option \(option)", at: node)
                }
            }
        },
        "rise": { script, node, context in
            script.$rise.set(count(node, "rise", script.name, &context), at: node.location)
        },
        "fall": { script, node, context in
            script.$fall.set(count(node, "fall", script.name, &context), at: node.location)
        },
        "user": { script, node, context in
            guard let user = context.argument(node, expecting: "user name") else { return }
            script.$user.set(user, at: node.location)
            if node.arguments.count > 1 { script.$group.set(node.arguments[1], at: node.location) }
        },
        "init_fail": { script, node, _ in
            script.$initFail.set(true, at: node.location)
        },
    ])

    /// rise / fall: 1...2147483647, keepalived defaults a bad value to 1.
    private static func count(_ node: ConfNode, _ what: String, _ name: String, _ context: inout BuildContext) -> Int {
        let text = node.arguments.first ?? ""
        guard let value = BuildContext.parseInteger(text), (1...Int(Int32.max)).contains(value) else {
            context.error("(\(name)): vrrp script \(what) value '\(text)' invalid, defaulting to 1", at: node)
            return 1
        }
        return value
    }

    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {
        guard let name = context.argument(node, 0, expecting: "vrrp_script name") else { return }
        var script = VRRPScript(name: name, location: node.location)
        keywords.apply(context.block(node), to: &script, context: &context, other: \.otherKeywords)
        guard !script.script.trimmingSpaces().isEmpty else {
            context.error("No script set for vrrp_script \(name) - removing", at: node)
            return
        }
        if script.$timeout.location == nil { script.timeout = script.interval }
        context.script(script.script, at: node, for: "vrrp_script \(name)")
        config.vrrpScripts.append(script)
    }
}

/// The value a `track_file` writes at start-up: `init_file [VALUE] [overwrite]`.
public struct TrackFileInit: Sendable, Encodable, Equatable {
    public var value: Int = 0
    /// Overwrite an existing file (otherwise only a missing file is created).
    public var overwrite: Bool = false

    public init(value: Int = 0, overwrite: Bool = false) {
        self.value = value
        self.overwrite = overwrite
    }
}

/// `track_file NAME { ... }` (also `vrrp_track_file`): a file whose number adjusts priorities.
public struct TrackFile: Sendable, Encodable {
    public var name: String
    public var location: SourceLocation
    /// Path of the file to watch.
    @Sourced public var file: String = ""
    /// Multiplier of the value read; 0 means a non-zero value is a failure. -254...254.
    @Sourced public var weight: Int = 1
    @Sourced public var reverse: Bool = false
    /// `init_file`: create and/or initialise the file at start-up.
    @Sourced public var initFile: TrackFileInit? = nil
    public var otherKeywords: [RecognisedKeyword] = []

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    static let keywords = KeywordTable<TrackFile>([
        "file": { file, node, context in
            guard let path = context.argument(node, expecting: "file name") else { return }
            file.$file.set(path, at: node.location)
        },
        "weight": { file, node, context in
            guard let text = context.argument(node) else { return }
            guard let value = BuildContext.parseInteger(text), (-254...254).contains(value) else {
                context.error("Weight (\(text)) for track_file \(file.name) must be between [-254..254] inclusive. Ignoring...", at: node)
                return
            }
            file.$weight.set(value, at: node.location)
            for option in node.arguments.dropFirst() {
                if option == "reverse" {
                    file.$reverse.set(true, at: node.location)
                } else {
                    context.error("track_file \(file.name) unknown weight option \(option)", at: node)
                }
            }
        },
        "init_file": { file, node, context in
            var initial = TrackFileInit()
            var index = 0
            if let first = node.arguments.first, let value = BuildContext.parseInteger(first) {
                initial.value = value
                index = 1
            }
            for option in node.arguments.dropFirst(index) {
                if option == "overwrite" {
                    initial.overwrite = true
                } else {
                    context.error("Unknown track file init option \(option)", at: node)
                }
            }
            file.$initFile.set(initial, at: node.location)
        },
    ])

    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {
        guard let name = context.argument(node, 0, expecting: "track_file name") else { return }
        var file = TrackFile(name: name, location: node.location)
        keywords.apply(context.block(node), to: &file, context: &context, other: \.otherKeywords)
        guard !file.file.isEmpty else {
            context.error("No file set for track_file \(name) - ignoring", at: node)
            return
        }
        config.trackFiles.append(file)
    }
}
