/// One line after preprocessing: its tokens and the line it came from.
public struct LogicalLine: Sendable, Equatable {
    public var tokens: [String]
    public var location: SourceLocation
}

/// Settings that change how a configuration is read.
public struct ParseOptions: Sendable {
    /// The config id matched by `@ID` lines (`-i`; default: host name up to the first dot).
    public var configID: String
    /// Environment consulted by `${_ENV NAME}`.
    public var environment: [String: String]
    /// Seed for `${_RANDOM}`; a fixed seed makes configurations repeatable.
    public var randomSeed: UInt64

    public init(configID: String, environment: [String: String] = [:], randomSeed: UInt64 = 0x6b65_6570) {
        self.configID = configID
        self.environment = environment
        self.randomSeed = randomSeed
    }
}

/// Turns configuration files into logical lines: comments, `include`, `@ID` conditionals,
/// `$NAME` definitions and substitution, and `~SEQ`/`~SEQx`/`~LST` line repetition.
public struct Preprocessor {
    let source: any ConfigSource
    let options: ParseOptions
    var diagnostics = Diagnostics()
    /// Statements go straight into the tree builder as lines are read (no intermediate line list).
    var tree = KeywordTreeBuilder()
    /// Logical lines kept for inspection when `collectLines` was asked for (tests).
    var lines: [LogicalLine] = []
    let collectLines: Bool
    var lineCount = 0
    var definitions = Definitions()
    /// Files currently being read, to detect include loops.
    var includeStack: [String] = []
    var pendingDefinition: (name: String, lines: [String], location: SourceLocation)?
    var random: SplitMix64
    /// Whether anything beyond plain statements was met: `include`, `@`, `$` or `~` lines.
    /// Only a file read without them can be re-read block by block (`ConfigReloadBasis`).
    var usedPreprocessing = false
    /// When set, the top file's lines that begin at the top level (no block open), as
    /// (line, byte offset): the places where a re-read may start (`ConfigReloadBasis`).
    var topLevelLineStarts: [(line: Int, offset: Int)]?
    /// The line number of the top file's first line (a block re-read from the middle of a file).
    var firstLineNumber = 1
    /// The line number just past the end of the top file once read (1 + its newlines, counted
    /// from `firstLineNumber`).
    var topFileEndLine = 1

    static let maximumExpansionDepth = 32
    /// The most logical lines repetition may produce in total.
    static let maximumLines = 4_000_000

    public init(source: any ConfigSource, options: ParseOptions, collectLines: Bool = false) {
        self.source = source
        self.collectLines = collectLines
        self.options = options
        self.random = SplitMix64(seed: options.randomSeed)
    }

    /// Reads `path` and everything it includes. Returns false when the top file cannot be read.
    public mutating func run(path: String) -> Bool {
        guard let bytes = source.read(path) else {
            diagnostics.add(.fatal, "Configuration file '\(path)' cannot be read", at: nil)
            return false
        }
        readFile(path: path, bytes: bytes)
        return true
    }

    /// Reads `bytes` as the file at `path` (already read, or a part of it starting at
    /// `firstLineNumber`).
    public mutating func run(path: String, bytes: [UInt8]) {
        readFile(path: path, bytes: bytes)
    }

    /// The result: logical lines (only with `collectLines`) and what was reported while reading.
    public var output: (lines: [LogicalLine], diagnostics: Diagnostics) { (lines, diagnostics) }

    /// Ends reading: the statement tree and everything reported by preprocessing and brace matching.
    public mutating func finishTree() -> (nodes: [ConfNode], diagnostics: Diagnostics) {
        var (nodes, treeDiagnostics) = tree.finish()
        var all = diagnostics
        all.append(contentsOf: treeDiagnostics)
        treeDiagnostics = Diagnostics()
        tree = KeywordTreeBuilder()
        let result = (nodes, all)
        nodes = []
        return result
    }

    mutating func emit(_ tokens: [String], at location: SourceLocation) {
        guard !tokens.isEmpty else { return }
        lineCount += 1
        if collectLines { lines.append(LogicalLine(tokens: tokens, location: location)) }
        tree.add(tokens: tokens, at: location)
    }

