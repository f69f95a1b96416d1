import ConfParser
import Dispatch
import Foundation
import Synchronization
import Testing
import TrackFiles
#if canImport(Glibc)
import Glibc
#endif

/// The inotify watcher on real files in a temporary directory.
@Suite("TrackFileWatcher")
struct TrackFileWatcherTests {
    /// Collects events and lets a test wait for the next one.
    final class Inbox: Sendable {
        private let events = Mutex<[TrackFileWatcher.Event]>([])
        private let arrived = DispatchSemaphore(value: 0)

        func put(_ event: TrackFileWatcher.Event) {
            events.withLock { $0.append(event) }
            arrived.signal()
        }

        private let last = Mutex<TrackFileWatcher.Event?>(nil)

        /// The next event that is not a repeat of the one before (the core ignores a value it
        /// already has), or nil after 5 s.
        func next() -> TrackFileWatcher.Event? {
            while arrived.wait(timeout: .now() + 5) == .success {
                let event = events.withLock { $0.removeFirst() }
                let repeated = last.withLock { previous in
                    defer { previous = event }
                    return previous == event
                }
                if !repeated { return event }
            }
            return nil
        }
    }

    /// Writes `text` with one open, write and close (one IN_CLOSE_WRITE, with the whole text):
    /// Foundation's non-atomic write closes the file more than once, once while it is empty.
    func write(_ text: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(descriptor >= 0)
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    /// Writes `text` beside `path` and renames it over `path` (IN_MOVED_TO).
    func move(_ text: String, to path: String) {
        write(text, to: path + ".new")
        rename(path + ".new", path)
    }

    func trackFile(_ name: String, _ path: String) -> TrackFile {
        var file = TrackFile(name: name, location: SourceLocation(file: "test.conf", line: 1))
        file.file = path
        return file
    }

    @Test func reportsWritesMovesAndRemovals() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfw-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/value"
        try "3\n".write(toFile: path, atomically: false, encoding: .utf8)
        let files = [trackFile("tf", path), trackFile("lost", "/nonexistent-\(UUID().uuidString)/value")]

        #expect(TrackFileWatcher.readAll(files).values == ["tf": 3, "lost": 0])
        var problems: [TrackFileWatcher.Event] = []
        let watcher = try TrackFileWatcher(files: files) { problems.append($0) }
        #expect(problems == [.unwatchable(line: "Track file directory for lost does not exist - removing")])
        let inbox = Inbox()
        watcher.start(on: DispatchQueue(label: "tfw-test")) { inbox.put($0) }
        defer { watcher.cancel() }

        write("7\n", to: path)
        #expect(inbox.next() == .value(name: "tf", value: 7))
        // Written elsewhere and moved in: read again.
        move("0x10", to: path)
        #expect(inbox.next() == .value(name: "tf", value: 16))
        write("99999999999", to: path)
        #expect(inbox.next() == .invalid(line: "Invalid number 99999999999 read from \(path) - ignoring"))
        try FileManager.default.removeItem(atPath: path)
        #expect(inbox.next() == .value(name: "tf", value: 0))
        // Other files in the directory are not reported.
        write("5", to: directory + "/other")
        write("2", to: path)
        #expect(inbox.next() == .value(name: "tf", value: 2))
    }

    @Test func initFileCreatesAMissingFileAndOverwritesOnlyAtStart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfi-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var file = trackFile("tf", directory + "/value")
        file.initFile = TrackFileInit(value: 4, overwrite: false)
        #expect(file.writeInitialValue(reloading: false) == nil)
        #expect(TrackFileValue.read(path: file.file) == .value(4))
        try "9".write(toFile: file.file, atomically: false, encoding: .utf8)
        #expect(file.writeInitialValue(reloading: false) == nil)
        #expect(TrackFileValue.read(path: file.file) == .value(9))
        file.initFile = TrackFileInit(value: 4, overwrite: true)
        #expect(file.writeInitialValue(reloading: true) == nil)
        #expect(TrackFileValue.read(path: file.file) == .value(9))
        #expect(file.writeInitialValue(reloading: false) == nil)
        #expect(TrackFileValue.read(path: file.file) == .value(4))
        var onDirectory = trackFile("dir", directory)
        onDirectory.initFile = TrackFileInit(value: 1, overwrite: true)
        #expect(onDirectory.writeInitialValue(reloading: false) == "Cannot initialise track file dir - it is not a regular file")
    }
}
