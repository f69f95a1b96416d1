import Foundation
import Testing
@testable import ConfParser

/// A temporary directory with files, removed when the test ends.
final class TempTree {
    let root: String

    init(_ files: [String: String]) throws {
        root = NSTemporaryDirectory() + "kad-test-" + UUID().uuidString
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ name: String) -> String { root + "/" + name }
}

@Suite struct IncludeTests {
    func lines(_ path: String) -> (lines: [LogicalLine], diagnostics: Diagnostics) {
        var preprocessor = Preprocessor(source: FileSystemSource(), options: ParseOptions(configID: "x"), collectLines: true)
        _ = preprocessor.run(path: path)
        return preprocessor.output
    }

    @Test func includeIsRelativeToTheIncludingFileAndGlobs() throws {
        let tree = try TempTree([
            "main.conf": "a\ninclude conf.d/*.conf\nz\n",
            "conf.d/1.conf": "one\ninclude ../sub/{x,y}.inc\n",
            "conf.d/2.conf": "two\n",
            "sub/x.inc": "ex\n",
            "sub/y.inc": "why\n",
        ])
        let result = lines(tree.path("main.conf"))
        try #require(result.lines.map { $0.tokens.joined() } == ["a", "one", "ex", "why", "two", "z"])
        #expect(result.lines[2].location.file.hasSuffix("sub/x.inc"))
        #expect(result.lines[2].location.line == 1)
        #expect(result.lines[5].location.line == 3)
        #expect(result.diagnostics.items.isEmpty)
    }

    @Test func missingIncludeIsANoteAndParsingGoesOn() throws {
        let tree = try TempTree(["main.conf": "a\ninclude nothere/*.conf\nb\n"])
        let result = lines(tree.path("main.conf"))
        #expect(result.lines.map { $0.tokens.joined() } == ["a", "b"])
        #expect(result.diagnostics.items.count == 1)
        #expect(result.diagnostics.items[0].severity == .note)
        #expect(result.diagnostics.items[0].description.contains("(main.conf: Line 2) Config files missing"))
    }

    @Test func includeLoopIsAnError() throws {
        let tree = try TempTree(["a.conf": "x\ninclude b.conf\n", "b.conf": "y\ninclude a.conf\n"])
        let result = lines(tree.path("a.conf"))
        #expect(result.lines.map { $0.tokens.joined() } == ["x", "y"])
        let errors = result.diagnostics.atLeast(.error)
        #expect(errors.count == 1)
        #expect(errors.first?.location?.fileName == "b.conf")
        #expect(errors.first?.message.contains("Include loop") == true)
    }

    @Test func unreadableTopFileIsFatal() {
        let result = ConfigLoader.load(path: "/nonexistent/keepalived.conf", options: ParseOptions(configID: "x"))
        #expect(result.status == .cannotRun)
    }
}
