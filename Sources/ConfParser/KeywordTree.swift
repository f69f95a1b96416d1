/// One configuration statement: a keyword, its arguments and, for blocks, its children.
public struct ConfNode: Sendable, Equatable {
    public var keyword: String
    public var arguments: [String]
    public var location: SourceLocation
    /// nil for a plain statement, the statements inside `{ }` for a block (empty for `{}`).
    public var children: [ConfNode]?

    public init(keyword: String, arguments: [String] = [], location: SourceLocation, children: [ConfNode]? = nil) {
        self.keyword = keyword
        self.arguments = arguments
        self.location = location
        self.children = children
    }

    /// The keyword followed by the arguments.
    public var tokens: [String] { [keyword] + arguments }
}

/// Builds the statement tree from logical lines, matching braces.
///
/// A `{` opens a block for the statement before it on the same line, or for the statement on
/// the previous line when the `{` starts a line. Text after a brace on the same line is a
/// statement of its own, so `virtual_ipaddress { 10.0.0.1 }` is three statements.
public struct KeywordTreeBuilder {
    struct OpenBlock {
        var node: ConfNode
        /// A block opened by a stray `{`: its contents are dropped.
        var ignored: Bool
    }

    var diagnostics = Diagnostics()
    var stack: [OpenBlock] = []
    /// The last top-level statement, held back because a `{` on the next line may still open it.
    var top: [ConfNode] = []
    /// Finished top-level statements, when there is no `sink`.
    var finished: [ConfNode] = []
    /// Receives each top-level statement as soon as it is complete, so a large configuration is
    /// turned into typed values block by block instead of holding the whole tree in memory.
    var sink: ((ConfNode) -> Void)?
    /// Whether the last statement at the current level ended a line and may still take a `{`.
    var lastCanTakeBlock = false

    public init() {}

    public static func build(_ lines: [LogicalLine]) -> (nodes: [ConfNode], diagnostics: Diagnostics) {
        var builder = KeywordTreeBuilder()
        for line in lines { builder.add(tokens: line.tokens, at: line.location) }
        return builder.finish()
    }

    /// Adds the tokens of one logical line.
    mutating func add(tokens: [String], at location: SourceLocation) {
        var braces = 0
        for token in tokens where Self.isBrace(token) { braces += 1 }
        // Common shapes first: a plain statement, `keyword args {`, and a lone `}`.
        if braces == 0 {
            var arguments = tokens
            let keyword = arguments.removeFirst()
            appendNode(ConfNode(keyword: keyword, arguments: arguments, location: location))
            lastCanTakeBlock = true
            return
        }
        if braces == 1 && tokens.count >= 2 && tokens[tokens.count - 1] == "{" {
            var arguments = tokens
            arguments.removeLast()
            let keyword = arguments.removeFirst()
            open(ConfNode(keyword: keyword, arguments: arguments, location: location))
            return
        }
        if tokens.count == 1 && tokens[0] == "}" {
            close(at: location)
            return
        }
        let line = LogicalLine(tokens: tokens, location: location)
        var statement: [String] = []
        statement.reserveCapacity(line.tokens.count)
        for token in line.tokens {
            switch token {
            case "{":
                if !statement.isEmpty {
                    open(ConfNode(keyword: statement[0], arguments: Array(statement.dropFirst()), location: line.location))
                    statement.removeAll(keepingCapacity: true)
                } else if lastCanTakeBlock, let previous = removeLastStatement() {
                    open(previous)
                } else {
                    diagnostics.warning("Unexpected '{' - ignoring", at: line.location)
                    stack.append(OpenBlock(node: ConfNode(keyword: "{", location: line.location, children: []), ignored: true))
                }
            case "}":
                if !statement.isEmpty {
                    append(statement, at: line.location)
                    statement.removeAll(keepingCapacity: true)
                }
                close(at: line.location)
            default:
                statement.append(token)
            }
        }
        if !statement.isEmpty {
            append(statement, at: line.location)
            lastCanTakeBlock = true
        }
    }

    @inline(__always)
    static func isBrace(_ token: String) -> Bool {
        let utf8 = token.utf8
        guard utf8.count == 1, let byte = utf8.first else { return false }
        return byte == Tokenizer.openBrace || byte == Tokenizer.closeBrace
    }

    mutating func open(_ node: ConfNode) {
        var node = node
        node.children = []
        node.children!.reserveCapacity(4)
        stack.append(OpenBlock(node: node, ignored: false))
        lastCanTakeBlock = false
    }

    mutating func close(at location: SourceLocation) {
        lastCanTakeBlock = false
        guard let block = stack.popLast() else {
            diagnostics.warning("Extra '}' found", at: location)
            return
        }
        if !block.ignored { appendNode(block.node) }
    }

    mutating func append(_ statement: [String], at location: SourceLocation) {
        appendNode(ConfNode(keyword: statement[0], arguments: Array(statement.dropFirst()), location: location))
        lastCanTakeBlock = false
    }

    mutating func appendNode(_ node: ConfNode) {
        if stack.isEmpty {
            if let previous = top.popLast() { deliver(previous) }
            top.append(node)
        } else {
            stack[stack.count - 1].node.children!.append(node)
        }
    }

    /// Takes back the last plain statement at the current level, so a `{` on the next line can open it.
    mutating func removeLastStatement() -> ConfNode? {
        if stack.isEmpty {
            guard let last = top.last, last.children == nil else { return nil }
            return top.removeLast()
        }
        guard let last = stack[stack.count - 1].node.children!.last, last.children == nil else { return nil }
        return stack[stack.count - 1].node.children!.removeLast()
    }

    mutating func deliver(_ node: ConfNode) {
        if let sink { sink(node) } else { finished.append(node) }
    }

    mutating func finish() -> (nodes: [ConfNode], diagnostics: Diagnostics) {
        if !stack.isEmpty {
            let missing = stack.count
            for block in stack.reversed() {
                diagnostics.error("There are \(missing) missing '}'s or extra '{'s: '\(block.node.keyword)' block opened here is not closed", at: block.node.location)
                close(at: block.node.location)
            }
        }
        if let last = top.popLast() { deliver(last) }
        let nodes = finished
        finished = []
        return (nodes, diagnostics)
    }
}
