/// An interface a VRRP instance or sync group tracks (`track_interface`).
///
/// Weight 0 means the instance goes to FAULT when the interface is down; otherwise the weight is
/// added to (positive, interface up) or subtracted from (negative, interface down) the priority.
public struct TrackedInterface: Sendable, Encodable, Equatable {
    public var name: String
    /// -253...253; 0 means FAULT on failure.
    public var weight: Int = 0
    /// `reverse`: the direction of the priority adjustment is reversed.
    public var reverse: Bool = false
    public var location: SourceLocation
}

/// A `vrrp_script` a VRRP instance or sync group tracks (`track_script`).
public struct TrackedScript: Sendable, Encodable, Equatable {
    /// Name of the `vrrp_script`.
    public var name: String
    /// The weight in effect: the one given here, else the script's own weight.
    public var weight: Int = 0
    /// Whether `weight` was written on the track_script line (not inherited from the script).
    public var weightConfigured: Bool = false
    public var reverse: Bool = false
    public var location: SourceLocation
}

/// A `track_file` a VRRP instance or sync group tracks.
public struct TrackedFile: Sendable, Encodable, Equatable {
    /// Name of the `track_file` block.
    public var name: String
    /// The weight in effect: the one given here, else the track_file's own weight.
    public var weight: Int = 1
    public var weightConfigured: Bool = false
    public var reverse: Bool = false
    public var location: SourceLocation
}

/// What a VRRP instance or sync group monitors.
public struct VRRPTracking: Sendable, Encodable, Equatable {
    public var interfaces: [TrackedInterface] = []
    public var scripts: [TrackedScript] = []
    public var files: [TrackedFile] = []
    /// `track_process` / `track_bfd` entries, kept verbatim (keepalivedd does not act on them).
    public var other: [RecognisedKeyword] = []

    public init() {}

    public var isEmpty: Bool { interfaces.isEmpty && scripts.isEmpty && files.isEmpty && other.isEmpty }
}

/// Parsing of the `track_*` blocks shared by `vrrp_instance` and `vrrp_sync_group`.
///
/// `owner` is the instance or group name, printed as keepalived does: `(VI_1) ...`.
/// Scripts and files must be defined before they are referenced (keepalived resolves them while
/// parsing), so `config` holds what has been defined so far.
enum VRRPTrackParser {
    /// One `track_interface` / `track_script` / `track_file` / `track_process` / `track_bfd` block
    /// of `block` ("vrrp_instance" / "vrrp_sync_group") `owner`.
    static func parse(_ node: ConfNode, owner: String, block: String, into tracking: inout VRRPTracking,
                      config: Config, context: inout BuildContext) {
        switch node.keyword {
        case "track_interface":
            interfaces(node, owner: owner, what: "\(block) \(owner)", into: &tracking, context: &context)
        case "track_script":
            scripts(node, owner: owner, into: &tracking, config: config, context: &context)
        case "track_file":
            files(node, owner: owner, into: &tracking, config: config, context: &context)
        default:
            other(node, owner: owner, into: &tracking, config: config, context: &context)
        }
    }

    static func interfaces(_ node: ConfNode, owner: String, what: String, into tracking: inout VRRPTracking,
                           context: inout BuildContext) {
        for line in context.block(node) {
            let name = line.keyword
            var entry = TrackedInterface(name: name, location: line.location)
            var index = 0
            while index < line.arguments.count {
                let option = line.arguments[index]
                if option == "weight" {
                    guard index + 1 < line.arguments.count else {
                        context.error("(\(owner)) weight without value specified for track_interface \(name) - ignoring", at: line)
                        break
                    }
                    let text = line.arguments[index + 1]
                    if let weight = BuildContext.parseInteger(text), (-254...254).contains(weight) {
                        entry.weight = clamp254(weight, name: name, owner: owner, line: line, context: &context)
                    } else {
                        context.error("(\(owner)) weight \(text) for \(name) must be between [-253..253] inclusive. Ignoring...", at: line)
                    }
                    index += 2
                } else if option == "reverse" {
                    entry.reverse = true
                    index += 1
                } else {
                    context.error("(\(owner)) unknown track_interface \(name) option \(option) - ignoring", at: line)
                    index += 1
                }
            }
            if tracking.interfaces.contains(where: { $0.name == name }) {
                context.error("(\(owner)) duplicate track_interface \(name) - ignoring", at: line)
                continue
            }
            context.interface(name, at: line, for: "track_interface of \(what)")
            tracking.interfaces.append(entry)
        }
    }

