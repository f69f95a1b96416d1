import Synchronization

/// Loads a configuration file again and again (start, then every reload), re-reading only the
/// top-level parts whose text changed since the last clean load, when that is sure to give what
/// a full read gives: the changed parts hold only `virtual_server` blocks, the file uses no
/// `include`, `@`, `$` or `~` lines, and neither load reports anything. Anything else is read
/// whole, as `ConfigLoader.load` reads it.
///
/// Virtual servers kept from the last load keep the source lines they had there; lines only
/// matter for reports, and a kept block has nothing to report.
public final class IncrementalConfigLoader: Sendable {
    /// How a load went.
    public struct Report: Sendable, Equatable {
        /// Whether only changed parts were read.
        public var incremental: Bool
        /// Top-level parts of the file, and how many of them were read.
        public var parts: Int
        public var partsRead: Int
    }

    private let basis = Mutex<ConfigReloadBasis?>(nil)

    public init() {}

    /// Loads `path`, from the parts of the last clean load where the text is the same.
    public func load(path: String, options: ParseOptions,
                     source: any ConfigSource = FileSystemSource()) -> (result: LoadResult, report: Report) {
        guard let bytes = source.read(path) else {
            return (ConfigLoader.load(path: path, options: options, source: source), Report(incremental: false, parts: 0, partsRead: 0))
        }
        let previous = basis.withLock { $0 }
        if let previous, previous.path == path,
           let (result, next, partsRead) = Self.reread(bytes, over: previous, options: options, source: source) {
            basis.withLock { $0 = next }
            return (result, Report(incremental: true, parts: next.segments.count, partsRead: partsRead))
        }
        let (result, fresh) = Self.fullLoad(path: path, bytes: bytes, options: options, source: source)
        // A load with errors (a reload that will be refused) leaves the last basis, so the fixed
        // file is read by parts again; any other load replaces it, so a configuration no longer
        // running is not kept alive by it.
        if fresh != nil || !result.diagnostics.items.contains(where: { $0.severity >= .error }) {
            basis.withLock { $0 = fresh }
        }
        return (result, Report(incremental: false, parts: fresh?.segments.count ?? 0, partsRead: fresh?.segments.count ?? 0))
    }

    /// A whole read that records the file's parts.
    static func fullLoad(path: String, bytes: [UInt8], options: ParseOptions,
                         source: any ConfigSource) -> (LoadResult, ConfigReloadBasis?) {
        let assembler = ConfigAssembler()
        assembler.topLevelStatements = []
        var preprocessor = Preprocessor(source: source, options: options)
        preprocessor.topLevelLineStarts = []
        preprocessor.tree.sink = { node in assembler.add(node) }
        preprocessor.run(path: path, bytes: bytes)
        let (_, diagnostics) = preprocessor.finishTree()
        let result = assembler.finish(preprocessorDiagnostics: diagnostics)
        let basis = ConfigReloadBasis(path: path, bytes: bytes, result: result, preprocessor: preprocessor,
                                      statements: assembler.topLevelStatements ?? [])
        return (result, basis)
    }

    /// The new text read over `basis`: the result, the next basis and how many parts were read;
    /// nil when only a whole read gives the right answer.
    static func reread(_ bytes: [UInt8], over basis: ConfigReloadBasis, options: ParseOptions,
                       source: any ConfigSource) -> (LoadResult, ConfigReloadBasis, Int)? {
        let old = basis.segments
        guard !old.isEmpty else { return nil }
        let (first, prefixEnd, last, suffixStart) = ChangedRegion.find(bytes, in: old)
        if first == old.count && prefixEnd == bytes.count { return (basis.result, basis, 0) }
        let replaced = first <= last ? old[first...last] : []
        guard replaced.allSatisfy(\.onlyVirtualServers),
              !old[first...].contains(where: \.definesCheckerReferences),
              ChangedRegion.isLineStart(prefixEnd, in: bytes), ChangedRegion.isLineStart(suffixStart, in: bytes) else { return nil }

        let firstLine = first < old.count ? old[first].firstLine : basis.lineAtEnd
        let oldEndLine = last + 1 < old.count ? old[last + 1].firstLine : basis.lineAtEnd
        let oldSuffixStart = last + 1 < old.count ? old[last + 1].start : basis.byteCount
        let regionBytes = Array(bytes[prefixEnd..<suffixStart])
        guard let region = RegionRead(regionBytes, path: basis.path, firstLine: firstLine, over: basis.result.config,
                                      options: options, source: source) else { return nil }

        var result = basis.result
        let serversBefore = old[..<first].reduce(0) { $0 + $1.virtualServers }
        let serversReplaced = replaced.reduce(0) { $0 + $1.virtualServers }
        result.config.virtualServers.replaceSubrange(serversBefore..<serversBefore + serversReplaced, with: region.virtualServers)

        let lineDelta = region.endLine - oldEndLine
        let fileID = SourceFiles.id(for: basis.path)
        let lines = firstLine..<oldEndLine
        result.interfaces = ChangedRegion.splice(result.interfaces, replacing: lines, in: fileID, with: region.interfaces, lineDelta: lineDelta)
        result.scripts = ChangedRegion.splice(result.scripts, replacing: lines, in: fileID, with: region.scripts, lineDelta: lineDelta)

        var next = basis
        let byteDelta = suffixStart - oldSuffixStart
        var segments = Array(old[..<first])
        segments.append(contentsOf: region.segments.map { segment in
            var moved = segment
            moved.start += prefixEnd
            return moved
        })
        segments.append(contentsOf: old[(last + 1)...].map { segment in
            var moved = segment
            moved.start += byteDelta
            moved.firstLine += lineDelta
            return moved
        })
        next.segments = segments
        next.byteCount = bytes.count
        next.lineAtEnd += lineDelta
        next.result = result
        return (result, next, region.segments.count)
    }
}