    mutating func readFile(path: String, bytes: [UInt8]) {
        includeStack.append(path)
        defer { includeStack.removeLast() }
        let savedPWD = definitions.pwd
        definitions.pwd = Self.directory(of: path)
        defer { definitions.pwd = savedPWD }

        let fileID = SourceFiles.id(for: path)
        let isTopFile = includeStack.count == 1
        let recordsLineStarts = isTopFile && topLevelLineStarts != nil
        bytes.withUnsafeBufferPointer { buffer in
            var lineNumber = isTopFile ? firstLineNumber - 1 : 0
            var start = 0
            let count = buffer.count
            let newline = UInt8(ascii: "\n")
            while start < count {
                var end = start
                while end < count && buffer[end] != newline { end += 1 }
                lineNumber += 1
                if recordsLineStarts && tree.stack.isEmpty { topLevelLineStarts!.append((lineNumber, start)) }
                let line = UnsafeBufferPointer(rebasing: buffer[start..<end])
                let kept = Tokenizer.stripComment(line)
                processPhysical(UnsafeBufferPointer(rebasing: line[kept]), at: SourceLocation(fileID: fileID, line: lineNumber))
                start = end + 1
            }
            if isTopFile { topFileEndLine = count == 0 || buffer[count - 1] == newline ? lineNumber + 1 : lineNumber }
        }
        if let pending = pendingDefinition {
            finishDefinition(pending.name, pending.lines)
            pendingDefinition = nil
        }
    }

    /// A physical line, comment removed and trimmed.
    mutating func processPhysical(_ text: UnsafeBufferPointer<UInt8>, at location: SourceLocation) {
        if pendingDefinition != nil {
            continueDefinition(ArraySlice(text))
            return
        }
        guard let first = text.first else { return }
        if first == UInt8(ascii: "i"), let pattern = includeTarget(ArraySlice(text)) {
            usedPreprocessing = true
            include(pattern, at: location)
            return
        }
        // Fast path: nothing to preprocess on this line.
        if first != UInt8(ascii: "@") && first != UInt8(ascii: "~") && !text.contains(UInt8(ascii: "$")) {
            emit(Tokenizer.tokens(text), at: location)
            return
        }
        usedPreprocessing = true
        process(String(decoding: text, as: UTF8.self), at: location, depth: 0)
    }

    /// A logical line of text: conditionals, definitions, repetition, substitution, then tokens.
    mutating func process(_ line: String, at location: SourceLocation, depth: Int) {
        guard depth <= Self.maximumExpansionDepth else {
            diagnostics.error("Definitions nested deeper than \(Self.maximumExpansionDepth) levels - line ignored", at: location)
            return
        }
        var text = Substring(line)
        trimSpaces(&text)
        if text.isEmpty { return }
        if text.first == "@" {
            guard let kept = Conditional.apply(text, configID: options.configID) else { return }
            text = kept
            if text.isEmpty { return }
        }
        if text.first == "$", let definition = Definitions.parseDefinition(text) {
            if definition.continues {
                pendingDefinition = (definition.name, definition.value.isEmpty ? [] : [definition.value], location)
            } else {
                definitions.set(definition.name, to: definition.value)
            }
            return
        }
        if text.first == "~" {
            switch Repetition.parse(text) {
            case .none:
                break
            case .failure(let message):
                diagnostics.error(message, at: location)
                return
            case .success(let repetition):
                for binding in repetition.bindings {
                    guard lineCount < Self.maximumLines else {
                        diagnostics.error("~SEQ/~LST expansion stopped: the configuration exceeds \(Self.maximumLines) lines", at: location)
                        return
                    }
                    for (name, value) in binding { definitions.set(name, to: value) }
                    process(String(repetition.body), at: location, depth: depth + 1)
                }
                return
            }
        }
        if text.utf8.contains(UInt8(ascii: "$")) {
            guard let substituted = definitions.substitute(String(text), random: &random, environment: options.environment,
                                                           instance: options.configID) else {
                diagnostics.error("Definitions used on this line refer to themselves or grow without end - line ignored", at: location)
                return
            }
            if substituted != text {
                if substituted.utf8.contains(UInt8(ascii: "\n")) {
                    for part in substituted.split(separator: "\n", omittingEmptySubsequences: true) {
                        process(String(part), at: location, depth: depth + 1)
                    }
                    return
                }
                let retrimmed = substituted.drop { $0 == " " || $0 == "\t" }
                if retrimmed.first == "@" || (retrimmed.first == "$" && Definitions.parseDefinition(retrimmed) != nil)
                    || retrimmed.first == "~" {
                    process(substituted, at: location, depth: depth + 1)
                    return
                }
                text = Substring(substituted)
            }
        }
        emit(Tokenizer.tokens(ArraySlice(Array(text.utf8))), at: location)
    }

