// STUB: to be written (global_defs).
public struct GlobalDefs: Sendable, Encodable {
    public var enableScriptSecurity = false
    public var otherKeywords: [RecognisedKeyword] = []
    public init() {}
    static func parse(_ node: ConfNode, into defs: inout GlobalDefs, context: inout BuildContext) {}
    static func complete(_ config: inout Config, context: inout BuildContext) {}
}
