import ArgumentParser
import DaemonSupport
import Foundation

/// `keepalivedd status [--json] [--socket PATH]`: asks the running daemon for its VRRP instances
/// and virtual servers over the root-only status socket.
public struct StatusCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running daemon's VRRP instances and virtual servers."
    )

    @Flag(name: .customLong("json"), help: "Print the report as JSON.")
    public var json = false
    @Option(name: .customLong("socket"), help: ArgumentHelp("The daemon's status socket.", valueName: "path"))
    public var socketPath: String = StatusServer.defaultSocketPath

    public init() {}

    public func run() throws {
        do {
            print(try output(), terminator: "")
        } catch {
            FileHandle.standardError.write(Data("keepalivedd status: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// What the command prints: the report as text or JSON.
    public func output() throws -> String {
        let report = try StatusClient.fetch(socketPath: socketPath)
        return json ? try report.jsonText() + "\n" : StatusTextRenderer.render(report)
    }
}