    // MARK: Multi-line definitions

    mutating func continueDefinition(_ text: ArraySlice<UInt8>) {
        guard var pending = pendingDefinition else { return }
        if text.isEmpty { return }
        var line = String(decoding: text, as: UTF8.self)
        let continues = line.hasSuffix("\\")
        if continues { line.removeLast() }
        let trimmed = line.trimmingSpaces()
        if !trimmed.isEmpty { pending.lines.append(trimmed) }
        if continues {
            pendingDefinition = pending
        } else {
            pendingDefinition = nil
            finishDefinition(pending.name, pending.lines)
        }
    }

    mutating func finishDefinition(_ name: String, _ lines: [String]) {
        definitions.set(name, to: lines.joined(separator: "\n"))
    }

    // MARK: include

    /// The glob of an `include`/`includer`/`includem`/`includew`/`includeb`/`includea` line.
    func includeTarget(_ text: ArraySlice<UInt8>) -> String? {
        guard text.starts(with: "include".utf8) else { return nil }
        // Split on whitespace only: braces in an include pattern are glob brace expansion.
        let words = text.split(whereSeparator: Tokenizer.isSpace)
        guard words.count >= 2 else { return nil }
        let keyword = String(decoding: words[0], as: UTF8.self)
        guard ["include", "includer", "includem", "includew", "includeb", "includea"].contains(keyword) else { return nil }
        var pattern = String(decoding: words[1], as: UTF8.self)
        if pattern.count >= 2, pattern.hasPrefix("\""), pattern.hasSuffix("\"") { pattern = String(pattern.dropFirst().dropLast()) }
        return pattern
    }

    mutating func include(_ pattern: String, at location: SourceLocation) {
        let directory = Self.directory(of: location.file)
        let resolved = pattern.hasPrefix("/") || directory.isEmpty ? pattern : directory + "/" + pattern
        let paths = source.glob(resolved)
        if paths.isEmpty {
            diagnostics.note("Config files missing '\(resolved)'.", at: location)
            return
        }
        for path in paths {
            if includeStack.contains(path) {
                let chain = (includeStack + [path]).map { $0.split(separator: "/").last.map(String.init) ?? $0 }.joined(separator: " -> ")
                diagnostics.error("Include loop: '\(path)' is already being read (\(chain)) - skipping", at: location)
                continue
            }
            guard let bytes = source.read(path) else {
                diagnostics.error("Configuration file '\(path)' open problem - skipping", at: location)
                continue
            }
            readFile(path: path, bytes: bytes)
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    func trimSpaces(_ text: inout Substring) {
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}

/// `@ID line` and `@^ID line`.
enum Conditional {
    /// The rest of the line when it applies to `configID`, nil when it is to be dropped.
    static func apply(_ text: Substring, configID: String) -> Substring? {
        var rest = text.dropFirst()
        var negate = false
        if rest.first == "^" {
            negate = true
            rest = rest.dropFirst()
        }
        let id = rest.prefix { $0 != " " && $0 != "\t" }
        let matches = id == configID
        guard matches != negate else { return nil }
        return rest.dropFirst(id.count).drop { $0 == " " || $0 == "\t" }
    }
}

/// A small deterministic random generator for `${_RANDOM}`.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