    static func scripts(_ node: ConfNode, owner: String, into tracking: inout VRRPTracking,
                        config: Config, context: inout BuildContext) {
        for line in context.block(node) {
            let name = line.keyword
            guard let script = config.vrrpScripts.first(where: { $0.name == name }) else {
                context.error("(\(owner)) track script \(name) not found, ignoring...", at: line)
                continue
            }
            var entry = TrackedScript(name: name, weight: script.weight, reverse: script.reverse, location: line.location)
            let (weight, reverse) = weightOptions(line, owner: owner, kind: "track script", context: &context) { value, context in
                guard (-254...254).contains(value) else {
                    context.error("(\(owner)) track script \(name): weight must be between [-253..253] inclusive, ignoring...", at: line)
                    return nil
                }
                return clamp254(value, name: name, owner: owner, line: line, context: &context)
            }
            if let weight { entry.weight = weight; entry.weightConfigured = true }
            if reverse { entry.reverse = true }
            if tracking.scripts.contains(where: { $0.name == name }) {
                context.error("(\(owner)) duplicate track_script \(name) - ignoring", at: line)
                continue
            }
            tracking.scripts.append(entry)
        }
    }

    static func files(_ node: ConfNode, owner: String, into tracking: inout VRRPTracking,
                      config: Config, context: inout BuildContext) {
        for line in context.block(node) {
            let name = line.keyword
            guard let file = config.trackFiles.first(where: { $0.name == name }) else {
                context.error("(\(owner)) track file \(name) not found, ignoring...", at: line)
                continue
            }
            var entry = TrackedFile(name: name, weight: file.weight, reverse: file.reverse, location: line.location)
            let (weight, reverse) = weightOptions(line, owner: owner, kind: "track file", context: &context) { value, context in
                guard (-254...254).contains(value) else {
                    context.error("(\(owner)) weight for track file \(name) must be in [-254..254] inclusive. Ignoring...", at: line)
                    return nil
                }
                return value
            }
            if let weight { entry.weight = weight; entry.weightConfigured = true }
            if reverse { entry.reverse = true }
            if tracking.files.contains(where: { $0.name == name }) {
                context.error("(\(owner)) duplicate track_file \(name) - ignoring", at: line)
                continue
            }
            tracking.files.append(entry)
        }
    }

    /// `track_process` / `track_bfd`: kept verbatim; names must be defined earlier by a top-level
    /// `vrrp_track_process` / `bfd_instance` block (kept in `config.otherKeywords`).
    static func other(_ node: ConfNode, owner: String, into tracking: inout VRRPTracking,
                      config: Config, context: inout BuildContext) {
        let isProcess = node.keyword == "track_process"
        let definitions: Set<String> = isProcess ? ["vrrp_track_process", "track_process"] : ["bfd_instance"]
        for line in context.block(node) {
            let defined = config.otherKeywords.contains { definitions.contains($0.keyword) && $0.arguments.first == line.keyword }
            guard defined else {
                context.error("(\(owner)) track \(isProcess ? "process" : "bfd") \(line.keyword) not found, ignoring...", at: line)
                continue
            }
            var kept = RecognisedKeyword(line)
            kept.arguments.insert(line.keyword, at: 0)
            kept.keyword = node.keyword
            tracking.other.append(kept)
        }
    }

    /// keepalived accepts +/-254 for tracked interfaces and scripts but uses +/-253.
    private static func clamp254(_ weight: Int, name: String, owner: String, line: ConfNode,
                                 context: inout BuildContext) -> Int {
        guard abs(weight) == 254 else { return weight }
        context.error("(\(owner)) weight for \(name) cannot be +/-254. Setting to +/-253", at: line)
        return weight < 0 ? -253 : 253
    }

    /// `[weight N] [reverse]` after a tracked name (keepalived 2.2.7 knows no `noreverse` here).
    /// A bad weight is reported by `check` and the tracked item keeps its default weight.
    private static func weightOptions(_ line: ConfNode, owner: String, kind: String, context: inout BuildContext,
                                      check: (Int, inout BuildContext) -> Int?) -> (weight: Int?, reverse: Bool) {
        var weight: Int?
        var reverse = false
        var index = 0
        while index < line.arguments.count {
            let option = line.arguments[index]
            if option == "weight" {
                guard index + 1 < line.arguments.count else {
                    context.error("(\(owner)) weight without value specified for \(kind) \(line.keyword) - ignoring", at: line)
                    break
                }
                let text = line.arguments[index + 1]
                if let value = BuildContext.parseInteger(text) {
                    weight = check(value, &context)
                } else {
                    context.error("invalid number '\(text)'", at: line)
                }
                index += 2
            } else if option == "reverse" {
                reverse = true
                index += 1
            } else {
                context.error("(\(owner)) unknown \(kind) option \(option) - ignoring", at: line)
                index += 1
            }
        }
        return (weight, reverse)
    }
}
