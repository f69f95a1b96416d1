import Foundation
import KeepalivedCLI
import Testing

/// The `status` subcommand next to keepalived's own flags on the root command.
@Suite("keepalivedd status command line")
struct StatusCommandLineTests {
    @Test("keepalived's flags still parse as the root command")
    func rootStillParses() throws {
        let parsed = try KeepalivedCommand.parseAsRoot(["-f", "x.conf", "-t"])
        let root = try #require(parsed as? KeepalivedCommand)
        #expect(root.useFile == "x.conf")
        #expect(root.configTest)
        let joined = try #require(try KeepalivedCommand.parseAsRoot(["-fx.conf", "-P", "-D"]) as? KeepalivedCommand)
        #expect(joined.useFile == "x.conf")
        #expect(joined.vrrpOnly && joined.logDetail)
    }

    @Test("status takes --json and --socket")
    func statusParses() throws {
        let plain = try #require(try KeepalivedCommand.parseAsRoot(["status"]) as? StatusCommand)
        #expect(!plain.json)
        #expect(plain.socketPath == "/run/keepalivedd.sock")
        let json = try #require(try KeepalivedCommand.parseAsRoot(["status", "--json", "--socket", "/tmp/k.sock"]) as? StatusCommand)
        #expect(json.json)
        #expect(json.socketPath == "/tmp/k.sock")
    }

    @Test("status without a daemon fails with a clear message")
    func statusWithoutDaemon() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kad-none-\(UUID().uuidString).sock").path
        let command = try #require(try KeepalivedCommand.parseAsRoot(["status", "--socket", path]) as? StatusCommand)
        let error = #expect(throws: (any Error).self) { try command.output() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("keepalivedd is not running"))
        #expect(throws: (any Error).self) { try command.run() }
    }
}
