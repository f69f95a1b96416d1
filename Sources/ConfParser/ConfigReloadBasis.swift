/// What a clean load of one configuration file leaves for the next reload: the file's top-level
/// parts with their fingerprints, and the result they gave. A reload re-reads only the parts
/// whose text changed (`IncrementalConfigLoader`).
///
/// Only a load that met no `include`, `@`, `$` or `~` line and reported nothing makes a basis:
/// then each part reads the same alone as in its file, and nothing reported is lost by
/// not reading a part again.
struct ConfigReloadBasis: Sendable {
    var path: String
    var segments: [ConfigSegment]
    var byteCount: Int
    /// The line number just past the end of the file (1 + its newlines).
    var lineAtEnd: Int
    /// The load's result, before host checks.
    var result: LoadResult

    /// A basis from a full load, or nil when that load cannot serve as one.
    init?(path: String, bytes: [UInt8], result: LoadResult, preprocessor: Preprocessor,
          statements: [(keyword: String, line: Int)]) {
        guard !preprocessor.usedPreprocessing, result.diagnostics.items.isEmpty,
              let lineStarts = preprocessor.topLevelLineStarts else { return nil }
        let segments = ConfigSegment.split(bytes, firstLine: 1, topLevelLineStarts: lineStarts, statements: statements)
        // Every virtual_server statement must have become exactly one virtual server, in order.
        guard segments.reduce(0, { $0 + $1.virtualServers }) == result.config.virtualServers.count else { return nil }
        self.path = path
        self.segments = segments
        self.byteCount = bytes.count
        self.lineAtEnd = preprocessor.topFileEndLine
        self.result = result
    }
}
