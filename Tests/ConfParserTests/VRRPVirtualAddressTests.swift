import Testing
@testable import ConfParser

@Suite("virtual_ipaddress line grammar")
struct VRRPVirtualAddressTests {
    /// Parses one address line with the given grammar.
    func parse(_ line: String, kind: VirtualAddress.Kind = .vrrp) -> (VirtualAddress?, BuildContext) {
        let words = line.split(separator: " ").map(String.init)
        let node = ConfNode(keyword: words[0], arguments: Array(words.dropFirst()),
                            location: ConfParser.SourceLocation(file: "keepalived.conf", line: 4))
        var context = BuildContext()
        let vip = VirtualAddress.parseLine(node, kind: kind, context: &context)
        return (vip, context)
    }

    func messages(_ context: BuildContext) -> [String] { context.diagnostics.items.map(\.message) }

    @Test func plainAddressesGetFullLength() {
        let (v4, _) = parse("192.168.200.16")
        #expect(v4?.address == IPAddress("192.168.200.16"))
        #expect(v4?.prefixLength == 32)
        let (v6, _) = parse("2001:db8::1")
        #expect(v6?.prefixLength == 128)
    }

    @Test func allOptions() {
        let (vip, context) = parse("10.0.0.1/24 brd 10.0.0.255 dev eth1 scope link label eth1:1 peer 10.0.0.4 home -nodad mngtmpaddr noprefixroute autojoin no_track use_vmac preferred_lft forever")
        #expect(context.diagnostics.items.isEmpty)
        guard let vip else { Issue.record("address rejected"); return }
        #expect(vip.text == "10.0.0.1/24")
        #expect(vip.prefixLength == 24)
        #expect(vip.broadcast == .address(IPAddress("10.0.0.255")!))
        #expect(vip.device == "eth1")
        #expect(vip.scope == AddressScope(value: 253))
        #expect(vip.label == "eth1:1")
        #expect(vip.peer == IPAddress("10.0.0.4"))
        #expect(vip.home && vip.noDAD && vip.manageTemporaryAddress && vip.noPrefixRoute && vip.autojoin && vip.noTrack && vip.useVMAC)
        #expect(vip.preferredLifetime == .forever)
        #expect(vip.location.line == 4)
    }

