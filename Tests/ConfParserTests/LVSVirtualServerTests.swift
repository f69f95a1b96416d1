import Foundation
import Testing
@testable import ConfParser

/// Helpers shared by the LVS test suites.
enum LVSTest {
    /// A TCP_CHECK body with every connection and timing keyword (`connect_ip` on its first line).
    static let everyConnectionKeyword = """
        connect_ip 10.0.0.3
        connect_port 8080
        bindto 10.0.0.1
        bind_port 1000
        bind_if eth0
        fwmark 5
        connect_timeout 2
        alpha
        retry 0
        delay_before_retry 4
        warmup 0
        delay_loop 7
        log_all_failures off
        """

    /// A virtual server with protocol, scheduler and forwarding set, so completion adds nothing;
    /// `body` goes after those three lines (line 5 onwards) and before the closing brace.
    static func service(_ body: String, header: String = "virtual_server 10.0.0.1 80") -> String {
        "\(header) {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n\(body)\n}\n"
    }

    /// A service with one real server whose block holds `body` (from line 6 on).
    static func realServer(_ body: String, address: String = "10.0.0.2 80") -> String {
        service("  real_server \(address) {\n\(body)\n  }")
    }

    static func load(_ text: String) -> LoadResult {
        ConfigLoader.load(text: text)
    }

    /// Diagnostics at `.note` or above as "LINE:severity:message" (line 0 when none).
    static func messages(_ result: LoadResult) -> [String] {
        result.diagnostics.items.map { "\($0.location?.line ?? 0):\($0.severity):\($0.message)" }
    }

    /// Only the diagnostics that change the verdict.
    static func problems(_ result: LoadResult) -> [String] {
        messages(result).filter { !$0.contains(":note:") }
    }
}

