import Testing
@testable import ConfParser

/// Checkers compared across a reload: the same settings written elsewhere in the file are the
/// same checker; any changed value is not.
@Suite struct CheckerComparisonTests {
    /// One checker block of every kind, with every keyword it takes.
    static let blocks: [(kind: String, body: String, before: String)] = [
        ("TCP_CHECK", LVSTest.everyConnectionKeyword, ""),
        ("SSL_GET", """
            http_protocol 1.0C
            fast_recovery
            enable_sni
            virtualhost check.example.com
            url {
              path /health
              digest 9B3A0C85A887A256D6939DA88AABD8CD
              status_code 200-299 503
              virtualhost url.example.com
              regex "ok|up"
              regex_no_match
              regex_options caseless
              regex_stack 32768 65536
              regex_min_offset 2
              regex_max_offset 100
            }
            """, ""),
        ("MISC_CHECK", "misc_path \"/usr/bin/check arg\"\nmisc_timeout 5\nmisc_dynamic\nuser nobody nogroup", ""),
        ("SMTP_CHECK", "helo_name foo.bar.com\nconnect_timeout 3", ""),
        ("DNS_CHECK", "type mx\nname example.com", ""),
        ("UDP_CHECK", "payload Ab12f\nrequire_reply 0a0X x1\nmin_reply_length 2\nmax_reply_length 100", ""),
        ("PING_CHECK", "connect_timeout 2\nretry 3", ""),
        ("FILE_CHECK", "track_file tf\nweight -5 reverse", "track_file tf {\n  file /tmp/tf\n}\n"),
        ("BFD_CHECK", "name b1\nalpha", "bfd_instance b1 {\n}\n"),
    ]

    func checker(_ kind: String, _ body: String, before: String) throws -> Checker {
        let result = LVSTest.load(before + LVSTest.realServer("    \(kind) {\n\(body)\n    }"))
        #expect(LVSTest.problems(result) == [], "\(kind)")
        return try #require(result.config.virtualServers.first?.realServers.first?.checkers.first)
    }

    @Test(arguments: 0..<blocks.count) func movedBlockIsTheSameChecker(index: Int) throws {
        let (kind, body, before) = Self.blocks[index]
        let original = try checker(kind, body, before: before)
        let moved = try checker(kind, body, before: "# moved down\n\n\n" + before)
        #expect(original.location != moved.location)
        #expect(original != moved)
        #expect(original.hasSameSettings(as: moved), "\(kind)")
    }

    /// Every location the parser set is cleared: a field `withoutLocations` forgot would make a
    /// moved checker look changed (and restart on reload).
    @Test(arguments: 0..<blocks.count) func noLocationSurvives(index: Int) throws {
        let (kind, body, before) = Self.blocks[index]
        let cleared = try checker(kind, body, before: before).withoutLocations
        #expect(Self.locations(in: cleared).allSatisfy { $0 == .unplaced }, "\(kind)")
        #expect(Self.locations(in: try checker(kind, body, before: before)).contains { $0 != .unplaced })
    }

    @Test func changedValueIsAnotherChecker() throws {
        let changes: [(kind: String, body: String, changed: String)] = [
            ("TCP_CHECK", "connect_timeout 2", "connect_timeout 3"),
            ("TCP_CHECK", "connect_port 80", "connect_port 81"),
            ("HTTP_GET", "url {\npath /a\n}", "url {\npath /b\n}"),
            ("HTTP_GET", "url {\npath /a\nstatus_code 200\n}", "url {\npath /a\nstatus_code 201\n}"),
            ("MISC_CHECK", "misc_path /bin/true", "misc_path /bin/false"),
            ("DNS_CHECK", "name example.com", "name example.org"),
        ]
        for (kind, body, changed) in changes {
            let before = try checker(kind, body, before: "")
            let after = try checker(kind, changed, before: "")
            #expect(!before.hasSameSettings(as: after), "\(kind): \(body) -> \(changed)")
        }
    }

    /// Every `SourceLocation` inside `value`, found by reflection (so new fields are covered);
    /// a `Sourced` value without a location keeps `.unwritten`, which is none.
    static func locations(in value: Any) -> [ConfParser.SourceLocation] {
        if let location = value as? ConfParser.SourceLocation { return location == .unwritten ? [] : [location] }
        return Mirror(reflecting: value).children.flatMap { locations(in: $0.value) }
    }
}
