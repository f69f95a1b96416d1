#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where configuration files come from: the real file system, or memory in tests and fuzzing.
public protocol ConfigSource: Sendable {
    /// The bytes of the file at `path`, or nil if it cannot be read.
    func read(_ path: String) -> [UInt8]?
    /// Paths matching a shell glob with brace expansion, sorted; empty when nothing matches.
    func glob(_ pattern: String) -> [String]
}

/// Reads configuration files from the local file system.
public struct FileSystemSource: ConfigSource {
    public init() {}

    public func read(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else { return nil }
        // Read straight into the array; files that grow or report no size (pipes) are read on.
        var bytes: [UInt8] = []
        var capacity = max(Int(info.st_size), 0) + 1
        var length = 0
        while true {
            if length == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: capacity))
                capacity = bytes.count
            }
            let count = bytes.withUnsafeMutableBytes { raw in
                Glibc.read(descriptor, raw.baseAddress! + length, raw.count - length)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            length += count
        }
        bytes.removeLast(bytes.count - length)
        return bytes
    }

    public func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let flags = GLOB_BRACE | GLOB_NOCHECK | GLOB_TILDE
        guard Glibc.glob(pattern, flags, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let cPath = result.gl_pathv[index] { paths.append(String(cString: cPath)) }
        }
        // GLOB_NOCHECK returns the pattern itself when nothing matched: keep only real files.
        return paths.filter { access($0, F_OK) == 0 }
    }
}

/// An in-memory set of files, for tests and the fuzzer. Globs match exact paths and `*` suffixes.
public struct MemorySource: ConfigSource {
    public var files: [String: String]

    public init(_ files: [String: String]) { self.files = files }

    public func read(_ path: String) -> [UInt8]? { files[path].map { Array($0.utf8) } }

    public func glob(_ pattern: String) -> [String] {
        if let star = pattern.firstIndex(of: "*") {
            let prefix = pattern[..<star]
            let suffix = pattern[pattern.index(after: star)...]
            return files.keys.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.sorted()
        }
        return files[pattern] == nil ? [] : [pattern]
    }
}
