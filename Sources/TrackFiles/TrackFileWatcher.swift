import ConfParser
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Follows the track files of FILE_CHECKs as keepalived does: one inotify watch per directory
/// (`IN_CLOSE_WRITE | IN_DELETE | IN_MOVE`), a file written or moved in is read again, a file
/// deleted or moved away counts as 0. Events are delivered on the queue given to `start`.
///
/// Thread safety: `watched` is set in `init` and only read afterwards; the read source is created
/// in `start` and cancelled in `cancel`, both called by the owner's single queue.
public final class TrackFileWatcher: @unchecked Sendable {
    /// What the watcher reports.
    public enum Event: Sendable, Equatable {
        /// A track file (by name) now holds this value.
        case value(name: String, value: Int)
        /// keepalived's `Invalid number N read from PATH - ignoring`: the value is kept.
        case invalid(line: String)
        /// A file that cannot be watched (its directory is missing): keepalived drops it.
        case unwatchable(line: String)
    }

    private struct Watched {
        var name: String
        var path: String
        var fileName: String
    }

    private let descriptor: Int32
    private var watched: [Int32: [Watched]] = [:]
    private var source: (any DispatchSourceRead)?

    /// Opens inotify and watches the directory of each file; files whose directory does not exist
    /// are reported by `unwatchable` (they keep the value 0).
    public init(files: [TrackFile], unwatchable: (Event) -> Void) throws(TrackFileWatcherError) {
        descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard descriptor >= 0 else { throw TrackFileWatcherError(errno: errno) }
        for file in files {
            guard let (directory, fileName) = Self.resolve(file.file) else {
                unwatchable(.unwatchable(line: "Track file directory for \(file.name) does not exist - removing"))
                continue
            }
            let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_DELETE) | UInt32(IN_MOVE)
            let watch = inotify_add_watch(descriptor, directory, mask)
            guard watch >= 0 else {
                unwatchable(.unwatchable(line: "track file \(file.name) is not accessible - ignoring"))
                continue
            }
            let path = (directory.hasSuffix("/") ? directory : directory + "/") + fileName
            watched[watch, default: []].append(Watched(name: file.name, path: path, fileName: fileName))
        }
    }

    deinit {
        if source == nil { close(descriptor) }
    }

    /// Reads each file now (keepalived's start-up read: an invalid number counts as 0).
    public static func readAll(_ files: [TrackFile]) -> (values: [String: Int], lines: [String]) {
        var values: [String: Int] = [:]
        var lines: [String] = []
        for file in files {
            switch TrackFileValue.read(path: file.file) {
            case .value(let value): values[file.name] = value
            case .invalid(let number):
                values[file.name] = 0
                lines.append(invalidLine(number, file.file))
            }
        }
        return (values, lines)
    }

    /// Starts delivering events on `queue`.
    public func start(on queue: DispatchQueue, handler: @escaping @Sendable (Event) -> Void) {
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        let descriptor = descriptor
        source.setEventHandler { [weak self] in self?.drain(handler) }
        source.setCancelHandler { close(descriptor) }
        self.source = source
        source.resume()
    }

    /// Stops watching and closes the descriptor.
    public func cancel() {
        source?.cancel()
    }

    private static func invalidLine(_ number: Int64, _ path: String) -> String {
        "Invalid number \(number) read from \(path) - ignoring"
    }

    /// The real directory of a path and the file's name in it (symbolic links resolved as
    /// keepalived resolves them); nil when the directory does not exist.
    static func resolve(_ path: String) -> (directory: String, fileName: String)? {
        if let real = realPath(path), let slash = real.lastIndex(of: "/") {
            return (slash == real.startIndex ? "/" : String(real[..<slash]), String(real[real.index(after: slash)...]))
        }
        let slash = path.lastIndex(of: "/")
        let directoryPart = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fileName = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var info = stat()
        guard let directory = realPath(directoryPart), stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR
        else { return nil }
        return (directory, fileName)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private func drain(_ handler: @Sendable (Event) -> Void) {
        // inotify_event: wd (Int32), mask, cookie, len (UInt32), then `len` bytes of name.
        let headerSize = 16
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            var offset = 0
            while offset + headerSize <= count {
                let (watch, mask, nameLength) = buffer.withUnsafeBytes { bytes in
                    (bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                     bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                     Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                let nameBytes = buffer[(offset + headerSize)..<min(offset + headerSize + nameLength, count)]
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                offset += headerSize + nameLength
                guard mask & UInt32(IN_ISDIR) == 0 else { continue }
                for file in watched[watch] ?? [] where file.fileName == name {
                    if mask & (UInt32(IN_MOVED_FROM) | UInt32(IN_DELETE)) != 0 {
                        handler(.value(name: file.name, value: 0))
                    } else if mask & (UInt32(IN_MOVED_TO) | UInt32(IN_CLOSE_WRITE)) != 0 {
                        switch TrackFileValue.read(path: file.path) {
                        case .value(let value): handler(.value(name: file.name, value: value))
                        case .invalid(let number): handler(.invalid(line: Self.invalidLine(number, file.path)))
                        }
                    }
                }
            }
        }
    }
}

/// inotify could not be opened.
public struct TrackFileWatcherError: Error, CustomStringConvertible {
    public var errno: Int32
    public var description: String { "inotify: \(String(cString: strerror(errno)))" }
}
