import ConfParser
import NIOPosix
import Testing
@testable import HealthCheck

#if canImport(Glibc)
import Glibc
#endif

@Suite("ProbeMisc")
struct ProbeMiscTests {
    static let service = "[127.0.0.1]:tcp:80 VS [10.0.0.1]:tcp:80"

    /// Writes an executable /bin/sh script into a fresh directory under /tmp.
    func script(_ body: String) -> String {
        var template = Array("/tmp/probe-misc-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        chmod(directory, 0o755)
        let path = "\(directory)/check.sh"
        let file = fopen(path, "w")!
        fputs("#!/bin/sh\n\(body)\n", file)
        fclose(file)
        chmod(path, 0o755)
        return path
    }

    func probe(_ path: String, dynamic: Bool = false, timeout: Double = 10, identity: ProbeProcessIdentity? = nil) -> MiscProbe {
        MiscProbe(arguments: [path], identity: identity, timeout: timeout, dynamic: dynamic, configuredWeight: 7, service: Self.service)
    }

    @Test func exitZeroSucceeds() async {
        let path = script("exit 0")
        let result = await probe(path).run()
        #expect(result == .success("Misc check for [\(Self.service)] by [\(path)] succeeded."))
    }

    @Test func exitOneFails() async {
        let path = script("exit 1")
        let result = await probe(path).run()
        #expect(result == .failure("Misc check for [\(Self.service)] by [\(path)] failed (exited with status 1)."))
    }

    @Test func dynamicExitSetsWeight() async {
        let path = script("exit 5")
        #expect(await probe(path, dynamic: true).run() == .success("Misc check for [\(Self.service)] by [\(path)] succeeded.", dynamicWeight: 3))
        #expect(await probe(path, dynamic: false).run() == .failure("Misc check for [\(Self.service)] by [\(path)] failed (exited with status 5)."))
    }

    @Test func dynamicExitZeroRestoresConfiguredWeight() async {
        let result = await probe(script("exit 0"), dynamic: true).run()
        #expect(result.succeeded && result.dynamicWeight == 7)
    }

    @Test func dynamicExitOneStillFails() async {
        #expect(await !probe(script("exit 1"), dynamic: true).run().succeeded)
    }

    @Test func hangingScriptIsKilledAtTheTimeout() async {
        let path = script("sleep 30")
        let start = probeNow()
        let result = await probe(path, timeout: 0.5).run()
        #expect(result == .failure("Misc check for [\(Self.service)] by [\(path)] timed out."))
        #expect(probeNow() - start < 20, "well before the script's own 30 s (a wide bound: a busy test pool stretches it)")
    }

    @Test func scriptIgnoringSigtermIsKilled() async {
        let path = script("trap '' TERM\nwhile :; do sleep 1; done")
        let start = probeNow()
        let result = await probe(path, timeout: 0.5).run()
        #expect(result == .failure("Misc check for [\(Self.service)] by [\(path)] timed out."))
        #expect(probeNow() - start < 25, "the script never ends by itself (a wide bound: a busy test pool stretches it)")
    }

    @Test func missingProgramFails() async {
        let result = await probe("/nonexistent/check").run()
        #expect(!result.succeeded)
    }

    @Test func argumentsAreSplitLikeKeepalived() {
        #expect(MiscProbe.splitCommandLine("/bin/sh -c 'exit 3'") == ["/bin/sh", "-c", "exit 3"])
        #expect(MiscProbe.splitCommandLine("  /usr/bin/check \"a b\" c\\ d ") == ["/usr/bin/check", "a b", "c d"])
        #expect(MiscProbe.splitCommandLine("/bin/true ''") == ["/bin/true", ""])
    }

    @Test func commandLineWithArgumentsRuns() async {
        let result = await MiscProbe(arguments: MiscProbe.splitCommandLine("/bin/sh -c 'exit 4'"), identity: nil, timeout: 5,
                                     dynamic: true, configuredWeight: 1, service: Self.service).run()
        #expect(result.dynamicWeight == 2)
    }

    /// Needs root (to switch user): the script runs as `nobody`.
    @Test(.enabled(if: geteuid() == 0)) func runsAsTheScriptUser() async throws {
        let path = script("id -u > \"$(dirname \"$0\")/uid\"")
        let directory = String(path.dropLast("/check.sh".count))
        chmod(directory, 0o777)
        let nobody = try #require(ProbeProcessIdentity.lookup(user: "nobody", group: nil))
        let result = await probe(path, identity: nobody).run()
        #expect(result.succeeded)
        let file = fopen("\(directory)/uid", "r")
        var line = [CChar](repeating: 0, count: 32)
        if let file { _ = fgets(&line, 32, file); fclose(file) }
        let text = String(decoding: line.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(Int(text.trimmingSpaces) == Int(nobody.uid))
    }

    @Test func unknownUserNeverRuns() async throws {
        let marker = script("exit 0")
        var script = LVSScript(command: marker, user: "probe-no-such-user", location: SourceLocation(file: "test", line: 1))
        #expect(throws: MiscProbe.UnknownUser(name: "probe-no-such-user")) {
            try MiscProbe.resolveIdentity(script: script, globals: GlobalDefs()).get()
        }
        script.user = nil
        #expect(throws: Never.self) { try MiscProbe.resolveIdentity(script: script, globals: GlobalDefs()).get() }
        let probe = MiscProbe(arguments: [marker], identity: nil, unknownUser: "probe-no-such-user", timeout: 5, dynamic: false,
                              configuredWeight: 1, service: Self.service)
        #expect(await probe.run() == .failure("Misc check for [\(Self.service)] by [\(marker)] failed (unknown user probe-no-such-user)."))
    }

    @Test func factoryUsesGlobalScriptUserAndVirtualServerDelayLoop() throws {
        let text = """
        global_defs {
            script_user nobody
        }
        virtual_server 10.0.0.1 80 {
            protocol TCP
            delay_loop 9
            real_server 127.0.0.1 80 {
                weight 4
                MISC_CHECK {
                    misc_path "/bin/sh -c 'exit 0'"
                    misc_dynamic
                }
            }
        }
        """
        let config = ConfigLoader.load(text: text).config
        let vs = try #require(config.virtualServers.first)
        let rs = try #require(vs.realServers.first)
        let checker = try #require(rs.checkers.first)
        let probe = try #require(ProbeFactory.make(checker: checker, realServer: rs, virtualServer: vs, globals: config.globalDefs,
                                                   eventLoopGroup: MultiThreadedEventLoopGroup.singleton) as? MiscProbe)
        #expect(probe.arguments == ["/bin/sh", "-c", "exit 0"])
        #expect(probe.timeout == 9)
        #expect(probe.dynamic && probe.configuredWeight == 4)
        #expect(probe.identity == ProbeProcessIdentity.lookup(user: "nobody", group: nil))
        #expect(probe.service == Self.service)
    }
}

fileprivate extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\n" }).reversed().drop(while: { $0 == " " || $0 == "\n" }).reversed())
    }
}
