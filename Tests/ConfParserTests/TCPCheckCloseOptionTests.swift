import ArgumentParser
import ConfParser
import HealthCheck
@testable import KeepalivedCLI
import Testing

@Suite("--tcp-check-close")
struct TCPCheckCloseOptionTests {
    private let options = ParseOptions(configID: "test")

    @Test("TCP_CHECK ends its connections with a RST unless told 'fin'")
    func resetByDefaultFinWhenAsked() throws {
        let plain = try #require(try KeepalivedCommand.parseAsRoot(["-C"]) as? KeepalivedCommand)
        #expect(plain.checkerSettings(options: options).tcpCheckClose == .reset)
        let fin = try #require(try KeepalivedCommand.parseAsRoot(["-C", "--tcp-check-close", "fin"]) as? KeepalivedCommand)
        #expect(fin.checkerSettings(options: options).tcpCheckClose == .fin)
        let reset = try #require(try KeepalivedCommand.parseAsRoot(["--tcp-check-close=reset"]) as? KeepalivedCommand)
        #expect(reset.checkerSettings(options: options).tcpCheckClose == .reset)
    }

    @Test("another value is refused with what it takes")
    func otherValuesAreRefused() {
        let error = #expect(throws: (any Error).self) { try KeepalivedCommand.parseAsRoot(["--tcp-check-close", "rst"]) }
        #expect(KeepalivedCommand.message(for: error!).contains("--tcp-check-close takes 'reset' or 'fin', not 'rst'"))
    }
}
