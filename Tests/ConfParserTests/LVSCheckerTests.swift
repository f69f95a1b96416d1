import Testing
@testable import ConfParser

@Suite struct LVSCheckerTests {
    /// A service whose real server has one checker block `kind { body }` (body from line 7 on).
    func checker(_ kind: String, _ body: String, before: String = "") -> LoadResult {
        LVSTest.load(before + LVSTest.realServer("    \(kind) {\n\(body)\n    }"))
    }

    func first(_ result: LoadResult) throws -> Checker {
        try #require(result.config.virtualServers.first?.realServers.first?.checkers.first)
    }

    @Test func connectionAndTimingOptions() throws {
        let result = checker("TCP_CHECK", LVSTest.everyConnectionKeyword)
        #expect(LVSTest.problems(result) == [])
        let check = try first(result)
        #expect(check.kind == .tcp)
        #expect(check.connectIP == IPAddress("10.0.0.3")! && check.$connectIP.location?.line == 7)
        #expect(check.connectPort == 8080 && check.bindTo == IPAddress("10.0.0.1")! && check.bindPort == 1000)
        #expect(check.bindInterface == "eth0" && check.fwmark == 5)
        #expect(check.connectTimeout == 2 && check.alpha && check.retry == 0 && check.delayBeforeRetry == 4)
        #expect(check.warmup == 0 && check.delayLoop == 7 && check.logAllFailures == false)
        #expect(result.interfaces.isEmpty)
    }

    @Test func badConnectionOptions() {
        let cases: [(String, String)] = [
            ("connect_port 0", "7:error:Invalid checker connect_port '0'"),
            ("bind_port 70000", "7:error:Invalid checker bind_port '70000'"),
            ("connect_ip foo", "7:error:Invalid connect_ip address foo - ignoring"),
            ("bindto 2001::1", "7:error:bindto address 2001::1 does not match address family of connect_ip - skipping"),
            ("fwmark -1", "7:error:Invalid fwmark connection value '-1'"),
            ("retry -1", "7:error:number '-1' outside range [0, 4294967295]"),
            ("warmup -1", "7:error:number '-1' outside range [0, 18446744073709.551614]"),
            ("delay_loop 0", "7:error:number '0' outside range [0.000001, 18446744073709.551614]"),
            ("connect_timeout 0", "7:error:number '0' outside range [0.000001, 4294.967295]"),
            ("log_all_failures foo", "7:error:log_all_failures: invalid boolean 'foo' - expected on|off|true|false|yes|no"),
            ("nb_get_retry 3", "7:warning:Unknown keyword 'nb_get_retry'"),
        ]
        for (line, expected) in cases {
            let result = checker("TCP_CHECK", line)
            #expect(LVSTest.problems(result) == [expected], "\(line)")
        }
    }

    @Test func linkLocalTargetsNeedBindIf() {
        let missing = checker("TCP_CHECK", "connect_ip fe80::5\nbindto fe80::1")
        #expect(LVSTest.problems(missing) == ["6:error:Checker link local address fe80::5 requires a bind_if"])
        let given = checker("TCP_CHECK", "connect_ip fe80::5\nbindto fe80::1\nbind_if eth0")
        #expect(LVSTest.problems(given) == [])
    }

