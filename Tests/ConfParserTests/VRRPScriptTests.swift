import Testing
@testable import ConfParser

@Suite("vrrp_script and track_file")
struct VRRPScriptTests {
    @Test func scriptWithAllKeywords() {
        let result = VRRPTest.load("""
        vrrp_script chk_haproxy {
            script "/usr/bin/killall -0 haproxy"
            interval 2
            timeout 3
            weight -10 reverse
            rise 2
            fall 4
            user nobody nogroup
            init_fail
        }
        """)
        #expect(result.diagnostics.items.isEmpty)
        guard let script = result.config.vrrpScripts.first else { Issue.record("no script"); return }
        #expect(script.name == "chk_haproxy")
        #expect(script.script == "/usr/bin/killall -0 haproxy")
        #expect(script.interval == 2)
        #expect(script.timeout == 3)
        #expect(script.weight == -10)
        #expect(script.reverse)
        #expect(script.rise == 2)
        #expect(script.fall == 4)
        #expect(script.user == "nobody")
        #expect(script.group == "nogroup")
        #expect(script.initFail)
        #expect(script.$weight.location?.line == 5)
        #expect(result.scripts == [NamedReference(name: "/usr/bin/killall -0 haproxy",
                                                  location: ConfParser.SourceLocation(file: "keepalived.conf", line: 1),
                                                  what: "vrrp_script chk_haproxy")])
    }

    @Test func defaults() {
        let result = VRRPTest.load("vrrp_script chk {\n    script /bin/true\n    interval 7\n}\n")
        let script = result.config.vrrpScripts.first
        #expect(script?.timeout == 7)  // timeout defaults to the interval
        #expect(script?.$timeout.location == nil)
        #expect(script?.weight == 0)
        #expect(script?.rise == 1)
        #expect(script?.fall == 1)
        #expect(script?.initFail == false)
        #expect(script?.user == nil)
    }

    @Test func unquotedWordsFormTheCommand() {
        let result = VRRPTest.load("vrrp_script chk {\n    script /bin/echo a b\n}\n")
        #expect(result.config.vrrpScripts.first?.script == "/bin/echo a b")
    }

    @Test(arguments: [
        ("vrrp_script chk {\n    interval 2\n}\n"),
        ("vrrp_script chk {\n    script \"\"\n}\n"),
    ])
    func scriptWithoutCommandIsRemoved(text: String) {
        let result = VRRPTest.load(text)
        #expect(result.config.vrrpScripts.isEmpty)
        #expect(result.scripts.isEmpty)
        let found = VRRPTest.diagnostic(result, "No script set for vrrp_script chk - removing")
        #expect(found?.severity == .error)
        #expect(found?.location?.line == 1)
    }

    @Test(arguments: [
        ("interval 0", "(chk): vrrp script interval must be greater than 0, setting to 1"),
        ("interval 1.5", "(chk): vrrp script interval '1.5' must be between 1 and 4294 - ignoring"),
        ("interval 5000", "(chk): vrrp script interval '5000' must be between 1 and 4294 - ignoring"),
        ("timeout 0", "(chk): vrrp script timeout must be greater than 0, setting to 1"),
        ("timeout -3", "(chk): vrrp script timeout '-3' invalid - ignoring"),
        ("weight 254", "vrrp_script chk weight 254 must be in [-253, 253]"),
        ("weight 10 frob", "vrrp_script chk unknown weight option frob"),
        ("rise 0", "(chk): vrrp script rise value '0' invalid, defaulting to 1"),
        ("fall abc", "(chk): vrrp script fall value 'abc' invalid, defaulting to 1"),
        ("frob", "Unknown keyword 'frob'"),
    ])
    func badScriptValues(statement: String, message: String) {
        let result = VRRPTest.load("vrrp_script chk {\n    script /bin/true\n    \(statement)\n}\n")
        #expect(VRRPTest.problems(result) == [message])
        #expect(VRRPTest.diagnostic(result, message)?.location?.line == 3)
        #expect(result.config.vrrpScripts.count == 1)
    }

    @Test func zeroIntervalBecomesOne() {
        let result = VRRPTest.load("vrrp_script chk {\n    script /bin/true\n    interval 0\n}\n")
        #expect(result.config.vrrpScripts.first?.interval == 1)
    }

    @Test func trackFile() {
        let result = VRRPTest.load("""
        track_file tf {
            file "/var/run/keepalived/tf"
            weight -5 reverse
            init_file 3 overwrite
        }
        vrrp_track_file tf2 {
            file /tmp/tf2
            init_file
        }
        """)
        #expect(VRRPTest.problems(result).isEmpty)
        let files = result.config.trackFiles
        #expect(files.map(\.name) == ["tf", "tf2"])
        #expect(files[0].file == "/var/run/keepalived/tf")
        #expect(files[0].weight == -5)
        #expect(files[0].reverse)
        #expect(files[0].initFile == TrackFileInit(value: 3, overwrite: true))
        #expect(files[1].weight == 1)
        #expect(files[1].initFile == TrackFileInit(value: 0, overwrite: false))
        #expect(files[1].location.line == 6)
    }

    @Test(arguments: [
        ("weight 2147483648", "Weight (2147483648) for track_file tf must be between [-254..254] inclusive. Ignoring..."),
        ("weight 5 foo", "track_file tf unknown weight option foo"),
        ("init_file abc", "Unknown track file init option abc"),
        ("init_file 3 foo", "Unknown track file init option foo"),
    ])
    func badTrackFileValues(statement: String, message: String) {
        let result = VRRPTest.load("track_file tf {\n    file /tmp/x\n    \(statement)\n}\n")
        #expect(VRRPTest.problems(result) == [message])
        #expect(result.config.trackFiles.count == 1)
    }

    @Test func trackFileWithoutFileIsIgnored() {
        let result = VRRPTest.load("track_file tf {\n    weight 5\n}\n")
        #expect(result.config.trackFiles.isEmpty)
        #expect(VRRPTest.problems(result) == ["No file set for track_file tf - ignoring"])
    }

    @Test func instanceTracksScriptsAndFiles() {
        let result = VRRPTest.load("""
        vrrp_script chk {
            script /bin/true
            weight 10
        }
        track_file tf {
            file /tmp/x
            weight 3
        }
        """ + "\n" + VRRPTest.instance("""
            track_script {
                chk
            }
            track_file {
                tf weight -4 reverse
            }
        """))
        #expect(VRRPTest.problems(result).isEmpty)
        let tracking = result.config.vrrpInstances.first?.tracking
        #expect(tracking?.scripts == [TrackedScript(name: "chk", weight: 10, weightConfigured: false, reverse: false,
                                                    location: ConfParser.SourceLocation(file: "keepalived.conf", line: 16))])
        #expect(tracking?.files.first?.weight == -4)
        #expect(tracking?.files.first?.weightConfigured == true)
        #expect(tracking?.files.first?.reverse == true)
    }

    @Test func tracksMustBeDefinedFirst() {
        let result = VRRPTest.load(VRRPTest.instance("""
            track_script {
                chk
            }
            track_file {
                tf
            }
        """) + "vrrp_script chk {\n    script /bin/true\n}\ntrack_file tf {\n    file /tmp/x\n}\n")
        #expect(VRRPTest.diagnostic(result, "(VI_1) track script chk not found, ignoring...")?.location?.line == 8)
        #expect(VRRPTest.diagnostic(result, "(VI_1) track file tf not found, ignoring...")?.location?.line == 11)
        #expect(result.config.vrrpInstances.first?.tracking.scripts.isEmpty == true)
    }

    @Test func trackOptions() {
        let result = VRRPTest.load("vrrp_script chk {\n    script /bin/true\n}\ntrack_file tf {\n    file /tmp/x\n}\n" + VRRPTest.instance("""
            track_script {
                chk weight 254
                chk weight 5
            }
            track_file {
                tf weight 255
                tf noreverse
            }
            track_interface {
                eth1 weight 10 reverse
                lo weight
                eth2 weight -300
                eth1
                eth3 foo
            }
        """))
        let problems = VRRPTest.problems(result)
        #expect(problems.contains("(VI_1) weight for chk cannot be +/-254. Setting to +/-253"))
        #expect(problems.contains("(VI_1) duplicate track_script chk - ignoring"))
        #expect(problems.contains("(VI_1) weight for track file tf must be in [-254..254] inclusive. Ignoring..."))
        #expect(problems.contains("(VI_1) unknown track file option noreverse - ignoring"))
        #expect(problems.contains("(VI_1) weight without value specified for track_interface lo - ignoring"))
        #expect(problems.contains("(VI_1) weight -300 for eth2 must be between [-253..253] inclusive. Ignoring..."))
        #expect(problems.contains("(VI_1) duplicate track_interface eth1 - ignoring"))
        #expect(problems.contains("(VI_1) unknown track_interface eth3 option foo - ignoring"))
        let tracking = result.config.vrrpInstances.first?.tracking
        #expect(tracking?.scripts.map(\.weight) == [253])
        #expect(tracking?.interfaces.map(\.name) == ["eth1", "lo", "eth2", "eth3"])
        #expect(tracking?.interfaces.first?.weight == 10)
        #expect(tracking?.interfaces.first?.reverse == true)
        #expect(result.interfaces.contains { $0.name == "eth3" && $0.what == "track_interface of vrrp_instance VI_1" })
    }

    @Test func trackProcessNeedsADefinition() {
        let result = VRRPTest.load("vrrp_track_process haproxy {\n    process haproxy\n}\n" + VRRPTest.instance("""
            track_process {
                haproxy weight 5
                nginx
            }
        """))
        #expect(VRRPTest.problems(result) == ["(VI_1) track process nginx not found, ignoring..."])
        #expect(result.config.vrrpInstances.first?.tracking.other.map(\.arguments) == [["haproxy", "weight", "5"]])
    }
}
