import ConfParser
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import HealthCheck

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

        /// The next event that is not a repeat of the one before (a write may close the file more
        /// than once; the core ignores a value it already has), or nil after 5 s.
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

        try "7\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(inbox.next() == .value(name: "tf", value: 7))
        // Written elsewhere and moved in (what `atomically` does): read again.
        try "0x10".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(inbox.next() == .value(name: "tf", value: 16))
        try "99999999999".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(inbox.next() == .invalid(line: "Invalid number 99999999999 read from \(path) - ignoring"))
        try FileManager.default.removeItem(atPath: path)
        #expect(inbox.next() == .value(name: "tf", value: 0))
        // Other files in the directory are not reported.
        try "5".write(toFile: directory + "/other", atomically: false, encoding: .utf8)
        try "2".write(toFile: path, atomically: false, encoding: .utf8)
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
