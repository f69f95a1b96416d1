import Foundation
import Testing
@testable import DaemonSupport

#if canImport(Glibc)
import Glibc
#endif

/// The checker's open-file limit (`DescriptorLimit`).
@Suite("Open-file limit", .serialized)
struct DescriptorLimitTests {
    @Test func aCheckerNeedsItsDescriptorsBesidesTheProcesssOwn() {
        #expect(DescriptorLimit.required(checkers: 0, idleSockets: 0) == DescriptorLimit.baseDescriptors)
        #expect(DescriptorLimit.required(checkers: 10_000, idleSockets: 512) == DescriptorLimit.baseDescriptors + 20_000 + 512)
        #expect(DescriptorLimit.required(checkers: -1, idleSockets: -1) == DescriptorLimit.baseDescriptors)
    }

    /// The process's own limit is lowered for the test, raised back by `raise`, and never lowered by it.
    @Test func raisesTheSoftLimitAndNeverLowersIt() throws {
        let (soft, hard) = DescriptorLimit.current()
        try #require(soft > 200 && soft < Int(Int32.max), "a finite soft limit above 200 (\(soft))")
        var lowered = rlimit(rlim_cur: rlim_t(soft - 100), rlim_max: rlim_t(hard))
        try #require(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered) == 0)
        defer {
            var restored = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &restored)
        }
        #expect(DescriptorLimit.raise(to: soft - 50) == .success(soft - 50))
        #expect(DescriptorLimit.current().soft == soft - 50)
        #expect(DescriptorLimit.raise(to: soft - 150) == .success(soft - 50), "a lower count changes nothing")
        #expect(DescriptorLimit.current() == (soft - 50, hard))
    }

    /// Past the hard limit, a process with CAP_SYS_RESOURCE raises both; another is refused and
    /// gets the soft limit raised to its hard one.
    @Test func pastTheHardLimitOnlyCapSysResourceRaisesBoth() throws {
        let (soft, hard) = DescriptorLimit.current()
        let ceiling = Int(try String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        try #require(hard < ceiling && soft > 200, "the hard limit (\(hard)) is below fs.nr_open (\(ceiling))")
        var lowered = rlimit(rlim_cur: rlim_t(soft - 100), rlim_max: rlim_t(hard))
        try #require(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered) == 0)
        defer {
            var restored = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &restored)
        }
        let result = DescriptorLimit.raise(to: hard + 1)
        if try Self.hasCapSysResource() {
            #expect(result == .success(hard + 1))
            #expect(DescriptorLimit.current() == (hard + 1, hard + 1))
        } else {
            #expect(result == .failure(DescriptorLimitError(code: EPERM)))
            #expect(DescriptorLimit.current() == (hard, hard), "raised as far as the hard limit allows")
        }
    }

    /// CAP_SYS_RESOURCE (bit 24) in this process's effective capabilities.
    static func hasCapSysResource() throws -> Bool {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("CapEff:") })
        let mask = try #require(UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16))
        return mask & (1 << 24) != 0
    }
}
