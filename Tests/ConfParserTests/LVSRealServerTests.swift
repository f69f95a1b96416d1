import Testing
@testable import ConfParser

@Suite struct LVSRealServerTests {
    @Test func everyRealServerKeywordIsTyped() throws {
        let text = LVSTest.realServer("""
            weight 2147483647
            inhibit_on_failure off
            notify_up "/bin/up x"
            notify_down /bin/down nobody
            uthreshold 100
            lthreshold 10
            lvs_method NAT
            alpha
            retry 3
            delay_before_retry 2
            warmup 1
            connect_timeout 2
            delay_loop 3
            smtp_alert yes
            virtualhost rs.example.com
            snmp_name rs1
        """)
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [])
        let rs = try #require(result.config.virtualServers.first?.realServers.first)
        #expect(rs.address == IPAddress("10.0.0.2")! && rs.port == 80 && rs.$port.location?.line == 5)
        #expect(rs.weight == 2147483647 && rs.$weight.location?.line == 6)
        #expect(rs.inhibitOnFailure == false && rs.$inhibitOnFailure.location?.line == 7)
        #expect(rs.notifyUp?.command == "/bin/up x" && rs.notifyDown?.user == "nobody")
        #expect(rs.upperThreshold == 100 && rs.lowerThreshold == 10)
        #expect(rs.forwarding == .nat && rs.alpha)
        #expect(rs.retry == 3 && rs.delayBeforeRetry == 2 && rs.warmup == 1 && rs.connectTimeout == 2 && rs.delayLoop == 3)
        #expect(rs.smtpAlert == true && rs.virtualhost == "rs.example.com" && rs.snmpName == "rs1")
        #expect(result.scripts.map(\.what) == ["notify_up", "notify_down"])
    }

    @Test func badValues() throws {
        let cases: [(String, String)] = [
            ("weight -1", "6:error:number '-1' outside range [0, 2147483647]"),
            ("weight 2147483648", "6:error:number '2147483648' outside range [0, 2147483647]"),
            ("weight abc", "6:error:invalid number 'abc'"),
            ("inhibit_on_failure foo", "6:error:inhibit_on_failure: invalid boolean 'foo' - expected on|off|true|false|yes|no"),
            ("alpha foo", "6:error:alpha: invalid boolean 'foo' - expected on|off|true|false|yes|no"),
            ("uthreshold -1", "6:error:number '-1' outside range [0, 4294967295]"),
            ("retry 0", "6:error:number '0' outside range [1, 4294967295]"),
            ("connect_timeout 0", "6:error:number '0' outside range [0.000001, 4294.967295]"),
            ("delay_loop 0", "6:error:number '0' outside range [0.000001, 18446744073709.551614]"),
            ("lvs_method FOO", "6:error:PARSER : unknown [FOO] routing method for real server."),
            ("virtualhost", "6:error:real server virtualhost missing"),
            ("snmp_name", "6:error:real server snmp_name missing or extra parameters"),
            ("nb_get_retry 3", "6:warning:Unknown keyword 'nb_get_retry'"),
        ]
        for (line, expected) in cases {
            let result = LVSTest.load(LVSTest.realServer(line))
            #expect(LVSTest.problems(result) == [expected], "\(line)")
            let rs = try #require(result.config.virtualServers.first?.realServers.first)
            #expect(rs.weight == 1 && rs.retry == nil && rs.$forwarding.location?.line == 4)
        }
    }

    @Test func zeroDelaysAreAllowed() {
        let result = LVSTest.load(LVSTest.realServer("delay_before_retry 0\nwarmup 0"))
        #expect(LVSTest.problems(result) == [])
        #expect(result.config.virtualServers.first?.realServers.first?.warmup == 0)
    }

    @Test func badAddressesSkipTheRealServer() {
        let text = LVSTest.service("  real_server 10.0.0.x 80 {\n  }\n  real_server 10.0.0.3 99999 {\n  }\n  real_server 10.0.0.2 80 {\n  }")
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [
            "5:error:Invalid real server ip address/port 10.0.0.x/80 - skipping",
            "7:error:number '99999' outside range [1, 65535]",
            "7:error:Invalid real server ip address/port 10.0.0.3/99999 - skipping",
        ])
        #expect(result.config.virtualServers.first?.realServers.map(\.address) == [IPAddress("10.0.0.2")!])
    }

    @Test func otherFamilyNeedsTunnelling() throws {
        let skipped = LVSTest.load(LVSTest.service("  real_server fe80::1 80 {\n  }\n  real_server 10.0.0.2 80 {\n  }"))
        #expect(LVSTest.problems(skipped) == ["5:error:Address family of virtual server and real server fe80::1 don't match - skipping real server."])
        #expect(skipped.config.virtualServers.first?.realServers.count == 1)

        let tunnelled = LVSTest.load("virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind TUN\n real_server 2001:db8::2 80 {\n }\n}")
        #expect(LVSTest.problems(tunnelled) == [])
        let perServer = LVSTest.load(LVSTest.service("  real_server 2001:db8::2 80 {\n  lvs_method TUN\n  }"))
        #expect(LVSTest.problems(perServer) == [])
        #expect(perServer.config.virtualServers.first?.realServers.first?.forwarding.kind == .tun)
    }

    @Test func realServerWithoutBlock() {
        let result = LVSTest.load(LVSTest.service("  real_server 10.0.0.3 80\n  real_server 10.0.0.2 80 {\n  }"))
        #expect(LVSTest.problems(result) == ["5:error:Missing '{' at beginning of configuration block"])
        #expect(result.config.virtualServers.first?.realServers.count == 1)
    }
}
