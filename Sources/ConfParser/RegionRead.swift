/// The changed lines of a configuration read alone: their virtual servers, completed against the
/// rest of the configuration, and their parts. Fails (nil) when the lines hold anything but
/// `virtual_server` blocks, use preprocessing, or give any report: a whole read then says
/// exactly what keepalived would.
struct RegionRead {
    var virtualServers: [VirtualServer] = []
    var segments: [ConfigSegment] = []
    var interfaces: [NamedReference] = []
    var scripts: [NamedReference] = []
    /// The line just past the changed lines.
    var endLine = 0

    /// `bytes` are whole lines of the file at `path`, from `firstLine` on; `configuration` is the
    /// rest of it (its track files, bfd instances and virtual server groups are what the lines
    /// may name).
    init?(_ bytes: [UInt8], path: String, firstLine: Int, over configuration: Config, options: ParseOptions,
          source: any ConfigSource) {
        let assembler = ConfigAssembler()
        assembler.topLevelStatements = []
        // What a virtual server may name comes from the blocks before it; the caller has made
        // sure none of those comes after the changed lines.
        assembler.config.trackFiles = configuration.trackFiles
        assembler.config.otherKeywords = configuration.otherKeywords
        var preprocessor = Preprocessor(source: source, options: options)
        preprocessor.firstLineNumber = firstLine
        preprocessor.topLevelLineStarts = []
        preprocessor.tree.sink = { node in
            // Only virtual servers are read here; anything else needs a whole read.
            if node.keyword == "virtual_server" { assembler.add(node) } else { assembler.topLevelStatements = nil }
        }
        preprocessor.run(path: path, bytes: bytes)
        let (_, treeDiagnostics) = preprocessor.finishTree()
        guard !preprocessor.usedPreprocessing, treeDiagnostics.items.isEmpty,
              let statements = assembler.topLevelStatements, let lineStarts = preprocessor.topLevelLineStarts else { return nil }

        var context = assembler.context
        let groups = LVSCompletion.groupIndices(configuration)
        for var server in assembler.config.virtualServers {
            guard LVSCompletion.complete(&server, groups: groups, in: configuration, context: &context) else { return nil }
            virtualServers.append(server)
        }
        guard context.diagnostics.items.isEmpty, virtualServers.count == statements.count else { return nil }
        segments = ConfigSegment.split(bytes, firstLine: firstLine, topLevelLineStarts: lineStarts, statements: statements)
        endLine = preprocessor.topFileEndLine
        interfaces = context.interfacesNamed
        scripts = context.scriptsNamed
    }
}
