/// The result of reading a configuration: the typed config and everything reported about it.
public struct LoadResult: Sendable {
    public var config: Config
    public var diagnostics: Diagnostics
    /// Interfaces the configuration names, for `HostChecks`.
    public var interfaces: [NamedReference] = []
    /// Scripts the configuration would run, for `HostChecks`.
    public var scripts: [NamedReference] = []
    /// The exit status `keepalivedd -t` reports for these diagnostics.
    public var status: ConfigTestStatus { ConfigTestStatus(diagnostics) }
}

/// Reads keepalived.conf: preprocess, build the keyword tree, build the typed model, then apply
/// keepalived's defaults and completion rules in one place.
public enum ConfigLoader {
    /// Loads `path` and what it includes. Host checks (interfaces, scripts) are separate:
    /// see `HostChecks`.
    public static func load(path: String, options: ParseOptions,
                            source: any ConfigSource = FileSystemSource()) -> LoadResult {
        let assembler = ConfigAssembler()
        var preprocessor = Preprocessor(source: source, options: options)
        preprocessor.tree.sink = { node in assembler.add(node) }
        let readable = preprocessor.run(path: path)
        let (_, diagnostics) = preprocessor.finishTree()
        guard readable else { return LoadResult(config: Config(), diagnostics: diagnostics) }
        return assembler.finish(preprocessorDiagnostics: diagnostics)
    }

    /// Loads configuration text held in memory (tests, fuzzing); `name` is the file name shown.
    public static func load(text: String, name: String = "keepalived.conf",
                            options: ParseOptions = ParseOptions(configID: "test")) -> LoadResult {
        load(path: name, options: options, source: MemorySource([name: text]))
    }
}

/// Builds the typed `Config` one top-level block at a time, as the preprocessor completes them,
/// so the statement tree of a large configuration never has to be held whole.
final class ConfigAssembler {
    var config = Config()
    var context = BuildContext()
    /// When set, each top-level statement's keyword and line, in file order (`ConfigReloadBasis`).
    var topLevelStatements: [(keyword: String, line: Int)]?

    func add(_ node: ConfNode) {
        topLevelStatements?.append((node.keyword, Int(node.location.lineNumber)))
        Config.topLevel.apply(CollectionOfOne(node), to: &config, context: &context, other: \.otherKeywords)
    }

    /// Applies the completion rules; preprocessing and brace diagnostics come first in the report.
    func finish(preprocessorDiagnostics: Diagnostics) -> LoadResult {
        Completion.apply(to: &config, context: &context)
        var diagnostics = preprocessorDiagnostics
        diagnostics.append(contentsOf: context.diagnostics)
        return LoadResult(config: config, diagnostics: diagnostics,
                          interfaces: context.interfacesNamed, scripts: context.scriptsNamed)
    }
}

/// keepalived's defaults and completion rules, applied once after parsing
/// (reference section 2), so nothing downstream re-derives them.
public enum Completion {
    public static func apply(to config: inout Config, context: inout BuildContext) {
        GlobalDefs.complete(&config, context: &context)
        VRRPCompletion.complete(&config, context: &context)
        LVSCompletion.complete(&config, context: &context)
    }
}