    @Test func optionSetsDependOnTheChecker() {
        #expect(LVSTest.problems(checker("MISC_CHECK", "misc_path /bin/x\nconnect_timeout 3")) == ["8:warning:Unknown keyword 'connect_timeout'"])
        #expect(LVSTest.problems(checker("MISC_CHECK", "misc_path /bin/x\nconnect_port 3")) == ["8:warning:Unknown keyword 'connect_port'"])
        #expect(LVSTest.problems(checker("BFD_CHECK", "name b1\nalpha\nretry 2", before: "bfd_instance b1 {\n}\n"))
                == ["11:warning:Unknown keyword 'retry'"])
        for kind in ["PING_CHECK", "DNS_CHECK", "UDP_CHECK", "SMTP_CHECK"] {
            #expect(LVSTest.problems(checker(kind, "connect_ip 10.0.0.9\nconnect_port 53\nconnect_timeout 2\nretry 2\nwarmup 1")) == [], "\(kind)")
        }
    }

    @Test func httpChecker() throws {
        let result = checker("SSL_GET", """
            http_protocol 1.0C
            fast_recovery
            enable_sni
            virtualhost check.example.com
            url {
              path /health
              digest 9B3A0C85A887A256D6939DA88AABD8CD
              status_code 200-299 400-499 503
              status_code 505
              virtualhost url.example.com
              regex "ok|up"
              regex_no_match
              regex_options caseless multiline
              regex_stack 32768 65536
              regex_min_offset 2
              regex_max_offset 100
            }
            url {
              path /
            }
        """)
        #expect(LVSTest.problems(result) == [])
        let check = try first(result)
        #expect(check.kind == .ssl)
        let http = try #require(check.http)
        #expect(http.httpProtocol == .http10Close && http.fastRecovery && http.enableSNI && http.virtualhost == "check.example.com")
        #expect(http.urls.count == 2)
        let url = http.urls[0]
        #expect(url.path == "/health" && url.location.line == 11)
        #expect(url.digest == "9b3a0c85a887a256d6939da88aabd8cd")
        #expect(url.statusCodes == [200...299, 400...499, 503...503, 505...505])
        #expect(url.accepts(statusCode: 404) && !url.accepts(statusCode: 302))
        #expect(url.virtualhost == "url.example.com" && url.regex == "ok|up" && url.regexNoMatch)
        #expect(url.regexOptions == ["caseless", "multiline"] && url.regexStack == RegexStack(start: 32768, max: 65536))
        #expect(url.regexMinOffset == 2 && url.regexMaxOffset == 100)
        // Completion: defaults for the second URL.
        #expect(http.urls[1].statusCodes == [200...299] && http.urls[1].virtualhost == "check.example.com")
        #expect(check.delayBeforeRetry == 3 && check.retry == 1)
    }

    @Test func httpMistakes() throws {
        let cases: [(String, [String])] = [
            ("url {\npath /\ndigest 9b3a0c85\n}", ["9:error:digest '9b3a0c85' character length should be 32 rather than 8"]),
            ("url {\npath /\ndigest zz3a0c85a887a256d6939da88aabd8cd\n}",
             ["9:error:digest 'zz3a0c85a887a256d6939da88aabd8cd': invalid hex digit - expected 32 hex digits"]),
            ("url {\npath /\nstatus_code 99 600 300-200 abc 200\n}",
             ["9:error:Invalid HTTP_GET status code '99'", "9:error:Invalid HTTP_GET status code '600'",
              "9:error:Invalid HTTP_GET status code '300-200'", "9:error:Invalid HTTP_GET status code 'abc'"]),
            ("http_protocol 2\nurl {\npath /\n}", ["7:error:Invalid http_protocol version 2"]),
            ("http_protocol\nurl {\npath /\n}", ["7:error:Missing http_protocol version"]),
            ("fast_recovery foo\nurl {\npath /\n}", ["7:error:fast_recovery: invalid boolean 'foo' - expected on|off|true|false|yes|no"]),
            ("virtualhost\nurl {\npath /\n}", ["7:error:HTTP_GET virtualhost name missing"]),
            ("url {\npath /\nvirtualhost\n}", ["9:error:Missing HTTP_GET virtualhost name"]),
            ("url {\npath /\nfoo\n}", ["9:warning:Unknown keyword 'foo'"]),
            ("nb_get_retry 2\nurl {\npath /\n}", ["7:warning:nb_get_retry is deprecated - please use 'retry'"]),
            ("url {\ndigest 9b3a0c85a887a256d6939da88aabd8cd\n}",
             ["7:error:HTTP/SSL_GET checker url has no path - ignoring", "6:error:HTTP/SSL_GET checker has no urls specified - ignoring"]),
            ("", ["6:error:HTTP/SSL_GET checker has no urls specified - ignoring"]),
        ]
        for (body, expected) in cases {
            #expect(LVSTest.problems(checker("HTTP_GET", body)) == expected, "\(body)")
        }
        let retry = checker("HTTP_GET", "nb_get_retry 2\nurl {\npath /\n}")
        #expect(try first(retry).retry == 2)
        // keepalived reports regex problems only when it runs: no verdict change.
        #expect(LVSTest.problems(checker("HTTP_GET", "url {\npath /\nregex a b\nregex_stack 10\n}")) == [])
    }

    @Test func miscChecker() throws {
        let result = checker("MISC_CHECK", "misc_path \"/usr/bin/check arg\"\nmisc_timeout 5\nmisc_dynamic\nuser nobody nogroup")
        #expect(LVSTest.problems(result) == [])
        let misc = try #require(try first(result).misc)
        #expect(misc.script == LVSScript(command: "/usr/bin/check arg", user: "nobody", group: "nogroup",
                                         location: SourceLocation(file: "keepalived.conf", line: 7)))
        #expect(misc.timeout == 5 && misc.dynamic)
        #expect(result.scripts.map(\.name) == ["/usr/bin/check arg"] && result.scripts.first?.what == "MISC_CHECK")

        #expect(LVSTest.problems(checker("MISC_CHECK", "misc_timeout 1")) == ["6:error:No script path has been specified for MISC_CHECKER - skipping"])
        #expect(LVSTest.problems(checker("MISC_CHECK", "misc_path /x\nmisc_timeout 1.5")) == ["8:error:invalid number '1.5'"])
        #expect(LVSTest.problems(checker("MISC_CHECK", "misc_path /x\nuser")) == ["8:error:No user specified for misc checker script '/x'"])
        let dropped = checker("MISC_CHECK", "")
        #expect(dropped.config.virtualServers.first?.realServers.first?.checkers.isEmpty == true)
    }

    @Test func smtpHostBlocksBecomeCheckers() throws {
        let result = checker("SMTP_CHECK", """
            connect_timeout 10
            retry 2
            helo_name "foo.bar.com"
            host {
              connect_ip 172.16.1.11
            }
            host {
              connect_ip 192.168.155.10
              connect_port 587
              bindto 192.168.155.2
            }
        """)
        #expect(LVSTest.problems(result) == [])
        #expect(LVSTest.messages(result) == ["6:note:The SMTP_CHECK host block is deprecated. Please define additional checkers."])
        let checkers = try #require(result.config.virtualServers.first?.realServers.first?.checkers)
        #expect(checkers.count == 2)
        #expect(checkers.map(\.connectIP) == [IPAddress("172.16.1.11"), IPAddress("192.168.155.10")])
        #expect(checkers.map(\.connectPort) == [80, 587])
        #expect(checkers.map(\.location.line) == [10, 13])
        #expect(checkers.allSatisfy { $0.connectTimeout == 10 && $0.retry == 2 && $0.smtp?.heloName == "foo.bar.com" })
        #expect(checkers[1].bindTo == IPAddress("192.168.155.2"))

        let plain = checker("SMTP_CHECK", "")
        #expect(try first(plain).smtp?.heloName == SMTPCheck.defaultHeloName)
        #expect(LVSTest.problems(checker("SMTP_CHECK", "helo_name")) == ["7:error:SMTP_CHECK helo name missing"])
        #expect(LVSTest.problems(checker("SMTP_CHECK", "host {\nfoo\n}")) == ["8:warning:Unknown keyword 'foo'"])
    }

    @Test func dnsChecker() throws {
        let result = checker("DNS_CHECK", "type mx\nname example.com")
        #expect(LVSTest.problems(result) == [])
        let check = try first(result)
        #expect(check.dns?.type == .mx && check.dns?.type.code == 15 && check.dns?.name == "example.com")
        #expect(check.retry == 3 && check.delayBeforeRetry == check.delayLoop)

        let defaults = try first(checker("DNS_CHECK", ""))
        #expect(defaults.dns?.type == .soa && defaults.dns?.name == ".")
        #expect(LVSTest.problems(checker("DNS_CHECK", "type FOO")) == ["7:error:Unknown DNS check type FOO - ignoring"])
        #expect(LVSTest.problems(checker("DNS_CHECK", "name ab.com\nname bc.com")) == ["8:error:DNS_CHECK name already specified - ignoring"])
        #expect(LVSTest.problems(checker("DNS_CHECK", "name a..com")) == ["7:error:DNS_CHECK name 'a..com' has empty label - ignoring"])
    }

    @Test func dnsNamesFollowKeepalived227() {
        let verdicts = ["a.com": false, "ab.com": true, "a.b": false, "www.a.com": true, "example.com.": true, "a": true,
                        "abc": true, "x.yz": false, ".a": false, "a.": false, ".": true, "xy.a.com": true]
        for (name, valid) in verdicts {
            #expect(DNSCheck.isValidName(name) == valid, "\(name)")
        }
    }

    @Test func udpChecker() throws {
        let result = checker("UDP_CHECK", "payload Ab12f 3 456 546443123\nrequire_reply 0a0X x1\nmin_reply_length 2\nmax_reply_length 100")
        #expect(LVSTest.problems(result) == [])
        let udp = try #require(try first(result).udp)
        #expect(udp.payload == [0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03])
        #expect(udp.requireReply && udp.replyData == [0x0a, 0x00, 0x01] && udp.replyMask == [0xff, 0xf0, 0x0f])
        #expect(udp.minReplyLength == 2 && udp.maxReplyLength == 100)

        let bare = try #require(try first(checker("UDP_CHECK", "require_reply")).udp)
        #expect(bare.requireReply && bare.replyData == nil && bare.payload == nil && bare.maxReplyLength == 255)
        #expect(LVSTest.problems(checker("UDP_CHECK", "payload zz")) == ["7:error:Invalid hex string for UDP_CHECK payload"])
        #expect(LVSTest.problems(checker("UDP_CHECK", "payload")) == ["7:error:UDP_CHECK payload requires a payload"])
        #expect(LVSTest.problems(checker("UDP_CHECK", "require_reply zz")) == ["7:error:Invalid hex string for UDP_CHECK reply"])
        #expect(LVSTest.problems(checker("UDP_CHECK", "max_reply_length 70000")) == ["7:error:number '70000' outside range [0, 65535]"])
        #expect(LVSTest.problems(checker("UDP_CHECK", "min_reply_length 20\nmax_reply_length 10"))
                == ["6:error:UDP_CHECK min_reply length 20 > max_reply_length 10 - will always fail"])
    }

    @Test func fileChecker() throws {
        let trackFile = "track_file tf {\n  file /tmp/tf\n}\n"
        let result = checker("FILE_CHECK", "track_file tf\nweight -5 reverse", before: trackFile)
        #expect(LVSTest.problems(result) == [])
        let file = try #require(try first(result).file)
        #expect(file.trackFile == "tf" && file.weight == -5 && file.reverse && file.$trackFile.location?.line == 10)

        #expect(LVSTest.problems(checker("FILE_CHECK", "")) == ["6:error:FILE_CHECK has no track_file specified - ignoring"])
        #expect(LVSTest.problems(checker("FILE_CHECK", "track_file tf")) == [
            "7:error:track_file tf not found", "6:error:FILE_CHECK has no track_file specified - ignoring",
        ])
        #expect(LVSTest.problems(checker("FILE_CHECK", "track_file tf\nweight -2147483648", before: trackFile))
                == ["11:error:weight for track file must be in [-2147483647..2147483647] inclusive. Ignoring..."])
        #expect(LVSTest.problems(checker("FILE_CHECK", "track_file tf\nweight 3 foo", before: trackFile))
                == ["11:error:unknown track file weight option foo - ignoring"])
        #expect(LVSTest.problems(checker("FILE_CHECK", "track_file tf\nweight", before: trackFile)) == ["11:error:track file weight missing"])
        // keepalived 2.2.7 does not know `dynamic` (although its manual lists it) nor the standard options.
        #expect(LVSTest.problems(checker("FILE_CHECK", "track_file tf\ndynamic\nalpha", before: trackFile))
                == ["11:warning:Unknown keyword 'dynamic'", "12:warning:Unknown keyword 'alpha'"])
        // The track_file must come first.
        let after = LVSTest.load(LVSTest.realServer("FILE_CHECK {\ntrack_file tf\n}") + trackFile)
        #expect(LVSTest.problems(after).first == "7:error:track_file tf not found")
    }

    /// keepalived 2.2.7 (seen in the lab): without a weight of its own FILE_CHECK takes the
    /// track_file's weight and reverse; an explicit `weight 0` stays 0; `noreverse` is known.
    @Test func fileCheckerWeightFallsBackToItsTrackFile() throws {
        let trackFile = "track_file tf {\n  file /tmp/tf\n  weight 5 reverse\n}\n"
        let inherited = try #require(try first(checker("FILE_CHECK", "track_file tf", before: trackFile)).file)
        #expect(inherited.weight == 5 && inherited.reverse && inherited.$weight.location == nil)
        let zero = try #require(try first(checker("FILE_CHECK", "track_file tf\nweight 0", before: trackFile)).file)
        #expect(zero.weight == 0 && !zero.reverse)
        let own = checker("FILE_CHECK", "track_file tf\nweight 3 noreverse", before: trackFile)
        #expect(LVSTest.problems(own) == [])
        let file = try #require(try first(own).file)
        #expect(file.weight == 3 && !file.reverse)
        let plain = try #require(try first(checker("FILE_CHECK", "track_file tf", before: "track_file tf {\n  file /tmp/tf\n}\n")).file)
        #expect(plain.weight == 1 && !plain.reverse)
    }

    @Test func bfdCheckerNeedsAnEarlierBFDInstance() throws {
        let ok = checker("BFD_CHECK", "name b1", before: "bfd_instance b1 {\n}\n")
        #expect(LVSTest.problems(ok) == [])
        #expect(try first(ok).bfd?.name == "b1")

        let unknown = checker("BFD_CHECK", "name b2", before: "bfd_instance b1 {\n}\n")
        #expect(LVSTest.problems(unknown).first == "9:error:([10.0.0.2]:tcp:80) BFD_CHECK - BFD b2 not configured")
        #expect(unknown.config.virtualServers.first?.realServers.first?.checkers.isEmpty == true)
        #expect(LVSTest.problems(checker("BFD_CHECK", "")) == ["6:error:([10.0.0.2]:tcp:80) No name has been specified for BFD_CHECKER - skipping"])

        let twice = LVSTest.load("bfd_instance b1 {\n}\n" + LVSTest.realServer("BFD_CHECK {\nname b1\n}\nBFD_CHECK {\nname b1\n}"))
        #expect(LVSTest.problems(twice) == ["11:error:([10.0.0.2]:tcp:80) BFD_CHECK - RS already monitoring b1"])
    }

    @Test func checkerWithoutBlock() {
        #expect(LVSTest.problems(LVSTest.load(LVSTest.realServer("TCP_CHECK"))) == ["6:error:Missing '{' at beginning of configuration block"])
    }
}
