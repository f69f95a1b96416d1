/// Reads the statements of one `vrrp_instance` block, with keepalived's messages.
///
/// Holds the configuration parsed so far because `track_script` / `track_file` must name
/// scripts and files defined earlier in the file (keepalived resolves them while parsing).
struct VRRPInstanceParser {
    var instance: VRRPInstance
    let config: Config

    var tag: String { "(\(instance.name))" }

    // MARK: Address family

    /// The first address decides the instance's family; later ones must match.
    mutating func adopt(_ address: IPAddress, text: String, at node: ConfNode, context: inout BuildContext) -> Bool {
        let family = IPFamily(address)
        guard let current = instance.family else {
            instance.family = family
            return true
        }
        guard current == family else {
            context.error("\(tag): address family must match VRRP instance [\(text)] - ignoring", at: node)
            return false
        }
        return true
    }

    // MARK: Value helpers

    /// An integer in `range`, or `message` (keepalived's wording) and nil.
    func integer(_ node: ConfNode, in range: ClosedRange<Int>, _ message: (String) -> String,
                 context: inout BuildContext) -> Int? {
        guard let text = context.argument(node) else { return nil }
        guard let value = BuildContext.parseInteger(text), range.contains(value) else {
            context.error(message(text), at: node)
            return nil
        }
        return value
    }

    /// Decimal seconds in `range`, or `message` and nil.
    func seconds(_ node: ConfNode, in range: ClosedRange<Double>, _ message: (String) -> String,
                 context: inout BuildContext) -> Double? {
        guard let text = context.argument(node) else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            context.error(message(text), at: node)
            return nil
        }
        return (value * 1_000_000).rounded() / 1_000_000
    }

    /// An optional BOOL argument (none means true) with keepalived's "(VI_1) invalid KW X specified".
    func flag(_ node: ConfNode, context: inout BuildContext) -> Bool? {
        guard let text = node.arguments.first else { return true }
        guard let value = BuildContext.parseBool(text) else {
            context.error("\(tag) invalid \(node.keyword) \(text) specified", at: node)
            return nil
        }
        return value
    }

    typealias Handler = KeywordTable<VRRPInstanceParser>.Handler

    /// A keyword that sets a Bool field to true (or to its BOOL argument).
    static func flag(_ path: any WritableKeyPath<VRRPInstance, Sourced<Bool>> & Sendable) -> Handler {
        { parser, node, context in
            if let value = parser.flag(node, context: &context) {
                parser.instance[keyPath: path].set(value, at: node.location)
            }
        }
    }

    /// A whole-seconds GARP delay (>= 0).
    static func garpDelay(_ path: any WritableKeyPath<VRRPInstance, Sourced<Int>> & Sendable, invalid: @escaping @Sendable (String, String, String) -> String) -> Handler {
        { parser, node, context in
            let tag = parser.tag
            if let value = parser.integer(node, in: 0...4294, { invalid(tag, node.keyword, $0) }, context: &context) {
                parser.instance[keyPath: path].set(value, at: node.location)
            }
        }
    }

    /// A GARP repeat count; `zeroAllowed` false turns 0 into 1 with keepalived's message.
    static func garpRepeat(_ path: any WritableKeyPath<VRRPInstance, Sourced<Int>> & Sendable, zeroAllowed: Bool) -> Handler {
        { parser, node, context in
            let tag = parser.tag
            guard var value = parser.integer(node, in: 0...Int(Int32.max), { "\(tag): \(node.keyword) '\($0)' invalid - ignoring" },
                                             context: &context) else { return }
            if value == 0 && !zeroAllowed {
                context.error("\(tag): \(node.keyword) must be greater than 0, setting to 1", at: node)
                value = 1
            }
            parser.instance[keyPath: path].set(value, at: node.location)
        }
    }

    static func notify(_ parser: inout VRRPInstanceParser, _ node: ConfNode, _ context: inout BuildContext) {
        VRRPNotifyParser.parse(node, owner: parser.instance.name, into: &parser.instance.notify, context: &context)
    }

    static func track(_ parser: inout VRRPInstanceParser, _ node: ConfNode, _ context: inout BuildContext) {
        VRRPTrackParser.parse(node, owner: parser.instance.name, block: "vrrp_instance", into: &parser.instance.tracking,
                              config: parser.config, context: &context)
    }

    static func addresses(_ parser: inout VRRPInstanceParser, _ node: ConfNode, _ context: inout BuildContext) {
        let excluded = node.keyword == "virtual_ipaddress_excluded"
        if !excluded, parser.instance.virtualAddressBlock == nil { parser.instance.virtualAddressBlock = node.location }
        for line in context.block(node) {
            guard let vip = VirtualAddress.parseLine(line, kind: .vrrp, context: &context) else { continue }
            if excluded {
                parser.instance.excludedAddresses.append(vip)
            } else if parser.adopt(vip.address, text: vip.text, at: line, context: &context) {
                parser.instance.virtualAddresses.append(vip)
            }
        }
    }

    static func routes(_ parser: inout VRRPInstanceParser, _ node: ConfNode, _ context: inout BuildContext) {
        for line in context.block(node) {
            if node.keyword == "virtual_routes" {
                if let route = StaticRoute.parseLine(line, context: &context) { parser.instance.virtualRoutes.append(route) }
            } else {
                if let rule = StaticRule.parseLine(line, context: &context) { parser.instance.virtualRules.append(rule) }
            }
        }
    }

    static let keywords = KeywordTable<VRRPInstanceParser>(
        VRRPInstanceParser.protocolHandlers
            .merging(VRRPInstanceParser.addressHandlers) { first, _ in first }
            .merging(VRRPInstanceParser.behaviourHandlers) { first, _ in first },
        recognised: ["garp_extra_if", "use_ipvlan"])
}
