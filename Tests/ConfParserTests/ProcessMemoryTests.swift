import Foundation
import KeepalivedCLI
import Testing

@Suite("The daemon's memory settings")
struct ProcessMemoryTests {
    @Test("after configure() the kernel gives the process no transparent huge pages")
    func noTransparentHugePages() throws {
        ProcessMemory.configure()
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("THP_enabled:") },
                                "the kernel reports THP_enabled (Linux 5.0 and later)")
        #expect(line.split(separator: "\t").last.map(String.init)?.trimmingCharacters(in: .whitespaces) == "0", "\(line)")
        ProcessMemory.returnFreedPages()
    }
}