@Suite struct LVSVirtualServerTests {
    @Test func everyServiceKeywordIsTyped() throws {
        let text = """
        virtual_server 10.0.0.1 80 {
          delay_loop 6.5
          lvs_sched sh
          sh-port
          sh-fallback
          flag-3
          lvs_method TUN type gue port 6080 remcsum
          persistence_timeout 600
          persistence_granularity 255.255.255.0
          persistence_engine sip
          protocol sctp
          ha_suspend
          alpha
          omega
          quorum 2
          hysteresis 1
          quorum_up "/usr/bin/up arg" nobody nogroup
          quorum_down /usr/bin/down
          virtualhost www.example.com
          smtp_alert off
          ip_family inet
          snmp_name web
          weight 7
          inhibit_on_failure
          connect_timeout 2.5
          retry 4
          delay_before_retry 0
          warmup 3
          sorry_server 10.0.0.9 80
          sorry_server_inhibit
          sorry_server_lvs_method NAT
          real_server 10.0.0.2 80 {
            weight 3
          }
        }
        """
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [])
        let vs = try #require(result.config.virtualServers.first)
        #expect(vs.address == .address(IPAddress("10.0.0.1")!, port: 80))
        #expect(vs.delayLoop == 6.5)
        #expect(vs.$delayLoop.location?.line == 2)
        #expect(vs.scheduler == .sh)
        #expect(vs.schedulerFlags == [.flag1, .flag2, .flag3])
        #expect(vs.forwarding == ForwardingMethod(kind: .tun, tunnelType: .gue, tunnelPort: 6080, tunnelChecksum: .remcsum))
        #expect(vs.persistenceTimeout == 600)
        #expect(vs.persistenceGranularity == .netmask(IPAddress("255.255.255.0")!))
        #expect(vs.persistenceEngine == "sip")
        #expect(vs.protocol == .sctp)
        #expect(vs.haSuspend && vs.alpha && vs.omega && vs.inhibitOnFailure)
        #expect(vs.quorum == 2 && vs.hysteresis == 1)
        #expect(vs.quorumUp == LVSScript(command: "/usr/bin/up arg", user: "nobody", group: "nogroup",
                                         location: SourceLocation(file: "keepalived.conf", line: 17)))
        #expect(vs.quorumDown?.command == "/usr/bin/down")
        #expect(vs.virtualhost == "www.example.com")
        #expect(vs.smtpAlert == false)
        #expect(vs.ipFamily == .inet)
        #expect(vs.snmpName == "web")
        #expect(vs.weight == 7)
        #expect(vs.connectTimeout == 2.5 && vs.retry == 4 && vs.delayBeforeRetry == 0 && vs.warmup == 3)
        let sorry = try #require(vs.sorryServer)
        #expect(sorry.address == IPAddress("10.0.0.9")! && sorry.port == 80 && sorry.inhibit)
        #expect(sorry.forwarding == .nat && sorry.$forwarding.location?.line == 31)
        #expect(vs.displayName == "[10.0.0.1]:sctp:80")
        #expect(result.scripts.map(\.name) == ["/usr/bin/up arg", "/usr/bin/down"])
        #expect(result.scripts.map(\.what) == ["quorum_up", "quorum_down"])
    }

    @Test func headerForms() throws {
        let text = LVSTest.service("  real_server 10.0.0.2 {\n  }", header: "virtual_server fwmark 12")
            + LVSTest.service("  real_server 2001:db8::2 443 {\n  }", header: "virtual_server 2001:db8::1 443")
        let result = LVSTest.load(text)
        #expect(result.config.virtualServers.map(\.address) == [.fwmark(12), .address(IPAddress("2001:db8::1")!, port: 443)])
        #expect(result.config.virtualServers.map(\.displayName) == ["FWM 12", "[2001:db8::1]:tcp:443"])
    }

    @Test func badHeadersSkipTheWholeBlock() {
        for (header, message) in [
            ("virtual_server 10.0.0.x 80", "Invalid virtual server IP address/port 10.0.0.x/80 - skipping"),
            ("virtual_server 10.0.0.1 70000", "Invalid virtual server IP address/port 10.0.0.1/70000 - skipping"),
            ("virtual_server fwmark abc", "virtual server fwmark 'abc' must be in [0, 4294967295] - ignoring"),
        ] {
            let result = LVSTest.load(LVSTest.service("  real_server 10.0.0.2 80 {\n  }\n  foo", header: header))
            #expect(result.config.virtualServers.isEmpty)
            let problems = LVSTest.problems(result)
            #expect(problems.contains("1:error:\(message)"), "\(problems)")
            #expect(!problems.contains { $0.contains("Unknown keyword") })
        }
    }

    @Test func aliasesAndPersistenceWithoutValue() throws {
        let text = "virtual_server 10.0.0.1 80 {\n protocol udp\n lb_algo wrr\n lb_kind DR\n persistence_timeout\n real_server 10.0.0.2 80 {\n }\n}"
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [])
        let vs = try #require(result.config.virtualServers.first)
        #expect(vs.scheduler == .wrr && vs.forwarding == .dr && vs.protocol == .udp)
        #expect(vs.persistenceTimeout == 360 && vs.$persistenceTimeout.location?.line == 5)
    }

    @Test func everySchedulerIsAccepted() {
        for scheduler in LVSScheduler.allCases {
            let result = LVSTest.load("virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_kind NAT\n lb_algo \(scheduler.rawValue)\n real_server 10.0.0.2 80 {\n }\n}")
            #expect(result.config.virtualServers.first?.scheduler == scheduler)
            #expect(LVSTest.problems(result) == [])
        }
    }

    @Test func badValuesAreErrorsAndKeepTheDefault() throws {
        let cases: [(String, String)] = [
            ("delay_loop 0", "5:error:number '0' outside range [0.000001, 18446744073709.551614]"),
            ("delay_loop abc", "5:error:invalid number 'abc'"),
            ("persistence_timeout 0", "5:error:number '0' outside range [1, 2678400]"),
            ("persistence_granularity abc", "5:error:Invalid IPv4 persistence_granularity specified - abc"),
            ("quorum 0", "5:error:number '0' outside range [1, 4294967295]"),
            ("hysteresis -1", "5:error:number '-1' outside range [0, 4294967295]"),
            ("virtualhost", "5:error:virtual server virtualhost missing"),
            ("smtp_alert maybe", "5:error:smtp_alert: invalid boolean 'maybe' - expected on|off|true|false|yes|no"),
            ("ip_family ipx", "5:error:unknown address family ipx"),
            ("ip_family inet6", "5:error:Virtual server specified family inet6 conflicts with server family"),
            ("weight 0", "5:error:number '0' outside range [1, 2147483647]"),
            ("retry 0", "5:error:number '0' outside range [1, 4294967295]"),
            ("connect_timeout 0", "5:error:number '0' outside range [0.000001, 4294.967295]"),
            ("sorry_server 10.0.0.x 80", "5:error:Invalid sorry server IP address 10.0.0.x - skipping"),
            ("sorry_server_inhibit", "5:error:Ignoring sorry_server inhibit used before or without sorry_server"),
            ("sorry_server_lvs_method DR", "5:error:sorry_server forwarding used without sorry_server"),
            ("hashed", "5:error:hashed only applies to sh scheduler - ignoring"),
            ("mh-port", "5:error:mh-port only applies to sh scheduler - ignoring"),
            ("snmp_name a b", "5:error:virtual server snmp_name missing or extra parameters"),
            ("frobnicate", "5:warning:Unknown keyword 'frobnicate'"),
        ]
        for (line, expected) in cases {
            let result = LVSTest.load(LVSTest.service("\(line)\n  real_server 10.0.0.2 80 {\n  }"))
            #expect(LVSTest.problems(result) == [expected], "\(line)")
            let vs = try #require(result.config.virtualServers.first)
            #expect(vs.delayLoop == 60 && vs.quorum == 1 && vs.hysteresis == 0 && vs.sorryServer == nil && vs.schedulerFlags.isEmpty)
        }
    }

    @Test func schedulerAndProtocolMistakes() throws {
        let text = "virtual_server 10.0.0.1 80 {\n protocol FOO\n lb_algo RR\n lb_kind nat\n real_server 10.0.0.2 80 {\n }\n}"
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [
            "2:error:Unknown protocol FOO - ignoring",
            "3:error:Invalid lvs_scheduler 'RR' - ignoring",
            "4:error:PARSER : unknown [nat] routing method for virtual server.",
            "1:warning:Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP",
            "1:warning:Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default 'wlc'",
            "1:warning:Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT",
        ])
        let vs = try #require(result.config.virtualServers.first)
        #expect(vs.protocol == .udp && vs.scheduler == .wlc && vs.forwarding == .nat)
        #expect(vs.$scheduler.location == nil)
    }

    @Test func hashFlagsNeedTheShOrMhSchedulerFirst() throws {
        let late = LVSTest.load("virtual_server 10.0.0.1 80 {\n sh-port\n lb_algo sh\n protocol TCP\n lb_kind NAT\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.problems(late) == ["2:error:sh-port only applies to sh scheduler - ignoring"])
        let mh = LVSTest.load("virtual_server 10.0.0.1 80 {\n lb_algo mh\n mh-port\n mh-fallback\n hashed\n protocol TCP\n lb_kind NAT\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.problems(mh) == [])
        let vs = try #require(mh.config.virtualServers.first)
        #expect(vs.schedulerFlags == [.flag1, .flag2] && vs.hashed)
    }

    @Test func tunnelOptions() {
        let cases: [(String, ForwardingMethod, String?)] = [
            ("TUN", ForwardingMethod(kind: .tun, tunnelType: .ipip), nil),
            ("TUN type gre nocsum", ForwardingMethod(kind: .tun, tunnelType: .gre, tunnelChecksum: .nocsum), nil),
            ("TUN type gue port 5555", ForwardingMethod(kind: .tun, tunnelType: .gue, tunnelPort: 5555), nil),
            ("TUN type ipip csum", ForwardingMethod(kind: .tun, tunnelType: .ipip), "ipip tunnels do not support checksum option."),
            ("TUN type gre remcsum", ForwardingMethod(kind: .tun, tunnelType: .gre), "gre tunnels do not support remote checksum option."),
            ("TUN type gue", ForwardingMethod(kind: .tun, tunnelType: .gue), "gue tunnels require port, otherwise cannot have port."),
            ("TUN type foo", ForwardingMethod(kind: .tun), "Unknown tunnel type foo for virtual server."),
            ("TUN type", ForwardingMethod(kind: .tun), "Missing tunnel type for virtual server."),
            ("TUN foo", ForwardingMethod(kind: .tun), "Invalid tunnel option foo for virtual server."),
        ]
        for (words, method, error) in cases {
            let text = "virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind \(words)\n real_server 10.0.0.2 80 {\n }\n}"
            let result = LVSTest.load(text)
            #expect(result.config.virtualServers.first?.forwarding == method, "\(words)")
            #expect(LVSTest.problems(result).first == error.map { "4:error:\($0)" }, "\(words)")
        }
    }

    @Test func ipv6PersistenceGranularityIsAPrefixLength() throws {
        let ok = LVSTest.load(LVSTest.service("persistence_timeout 5\npersistence_granularity 64\nreal_server 2001:db8::2 80 {\n}",
                                              header: "virtual_server 2001:db8::1 80"))
        #expect(LVSTest.problems(ok) == [])
        #expect(ok.config.virtualServers.first?.persistenceGranularity == .prefixLength(64))
        let bad = LVSTest.load(LVSTest.service("persistence_granularity 129\nreal_server 2001:db8::2 80 {\n}",
                                               header: "virtual_server 2001:db8::1 80"))
        #expect(LVSTest.problems(bad) == ["5:error:Invalid IPv6 persistence_granularity specified - 129"])
    }

    @Test func quorumScriptTwiceKeepsTheFirst() throws {
        let result = LVSTest.load(LVSTest.service("quorum_up /bin/a\nquorum_up /bin/b\nreal_server 10.0.0.2 80 {\n}"))
        #expect(LVSTest.problems(result) == ["6:error:([10.0.0.1]:tcp:80) quorum_up script already specified - ignoring /bin/b"])
        #expect(result.config.virtualServers.first?.quorumUp?.command == "/bin/a")
    }

    @Test func sorryServerOfTheOtherFamilyIsSkippedUnlessTunnelled() throws {
        let skipped = LVSTest.load(LVSTest.service("sorry_server 2001::1 80\nreal_server 10.0.0.2 80 {\n}"))
        #expect(LVSTest.problems(skipped) == ["5:error:Address family of virtual server and sorry server 2001::1 don't match - skipping sorry server."])
        #expect(skipped.config.virtualServers.first?.sorryServer == nil)
        let tunnelled = LVSTest.load(LVSTest.service("sorry_server 2001::1 80\nsorry_server_lvs_method TUN\nreal_server 10.0.0.2 80 {\n}"))
        #expect(LVSTest.problems(tunnelled) == [])
        #expect(tunnelled.config.virtualServers.first?.sorryServer?.forwarding.kind == .tun)
    }

    @Test func formatterPrintsLikeKeepalived() {
        #expect(LVSFormat.service(IPAddress("192.168.1.1")!, .tcp, 80) == "[192.168.1.1]:tcp:80")
        #expect(LVSFormat.service(IPAddress("2001:db8::1")!, .sctp, 5060) == "[2001:db8::1]:sctp:5060")
        #expect(LVSFormat.service(IPAddress("10.0.0.1")!, nil, 0) == "[10.0.0.1]:none:0")
        #expect(LVSFormat.fwmark(7) == "FWM 7")
        #expect(LVSFormat.group("VSG_1") == "[VSG_1]:0")
    }

    @Test func dumpsAsPlainJSON() throws {
        let text = LVSTest.service("lvs_method TUN type gre csum\nsh-port\npersistence_granularity 255.255.0.0\nreal_server 10.0.0.2 80 {\nHTTP_GET {\nurl {\npath /\n}\n}\n}",
                                   header: "virtual_server 10.0.0.1 80")
        let result = LVSTest.load(text)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(result.config.virtualServers), as: UTF8.self)
        for fragment in [#""address":"10.0.0.1 80""#, #""forwarding":{"kind":"TUN","tunnelChecksum":"csum","tunnelType":"gre"}"#,
                         #""persistenceGranularity":"255.255.0.0""#, #""protocol":"TCP""#, #""scheduler":"rr""#,
                         #""statusCodes":[[200,299]]"#, #""kind":"HTTP_GET""#, #""location":"keepalived.conf:1""#] {
            #expect(json.contains(fragment), "\(fragment)")
        }
    }

    @Test func manyServicesLoadWithoutRemarks() throws {
        var text = "virtual_server_group G {\n  10.1.0.1-100 80\n}\n"
        for service in 0..<50 {
            text += "virtual_server 10.0.\(service).1 80 {\n  protocol TCP\n  lb_algo wrr\n  lb_kind DR\n"
            for server in 1...20 {
                text += "  real_server 172.16.\(service).\(server) 80 {\n    weight \(server)\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n"
            }
            text += "}\n"
        }
        text += "virtual_server group G {\n  protocol UDP\n  lb_algo rr\n  lb_kind NAT\n  real_server 172.17.0.1 53 {\n  }\n}\n"
        let result = LVSTest.load(text)
        #expect(LVSTest.messages(result) == [])
        #expect(result.config.virtualServers.count == 51)
        #expect(result.config.virtualServers.dropLast().allSatisfy { $0.realServers.count == 20 && $0.quorum == 1 })
        #expect(result.config.virtualServers[49].realServers[19].checkers[0].connectIP == IPAddress("172.16.49.20"))
        #expect(result.config.virtualServerGroups.first?.expandedEndpoints().count == 100)
    }

    @Test func sslBlock() throws {
        let result = LVSTest.load("SSL {\n password secret\n ca /etc/ca.pem\n certificate /etc/c.pem\n key /etc/k.pem\n key /etc/k2.pem\n ca\n foo\n}\nSSL {\n}\n")
        #expect(LVSTest.problems(result) == [
            "6:error:SSL key already specified - replacing",
            "7:error:SSL ca missing",
            "8:warning:Unknown keyword 'foo'",
            "10:error:SSL context already specified - replacing",
        ])
        #expect(result.config.ssl?.isAutoGenerated == true)
        let first = LVSTest.load("SSL {\n password secret\n ca /etc/ca.pem\n certificate /etc/c.pem\n key /etc/k.pem\n}")
        let ssl = try #require(first.config.ssl)
        #expect(ssl.password == "secret" && ssl.ca == "/etc/ca.pem" && ssl.certificate == "/etc/c.pem" && ssl.key == "/etc/k.pem")
        #expect(ssl.$key.location?.line == 5 && !ssl.isAutoGenerated)
    }
}