    @Test func deviceIsRecordedAsKeepalivedNamesIt() {
        let (_, context) = parse("10.0.0.1/24 dev eth9")
        #expect(context.interfacesNamed == [NamedReference(name: "eth9", location: ConfParser.SourceLocation(file: "keepalived.conf", line: 4),
                                                           what: "ip address 10.0.0.1/24")])
    }

    @Test func broadcastShortcutsAndScopes() {
        #expect(parse("10.0.0.1/24 brd +").0?.broadcast == .allOnes)
        #expect(parse("10.0.0.1/24 broadcast -").0?.broadcast == .allZeros)
        #expect(parse("10.0.0.1 scope host").0?.scope?.description == "host")
        #expect(parse("10.0.0.1 scope 7").0?.scope == AddressScope(value: 7))
        #expect(parse("2001:db8::1 preferred_lft 100").0?.preferredLifetime == .seconds(100))
    }

    @Test(arguments: [
        ("10.0.0.300", "VRRP parsed invalid IP 10.0.0.300. skipping IP..."),
        ("10.0.0.2 brd 10.0.0.999", "VRRP is trying to assign invalid broadcast 10.0.0.999. skipping VIP..."),
        ("2001:db8::1 brd 10.0.0.255", "VRRP is trying to assign a broadcast 10.0.0.255 to the IPv6 address 2001:db8::1 !!?? WTF... skipping VIP..."),
        ("10.0.0.1 label eth0:verylonglabelname", "Address label eth0:verylonglabelname is longer than maximum length 15 - removing address"),
        ("10.0.0.3 peer 10.0.0.4/24", "Invalid peer address 10.0.0.4/24 - skipping IP"),
    ])
    func skippedAddresses(line: String, message: String) {
        let (vip, context) = parse(line)
        #expect(vip == nil)
        #expect(messages(context) == [message])
        #expect(context.diagnostics.items.first?.severity == .error)
        #expect(context.diagnostics.items.first?.location?.line == 4)
    }

    @Test(arguments: [
        ("10.0.0.1 scope foo", "Invalid scope 'foo' specified for 10.0.0.1 - ignoring"),
        ("10.0.0.1 scope 300", "Invalid scope '300' specified for 10.0.0.1 - ignoring"),
        ("10.0.0.3 dev", "No dev parameter specified for 10.0.0.3"),
        ("10.0.0.4/24 brd", "No brd parameter specified for 10.0.0.4/24"),
        ("10.0.0.7 label", "No label parameter specified for 10.0.0.7"),
        ("10.0.0.5 peer", "No peer parameter specified for 10.0.0.5"),
        ("10.0.0.4 frobnicate", "Unknown configuration entry 'frobnicate' for ip address - ignoring"),
        ("10.0.0.4 nodad", "Unknown configuration entry 'nodad' for ip address - ignoring"),
        ("2001:db8::3 preferred_lft 4294967296", "preferred_lft 4294967296 is invalid"),
        ("10.0.0.5/33", "Invalid address prefix len 33 for address 10.0.0.5/33 - using 32"),
        ("10.0.0.3/x", "Invalid address prefix len x for address 10.0.0.3/x - using 32"),
    ])
    func keptAddressesWithAnError(line: String, message: String) {
        let (vip, context) = parse(line)
        #expect(vip != nil)
        #expect(messages(context) == [message])
        #expect(context.diagnostics.items.first?.severity == .error)
    }

    @Test func badPrefixFallsBackToFullLength() {
        #expect(parse("2001:db8::1/129").0?.prefixLength == 128)
        #expect(parse("10.0.0.5/33").0?.prefixLength == 32)
    }

    @Test func grammarsDifferBetweenVRRPAndStatic() {
        let (vrrp, vrrpContext) = parse("10.0.0.1 dev eth0 track_group G1")
        #expect(vrrp?.trackGroup == nil)
        #expect(messages(vrrpContext) == ["Unknown configuration entry 'track_group' for ip address - ignoring",
                                          "Unknown configuration entry 'G1' for ip address - ignoring"])
        let (stat, staticContext) = parse("10.0.0.1 dev eth0 track_group G1 no_track", kind: .static)
        #expect(stat?.trackGroup == "G1")
        #expect(stat?.noTrack == true)
        #expect(staticContext.diagnostics.items.isEmpty)
        let (_, vmacContext) = parse("10.0.0.3 dev eth0 use_vmac", kind: .static)
        #expect(messages(vmacContext) == ["Unknown configuration entry 'use_vmac' for ip address - ignoring"])
    }

    @Test func defaultEntryPointUsesTheStaticGrammar() {
        let node = ConfNode(keyword: "10.0.0.1", arguments: ["track_group", "G"], location: ConfParser.SourceLocation(file: "k", line: 1))
        var context = BuildContext()
        #expect(VirtualAddress.parseLine(node, context: &context)?.trackGroup == "G")
    }

    @Test func addressesInAnInstanceKeepTheirLines() {
        let result = ConfigLoader.load(text: """
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            virtual_ipaddress {
                192.168.200.16
                192.168.200.17/24 dev eth1
                192.168.200.18 label eth0:1
                10.0.0.x
            }
        }
        """)
        let vips = result.config.vrrpInstances.first?.virtualAddresses ?? []
        #expect(vips.map(\.location.line) == [5, 6, 7])
        #expect(vips[2].label == "eth0:1")
        #expect(result.diagnostics.items.map(\.description) == ["(keepalived.conf: Line 8) VRRP parsed invalid IP 10.0.0.x. skipping IP..."])
        #expect(result.interfaces.map(\.what) == ["vrrp_instance VI_1", "ip address 192.168.200.17/24"])
    }
}
