import Testing
@testable import ConfParser

@Suite struct LVSCompletionTests {
    @Test func bareServiceGetsKeepalivedsDefaultsAsConfigErrors() throws {
        let result = LVSTest.load("virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n  }\n}\n")
        #expect(LVSTest.problems(result) == [
            "1:warning:Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP",
            "1:warning:Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default 'wlc'",
            "1:warning:Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT",
        ])
        #expect(result.status == .errors)
        let vs = try #require(result.config.virtualServers.first)
        #expect(vs.protocol == .udp && vs.scheduler == .wlc && vs.forwarding == .nat)
        #expect(vs.delayLoop == 60 && vs.quorum == 1 && vs.hysteresis == 0 && vs.persistenceTimeout == nil)
        #expect(vs.$protocol.location == nil && vs.$delayLoop.location == nil)
        let rs = try #require(vs.realServers.first)
        #expect(rs.weight == 1 && rs.forwarding == .nat && !rs.inhibitOnFailure && !rs.alpha)
    }

    @Test func completeServiceIsClean() {
        let result = LVSTest.load(LVSTest.realServer("TCP_CHECK {\n}"))
        #expect(LVSTest.messages(result) == [])
        #expect(result.status == .ok)
    }

    @Test func checkerDefaultsPerType() throws {
        let body = ["TCP_CHECK {\n}", "HTTP_GET {\nurl {\npath /\n}\n}", "SSL_GET {\nurl {\npath /\n}\n}", "MISC_CHECK {\nmisc_path /bin/x\n}",
                    "SMTP_CHECK {\n}", "DNS_CHECK {\n}", "UDP_CHECK {\n}", "PING_CHECK {\n}"].joined(separator: "\n")
        let result = LVSTest.load(LVSTest.service("delay_loop 10\nreal_server 10.0.0.2 80 {\n\(body)\n}"))
        #expect(LVSTest.problems(result) == [])
        let checkers = try #require(result.config.virtualServers.first?.realServers.first?.checkers)
        #expect(checkers.map(\.kind) == [.tcp, .http, .ssl, .misc, .smtp, .dns, .udp, .ping])
        #expect(checkers.map(\.retry) == [1, 1, 1, 0, 1, 3, 1, 1])
        #expect(checkers.map(\.delayBeforeRetry) == [1, 3, 3, 1, 1, 10, 1, 1])
        #expect(checkers.allSatisfy { $0.connectTimeout == 5 && $0.delayLoop == 10 && $0.warmup == 10 && !$0.alpha })
        #expect(checkers.allSatisfy { $0.$retry.location == nil && $0.$delayLoop.location?.line == 5 })
        let connecting = checkers.filter { $0.kind != .misc }
        #expect(connecting.allSatisfy { $0.connectIP == IPAddress("10.0.0.2") && $0.connectPort == 80 })
        #expect(checkers[3].connectIP == nil && checkers[3].misc?.timeout == 10)
        #expect(checkers[1].http?.urls.first?.statusCodes == [200...299])
    }

    @Test func valuesInheritServiceThenRealServerThenChecker() throws {
        let text = LVSTest.service("""
          delay_loop 20
          connect_timeout 7
          retry 5
          delay_before_retry 6
          warmup 4
          alpha
          inhibit_on_failure
          virtualhost vs.example.com
          real_server 10.0.0.2 80 {
            connect_timeout 8
            retry 9
            virtualhost rs.example.com
            TCP_CHECK {
              connect_timeout 1
            }
            HTTP_GET {
              url {
                path /
              }
            }
          }
          real_server 10.0.0.3 80 {
            delay_loop 2
            alpha off
            DNS_CHECK {
            }
            HTTP_GET {
              url {
                path /
              }
            }
          }
        """)
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [])
        let servers = try #require(result.config.virtualServers.first?.realServers)
        let tcp = servers[0].checkers[0]
        #expect(tcp.connectTimeout == 1 && tcp.$connectTimeout.location?.line == 18)
        #expect(tcp.retry == 9 && tcp.$retry.location?.line == 15)
        #expect(tcp.delayBeforeRetry == 6 && tcp.$delayBeforeRetry.location?.line == 8)
        #expect(tcp.warmup == 4 && tcp.delayLoop == 20 && tcp.alpha)
        #expect(servers[0].inhibitOnFailure && servers[0].$inhibitOnFailure.location?.line == 11)
        #expect(servers[0].checkers[1].http?.virtualhost == "rs.example.com")
        #expect(servers[0].checkers[1].http?.urls.first?.virtualhost == "rs.example.com")

        let dns = servers[1].checkers[0]
        #expect(dns.delayLoop == 2 && dns.retry == 5 && dns.connectTimeout == 7 && dns.warmup == 4 && !dns.alpha)
        #expect(servers[1].checkers[1].http?.virtualhost == "vs.example.com")
    }

    @Test func warmupAndDNSRetryDelayFollowTheCheckersDelayLoop() throws {
        let result = LVSTest.load(LVSTest.realServer("DNS_CHECK {\ndelay_loop 4\n}"))
        let check = try #require(result.config.virtualServers.first?.realServers.first?.checkers.first)
        #expect(check.warmup == 4 && check.delayBeforeRetry == 4 && check.$warmup.location == nil)
    }

    @Test func nonNATRealServerPortIsForcedToTheServicePort() throws {
        let text = "virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.0.0.2 8080 {\n }\n real_server 10.0.0.3 {\n }\n}"
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [
            "5:warning:WARNING - virtual server [10.0.0.1]:tcp:80 and real server [10.0.0.2]:tcp:8080 ports don't match - resetting",
        ])
        #expect(result.config.virtualServers.first?.realServers.map(\.port) == [80, 80])
    }

    @Test func natRealServerKeepsItsPortAndDefaultsToTheServicePort() throws {
        let result = LVSTest.load(LVSTest.service("real_server 10.0.0.2 8080 {\nTCP_CHECK {\n}\n}\nreal_server 10.0.0.3 {\nTCP_CHECK {\n}\n}"))
        #expect(LVSTest.problems(result) == [])
        let servers = try #require(result.config.virtualServers.first?.realServers)
        #expect(servers.map(\.port) == [8080, 80])
        #expect(servers.map { $0.checkers[0].connectPort } == [8080, 80])
    }

    @Test func fwmarkServices() throws {
        let text = "virtual_server fwmark 1 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.0.0.2 80 {\n }\n sorry_server 10.0.0.9 80\n}"
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [
            "1:warning:Warning: Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored",
            "5:warning:WARNING - fwmark virtual server FWM 1, real server [10.0.0.2]:none:80 has port specified - clearing",
            "7:warning:WARNING - virtual server FWM 1, sorry server has port specified - clearing",
        ])
        let vs = try #require(result.config.virtualServers.first)
        #expect(vs.protocol == nil && vs.realServers.first?.port == 0 && vs.sorryServer?.port == 0)

        let nat = LVSTest.load("virtual_server fwmark 1 {\n lb_algo rr\n lb_kind NAT\n ha_suspend\n ops\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.problems(nat) == ["1:warning:Virtual server FWM 1: cannot use ha_suspend with fwmarks - clearing ha_suspend"])
        #expect(nat.config.virtualServers.first?.realServers.first?.port == 80)
        #expect(nat.config.virtualServers.first?.haSuspend == false)
    }

    @Test func serviceRules() throws {
        let cases: [(String, String, [String])] = [
            ("virtual_server 10.0.0.1 80", "ops", ["1:warning:Virtual server [10.0.0.1]:tcp:80: one packet scheduling requires UDP - resetting"]),
            ("virtual_server 10.0.0.1", "", ["1:warning:Virtual server [10.0.0.1]:tcp:0: zero port only valid for persistent services - setting"]),
            ("virtual_server 10.0.0.1", "persistence_timeout", []),
            ("virtual_server 10.0.0.1 80", "quorum 5", ["5:warning:Warning - quorum 5 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 1, reducing quorum to 1"]),
            ("virtual_server 10.0.0.1 80", "hysteresis 1", ["5:warning:Virtual server [10.0.0.1]:tcp:80: hysteresis 1 >= quorum 1; setting hysteresis to 0"]),
        ]
        for (header, line, expected) in cases {
            let result = LVSTest.load(LVSTest.service("\(line)\nreal_server 10.0.0.2 80 {\n}", header: header))
            #expect(LVSTest.problems(result) == expected, "\(header) \(line)")
        }
        let zeroPort = LVSTest.load(LVSTest.service("real_server 10.0.0.2 80 {\n}", header: "virtual_server 10.0.0.1"))
        #expect(zeroPort.config.virtualServers.first?.persistenceTimeout == 360)
        let quorum = LVSTest.load(LVSTest.service("quorum 2\nhysteresis 1\nreal_server 10.0.0.2 80 {\nweight 2\n}"))
        #expect(LVSTest.problems(quorum) == [])
        #expect(quorum.config.virtualServers.first?.quorum == 2 && quorum.config.virtualServers.first?.hysteresis == 1)
    }

    @Test func zeroWeightReducesQuorumToZero() throws {
        let result = LVSTest.load(LVSTest.realServer("weight 0"))
        #expect(LVSTest.problems(result) == [
            "1:warning:Warning - quorum 1 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 0, reducing quorum to 0",
            "1:warning:Virtual server [10.0.0.1]:tcp:80: hysteresis 0 >= quorum 0; setting hysteresis to 0",
        ])
        #expect(result.config.virtualServers.first?.quorum == 0)
    }

    @Test func serviceWithoutRealServersIsDropped() {
        let result = LVSTest.load("virtual_server 10.0.0.1 80 {\n sorry_server 10.0.0.9 80\n}\nvirtual_server 10.0.0.1 81\n")
        #expect(LVSTest.problems(result) == [
            "4:error:virtual_server expects a block '{ ... }'",
            "1:warning:Virtual server [10.0.0.1]:none:80 has no real servers - ignoring",
            "4:warning:Virtual server [10.0.0.1]:none:81 has no real servers - ignoring",
        ])
        #expect(result.config.virtualServers.isEmpty)
    }

    @Test func duplicateRealServersAreRemoved() throws {
        let result = LVSTest.load(LVSTest.service("real_server 10.0.0.2 80 {\nweight 3\n}\nreal_server 10.0.0.2 80 {\nweight 4\n}"))
        #expect(LVSTest.problems(result) == ["8:warning:VS [10.0.0.1]:tcp:80: real server [10.0.0.2]:tcp:80 is duplicated - removing second rs"])
        #expect(result.config.virtualServers.first?.realServers.map(\.weight) == [3])
    }

    @Test func sorryServer() throws {
        let result = LVSTest.load(LVSTest.service("sorry_server 10.0.0.9\nreal_server 10.0.0.2 80 {\n}"))
        #expect(LVSTest.problems(result) == [])
        let sorry = try #require(result.config.virtualServers.first?.sorryServer)
        #expect(sorry.port == 80 && sorry.forwarding == .nat && !sorry.inhibit)

        let dr = LVSTest.load("virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n sorry_server 10.0.0.9 81\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.problems(dr) == ["5:warning:WARNING - virtual server [10.0.0.1]:tcp:80 and sorry server ports don't match - resetting"])
        #expect(dr.config.virtualServers.first?.sorryServer?.port == 80)
        #expect(dr.config.virtualServers.first?.sorryServer?.forwarding == .dr)

        let same = LVSTest.load(LVSTest.service("sorry_server 10.0.0.2 80\nsorry_server_inhibit\nreal_server 10.0.0.2 80 {\n}"))
        #expect(LVSTest.problems(same) == [
            "5:warning:Virtual server [10.0.0.1]:tcp:80: real server [10.0.0.2]:tcp:80 matches sorry server, but inhibit setting differs, clearing on sorry server",
        ])
        #expect(same.config.virtualServers.first?.sorryServer?.inhibit == false)
    }

    @Test func groupServices() throws {
        let text = """
        virtual_server_group G {
          10.0.0.1 80
          10.0.0.3 81
        }
        virtual_server group G {
          protocol TCP
          lb_algo rr
          lb_kind DR
          real_server 10.0.0.2 80 {
          }
          real_server 10.0.0.4 {
          }
        }
        """
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [
            "9:warning:virtual server [G]:0:[10.0.0.3,81] and real server [10.0.0.2]:tcp:80 ports don't match",
        ])
        let vs = try #require(result.config.virtualServers.first)
        #expect(vs.displayName == "[G]:0")
        #expect(vs.realServers.map(\.port) == [80, 0])

        let fwmarks = LVSTest.load("virtual_server_group F {\n fwmark 3\n}\nvirtual_server group F {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.problems(fwmarks) == [
            "4:warning:Warning: Virtual server [F]:0: protocol specified for fwmark - protocol will be ignored",
            "8:warning:WARNING - fwmark virtual server [F]:0, real server [10.0.0.2]:none:80 has port specified - port will be ignored",
        ])

        let noPort = LVSTest.load("virtual_server_group G {\n 10.0.0.1\n}\nvirtual_server group G {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.problems(noPort) == ["4:warning:Virtual server [G]:0: zero port only valid for persistent services - setting"])
    }

    @Test func groupsOfAnotherFamilyAreDroppedQuietly() {
        let group = "virtual_server_group G {\n 10.0.0.1 80\n}\nvirtual_server_group M {\n 10.0.0.1 80\n 2001:db8::1 80\n}\n"
        let cases: [(String, String)] = [
            ("virtual_server group G {\n real_server 2001::2 80 {\n }\n}", "G: address family doesn't match virtual server [G]:0 - ignoring"),
            ("virtual_server group M {\n real_server 10.0.0.2 80 {\n }\n}",
             "M: virtual server group with IPv4 & IPv6 doesn't match virtual server [M]:0 - ignoring"),
            ("virtual_server group G {\n persistence_granularity 64\n}", "G: address family doesn't match virtual server [G]:0 - ignoring"),
        ]
        for (service, note) in cases {
            let result = LVSTest.load(group + service)
            #expect(LVSTest.messages(result) == ["8:note:\(note)"], "\(service)")
            #expect(result.config.virtualServers.isEmpty)
        }
        // Every server tunnelled: a group of both families applies.
        let tunnelled = LVSTest.load(group + "virtual_server group M {\n protocol TCP\n lb_algo rr\n lb_kind TUN\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.messages(tunnelled) == [])
        #expect(tunnelled.config.virtualServers.count == 1)
    }

    @Test func familyOfFwmarkServicesComesFromTheFirstUntunnelledServer() {
        let text = "virtual_server fwmark 1 {\n lb_algo rr\n lb_kind NAT\n real_server 2001::2 80 {\n lvs_method TUN\n }\n"
            + " real_server 10.0.0.2 80 {\n }\n real_server 2001::3 80 {\n }\n}"
        let result = LVSTest.load(text)
        #expect(LVSTest.problems(result) == [
            "9:error:Address family of virtual server and real server 2001::3 don't match - skipping real server.",
            "4:warning:WARNING - fwmark virtual server FWM 1, real server [2001::2]:none:80 has port specified - clearing",
        ])
        #expect(result.config.virtualServers.first?.serviceFamily == .inet)
        let granularity = LVSTest.load("virtual_server fwmark 1 {\n lb_algo rr\n lb_kind NAT\n persistence_timeout\n persistence_granularity 64\n ip_family inet\n real_server 2001::2 80 {\n }\n}")
        #expect(LVSTest.problems(granularity) == ["6:error:Virtual server specified family inet conflicts with server family"])
        #expect(granularity.config.virtualServers.first?.persistenceGranularity == .prefixLength(64))
    }

    @Test func serviceWeightIsTheRealServersDefault() throws {
        let result = LVSTest.load(LVSTest.service("quorum 3\nreal_server 10.0.0.2 80 {\n}\nweight 2\nreal_server 10.0.0.3 80 {\nweight 0\n}"))
        #expect(LVSTest.problems(result) == ["5:warning:Warning - quorum 3 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 2, reducing quorum to 2"])
        let servers = try #require(result.config.virtualServers.first?.realServers)
        #expect(servers.map(\.weight) == [2, 0] && servers[0].$weight.location?.line == 8)
    }

    @Test func forwardingDefaultIsOnlyReportedWhenAServerUsesIt() {
        let own = LVSTest.load("virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n real_server 10.0.0.2 80 {\n lvs_method DR\n }\n}")
        #expect(LVSTest.problems(own) == [])
        let sorry = LVSTest.load("virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n sorry_server 10.0.0.9 80\n real_server 10.0.0.2 80 {\n lvs_method DR\n }\n}")
        #expect(LVSTest.problems(sorry) == ["1:warning:Virtual server [10.0.0.1]:tcp:80: no forwarding method set, setting default NAT"])
    }

    @Test func sorryServerTakesTheMethodSetBeforeIt() throws {
        let early = LVSTest.load("virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n sorry_server 2001::9 80\n lb_kind TUN\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.problems(early) == ["4:error:Address family of virtual server and sorry server 2001::9 don't match - skipping sorry server."])
        let late = LVSTest.load("virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind TUN\n sorry_server 2001::9 80\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.problems(late) == [])
        #expect(late.config.virtualServers.first?.sorryServer?.forwarding.kind == .tun)
    }

    @Test func unknownGroupIsDroppedQuietly() {
        let result = LVSTest.load("virtual_server group FOO {\n real_server 10.0.0.2 80 {\n }\n}")
        #expect(LVSTest.messages(result) == ["1:note:Virtual server group FOO specified but not configured - ignoring virtual server [FOO]:0"])
        #expect(result.status == .ok)
        #expect(result.config.virtualServers.isEmpty)
    }
}
