import Testing
@testable import ConfParser

@Suite struct LVSGroupTests {
    func group(_ entries: String) -> LoadResult {
        LVSTest.load("virtual_server_group G {\n\(entries)\n}\n")
    }

    @Test func entriesAreTyped() throws {
        let result = group("""
        10.0.0.1 8080
        192.168.200.3-10 80
        10.0.2.250-10.0.3.5 80
        10.0.1.0/29 443
        2001:db8::1-a 80
        10.0.9.9
        fwmark 1 inet
        fwmark 2 inet6
        """)
        #expect(LVSTest.problems(result) == [])
        let vsg = try #require(result.config.virtualServerGroups.first)
        #expect(vsg.name == "G" && vsg.location.line == 1)
        let ranges = vsg.addressRanges
        #expect(ranges.map(\.range.description) == ["10.0.0.1", "192.168.200.3-192.168.200.10", "10.0.2.250-10.0.3.5",
                                                    "10.0.1.0/29", "2001:db8::1-2001:db8::a", "10.0.9.9"])
        #expect(ranges.map(\.port) == [8080, 80, 80, 443, 80, 0])
        #expect(ranges.map(\.range.count) == [1, 8, 12, 8, 10, 1])
        #expect(ranges[3].range.end == IPAddress("10.0.1.7")! && ranges[3].range.prefixLength == 29)
        #expect(vsg.fwmarks.map(\.mark) == [1, 2] && vsg.fwmarks.map(\.family) == [.inet, .inet6])
        #expect(vsg.entries.map(\.location.line) == Array(2...9))
    }

    @Test func expansionListsEveryAddress() throws {
        let vsg = try #require(group("10.0.0.254-10.0.1.1 80\n10.0.5.0/31 53\nfwmark 4").config.virtualServerGroups.first)
        #expect(vsg.expandedEndpoints().map(\.description) == [
            "[10.0.0.254]:80", "[10.0.0.255]:80", "[10.0.1.0]:80", "[10.0.1.1]:80", "[10.0.5.0]:53", "[10.0.5.1]:53",
        ])
    }

    @Test func ipv6BlockCountSaturates() {
        let range = VSGAddressRange(start: IPAddress("2001:db8::")!, end: IPAddress("2001:db8::ffff:ffff:ffff:ffff")!, prefixLength: 64)
        #expect(range.count == UInt64.max)
        let small = VSGAddressRange(start: IPAddress("2001:db8::")!, end: IPAddress("2001:db8::ff")!)
        #expect(small.count == 256)
    }

    @Test func badEntriesAreSkipped() {
        let cases: [(String, String)] = [
            ("10.0.0.5-3 80", "Address range end is not greater than address range start - 10.0.0.5-3 - skipping"),
            ("10.0.0.5-5 80", "Address range end is not greater than address range start - 10.0.0.5-5 - skipping"),
            ("10.0.0.5-256 80", "Virtual server group range '10.0.0.5-256' end '256' too large"),
            ("10.0.0.5-10.0.0.3 80", "Address range end is less than address range start - 10.0.0.5-10.0.0.3 - skipping"),
            ("10.0.0.5-2001::1 80", "Invalid virtual server group IP address '10.0.0.5-2001::1' - skipping"),
            ("10.0.1.1/29 80", "Address mask bits not empty - 10.0.1.1/29 - skipping"),
            ("10.0.1.0/33 80", "Invalid netmask - 10.0.1.0/33 - skipping"),
            ("10.0.1.x 80", "Invalid virtual server group IP address '10.0.1.x' - skipping"),
            ("10.0.1.1 70000", "number '70000' outside range [0, 65535]"),
            ("fwmark -1", "(G): fwmark '-1' must be in [0, 4294967295] - ignoring"),
            ("fwmark 1 foo", "(G): fwmark '1' family foo unknown - ignoring"),
        ]
        for (entry, message) in cases {
            let result = group("\(entry)\n10.0.0.1 80")
            #expect(LVSTest.problems(result) == ["2:error:\(message)"], "\(entry)")
            #expect(result.config.virtualServerGroups.first?.entries.count == 1)
        }
    }

    @Test func emptyOrMixedGroupsAreRemoved() {
        let empty = group("10.0.1.x 80")
        #expect(LVSTest.problems(empty).last == "1:error:virtual server group G has no entries - removing")
        #expect(empty.config.virtualServerGroups.isEmpty)
        let mixed = group("10.0.0.1 80\n2001:db8::1 80\nfwmark 1")
        #expect(LVSTest.problems(mixed) == ["1:error:virtual server group G cannot have IPv4, IPv6 and fwmark without family - removing"])
        let withFamily = group("10.0.0.1 80\n2001:db8::1 80\nfwmark 1 inet")
        #expect(LVSTest.problems(withFamily) == [] && withFamily.config.virtualServerGroups.count == 1)
    }

    @Test func hostBitHelpers() {
        let v6 = IPAddress("2001:db8::1:0")!
        #expect(v6.clearingHostBits(prefixLength: 112) == v6)
        #expect(v6.settingHostBits(prefixLength: 112) == IPAddress("2001:db8::1:ffff")!)
        #expect(IPAddress("10.1.2.3")!.clearingHostBits(prefixLength: 0) == IPAddress("0.0.0.0")!)
        #expect(IPAddress("10.1.2.3")!.settingHostBits(prefixLength: 32) == IPAddress("10.1.2.3")!)
        #expect(IPAddress("fe80::1")!.isLinkLocalIPv6 && !IPAddress("fec0::1")!.isLinkLocalIPv6 && !IPAddress("10.0.0.1")!.isLinkLocalIPv6)
    }
}
