import Testing
@testable import ConfParser

/// The error cases the foundation issue names, each reported with its file and line, and the
/// exit status `keepalivedd -t` gives for them.
@Suite struct DiagnosticsTests {
    /// A host with eth0 only, /bin/true as the only program, and root as the only user.
    struct FakeHost: HostEnvironment {
        func interfaceExists(_ name: String) -> Bool { name == "eth0" || name == "lo" }
        func executableExists(_ program: String) -> Bool { program == "/bin/true" }
        func userExists(_ name: String) -> Bool { name == "root" }
    }

    static let instance = """
    vrrp_instance VI_1 {
        state BACKUP
        interface eth0
        virtual_router_id 51
        priority 100
        virtual_ipaddress {
            10.0.0.1
        }
    }
    """

    func load(_ text: String) -> LoadResult {
        var result = ConfigLoader.load(text: text, name: "/etc/keepalived/keepalived.conf")
        HostChecks.run(&result, host: FakeHost())
        return result
    }

    func firstProblem(_ result: LoadResult) -> Diagnostic? {
        result.diagnostics.items.first { $0.severity >= .warning }
    }

    @Test func cleanConfigExitsZero() {
        let result = load(Self.instance)
        #expect(result.status == .ok, "\(result.diagnostics.items)")
        #expect(result.config.vrrpInstances.first?.virtualRouterID == 51)
        #expect(result.config.vrrpInstances.first?.$virtualRouterID.location?.line == 4)
    }

    @Test(arguments: [
        ("virtual_router_id 51", "virtual_router_id 300", 4, "300"),
        ("priority 100", "priority 256", 5, "256"),
        ("10.0.0.1", "10.0.0.300", 7, "10.0.0.300"),
    ])
    func vrrpValueErrors(original: String, replacement: String, line: Int, quoted: String) throws {
        let result = load(Self.instance.replacingOccurrences(of: original, with: replacement))
        let problem = try #require(firstProblem(result))
        #expect(problem.location?.line == line)
        #expect(problem.description.hasPrefix("(keepalived.conf: Line \(line)) "))
        #expect(problem.message.contains(quoted))
        #expect(result.status == .errors)
    }

    @Test func weightAbcAndUnknownLbKind() throws {
        let result = load("""
        virtual_server 10.0.0.1 80 {
            protocol TCP
            lb_algo rr
            lb_kind FOO
            real_server 10.0.0.2 80 {
                weight abc
            }
        }
        """)
        let messages = result.diagnostics.items.filter { $0.severity >= .warning }
        #expect(messages.contains { $0.location?.line == 4 && $0.message.contains("FOO") })
        #expect(messages.contains { $0.location?.line == 6 && $0.message.contains("abc") })
        #expect(result.status == .errors)
    }

    @Test func missingCloseBrace() throws {
        let result = load(String(Self.instance.dropLast()))
        let problem = try #require(firstProblem(result))
        #expect(problem.location?.line == 1)
        #expect(problem.message.contains("missing '}'"))
        #expect(result.status == .errors)
    }

    @Test func unknownKeywordWarnsAndParsingGoesOn() throws {
        let result = load(Self.instance.replacingOccurrences(of: "priority 100", with: "prioritee 100\n    advert_int 3"))
        let problem = try #require(firstProblem(result))
        #expect(problem.message == "Unknown keyword 'prioritee'")
        #expect(problem.location?.line == 5)
        #expect(result.config.vrrpInstances.first?.advertInterval == 3)
        #expect(result.status == .errors)
    }

    @Test func missingInterfaceIsReported() throws {
        let result = load(Self.instance.replacingOccurrences(of: "interface eth0", with: "interface eth9"))
        #expect(result.diagnostics.items.contains {
            $0.location?.line == 3 && $0.message.contains("eth9") && $0.message.contains("doesn't exist")
        })
        #expect(result.status == .errors)
    }

    @Test func scriptsWithoutScriptSecurity() {
        let notify = Self.instance.replacingOccurrences(of: "priority 100", with: "priority 100\n    notify_master /bin/true")
        let insecure = load(notify)
        #expect(insecure.status == .scriptSecurity)
        #expect(insecure.diagnostics.items.contains { $0.severity == .security && $0.message.contains("SECURITY VIOLATION") })

        let secure = load("global_defs {\n  enable_script_security\n  script_user root\n}\n" + notify)
        #expect(secure.status == .ok, "\(secure.diagnostics.items)")

        // A script that does not exist, or whose user does not exist, never runs: keepalived
        // does not count it.
        #expect(load(notify.replacingOccurrences(of: "/bin/true", with: "/no/such/script")).status == .ok)
        #expect(load(notify.replacingOccurrences(of: "/bin/true", with: "/bin/true nosuchuser")).status == .ok)
        #expect(load(notify.replacingOccurrences(of: "/bin/true", with: "/bin/true root")).status == .scriptSecurity)
    }

    @Test func statusFollowsTheWorstSeverity() {
        var diagnostics = Diagnostics()
        #expect(ConfigTestStatus(diagnostics) == .ok)
        diagnostics.note("n")
        #expect(ConfigTestStatus(diagnostics) == .ok)
        diagnostics.warning("w")
        #expect(ConfigTestStatus(diagnostics) == .errors)
        diagnostics.add(.security, "s", at: nil)
        #expect(ConfigTestStatus(diagnostics) == .scriptSecurity)
        diagnostics.add(.fatal, "f", at: nil)
        #expect(ConfigTestStatus(diagnostics) == .cannotRun)
    }
}
