/// A table of keyword handlers for one kind of block.
///
/// Handlers read a statement into the target; keywords keepalived accepts but keepalivedd does
/// not act on are listed in `recognised` and kept verbatim in the target's `otherKeywords`.
public struct KeywordTable<Target>: Sendable {
    public typealias Handler = @Sendable (inout Target, ConfNode, inout BuildContext) -> Void

    public var handlers: [String: Handler]
    public var recognised: Set<String>
    /// Deprecated spellings and what to use instead (still accepted).
    public var deprecated: [String: String]

    public init(_ handlers: [String: Handler], recognised: Set<String> = [], deprecated: [String: String] = [:]) {
        self.handlers = handlers
        self.recognised = recognised
        self.deprecated = deprecated
    }

    /// Applies every statement of `nodes` to `target`; unknown keywords warn and are skipped.
    public func apply<Nodes: Sequence<ConfNode>>(_ nodes: Nodes, to target: inout Target, context: inout BuildContext,
                                                 other: WritableKeyPath<Target, [RecognisedKeyword]>? = nil) {
        for node in nodes {
            if let handler = handlers[node.keyword] {
                if let replacement = deprecated[node.keyword] {
                    context.note("\(node.keyword) is deprecated - please use \(replacement)", at: node)
                }
                handler(&target, node, &context)
            } else if recognised.contains(node.keyword) {
                if let other { target[keyPath: other].append(RecognisedKeyword(node)) }
            } else {
                context.unknownKeyword(node)
            }
        }
    }
}

/// A keyword keepalived accepts that keepalivedd keeps without acting on it.
public struct RecognisedKeyword: Sendable, Equatable, Encodable {
    public var keyword: String
    public var arguments: [String]
    public var location: SourceLocation

    public init(_ node: ConfNode) {
        keyword = node.keyword
        arguments = node.arguments
        location = node.location
    }
}
