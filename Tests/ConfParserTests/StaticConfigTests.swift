import Testing
@testable import ConfParser

/// Loads `BLOCK { LINES }` (line 1 is `BLOCK {`, so LINES start at line 2).
private func staticLoad(_ block: String, _ lines: String...) -> LoadResult {
    ConfigLoader.load(text: "\(block) {\n" + lines.joined(separator: "\n") + "\n}\n")
}

private extension LoadResult {
    var staticMessages: [String] {
        diagnostics.items.map { "\($0.severity) \($0.location?.line ?? 0): \($0.message)" }
    }
}

@Suite struct StaticConfigTests {
    // MARK: static_ipaddress

    @Test func staticAddressesUseTheVirtualAddressGrammar() {
        let result = staticLoad("static_ipaddress", "192.168.1.1/24 dev eth0 scope global", "10.9.9.9 dev eth1")
        #expect(result.config.staticIPAddresses.map(\.address) == [IPAddress("192.168.1.1")!, IPAddress("10.9.9.9")!])
        #expect(result.config.staticIPAddresses.first?.prefixLength == 24)
        #expect(result.config.staticIPAddresses.map(\.location.line) == [2, 3])
    }

    // MARK: static_routes

    @Test func routeFieldsAreTyped() {
        let result = staticLoad("static_routes",
            "192.168.2.0/24 via 192.168.1.100 dev eth0 table 100 metric 5 scope link protocol keepalived src 192.168.1.1",
            "blackhole 10.0.0.0/8 dev eth1",
            "to 172.16.0.0/12 dev eth0 table main tos 0x04 onlink mtu lock 1400 no_track",
            "default via fe80::1 dev eth0 metric 1024")
        #expect(result.staticMessages.isEmpty)
        let routes = result.config.staticRoutes
        #expect(routes.count == 4)
        let first = routes[0]
        #expect(first.location.line == 2)
        #expect(first.destination == IPPrefix("192.168.2.0/24"))
        #expect(first.via == IPAddress("192.168.1.100"))
        #expect(first.device == "eth0")
        #expect(first.table == 100)
        #expect(first.metric == 5)
        #expect(first.scope == 253)
        #expect(first.routeProtocol == 18)
        #expect(first.preferredSource == IPAddress("192.168.1.1"))
        #expect(first.type == .unicast)
        #expect(first.family == .inet)
        #expect(!first.noTrack)
        #expect(routes[1].type == .blackhole)
        #expect(routes[1].destination == IPPrefix("10.0.0.0/8"))
        #expect(routes[1].table == 254)
        #expect(routes[2].destination == IPPrefix("172.16.0.0/12"))
        #expect(routes[2].table == 254)
        #expect(routes[2].tos == 4)
        #expect(routes[2].onlink)
        #expect(routes[2].noTrack)
        #expect(routes[2].options == [RouteOption(name: "mtu", lock: true, value: ["1400"])])
        #expect(routes[3].family == .inet6)
        #expect(routes[3].destination == IPPrefix("::/0"))
        #expect(routes[3].via == IPAddress("fe80::1"))
        #expect(result.interfaces.map(\.name) == ["eth0", "eth1", "eth0", "eth0"])
        #expect(result.interfaces.allSatisfy { $0.what == "VROUTE nexthop" })
    }

    @Test func routesWithoutInterfaceAreNotTracked() {
        let result = staticLoad("static_routes", "192.168.112.0/24 via 192.168.100.254",
                                "192.168.1.0/24 dev eth0 protocol bird")
        let routes = result.config.staticRoutes
        #expect(routes.count == 2)
        #expect(routes[0].noTrack)
        #expect(routes[0].routeProtocol == 18)
        #expect(routes[1].routeProtocol == 18)
        #expect(result.staticMessages == [
            "warning 2: Warning - cannot track route 192.168.112.0/24 with no interface specified, not tracking",
            "warning 3: Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol",
        ])
        let untracked = staticLoad("static_routes", "192.168.1.0/24 dev eth0 protocol bird no_track")
        #expect(untracked.config.staticRoutes.first?.routeProtocol == 12)
        #expect(untracked.staticMessages.isEmpty)
    }

    @Test func malformedRouteAddressesAreErrors() {
        let result = staticLoad("static_routes", "192.168.100./24 dev eth0", "10.1.0.0/16 via 1.2.3 dev eth0",
                                "10.1.0.0/16 dev eth0 src 10.0.0.", "10.1.0.0/33 dev eth0", "10.1.0.0/16 dev eth0 foo")
        #expect(result.config.staticRoutes.map(\.destination) == [IPPrefix("10.1.0.0/32")])
        #expect(result.staticMessages == [
            "error 2: VRRP parsed invalid IP 192.168.100./24. skipping IP...",
            "error 2: unknown route keyword 192.168.100./24",
            "error 3: VRRP parsed invalid IP 1.2.3. skipping IP...",
            "error 3: invalid route via address 1.2.3",
            "error 4: VRRP parsed invalid IP 10.0.0.. skipping IP...",
            "error 4: invalid route src address 10.0.0.",
            "warning 5: Invalid address prefix len 33 for address 10.1.0.0/33 - using 32",
            "error 6: VRRP parsed invalid IP foo. skipping IP...",
            "error 6: unknown route keyword foo",
        ])
        #expect(result.status == .errors)
    }

    @Test func routeValueErrors() {
        let result = staticLoad("static_routes", "10.1.0.0/16 dev eth0 table nosuchtable", "10.1.0.0/16 dev eth0 scope 256",
                                "10.1.0.0/16 dev eth0 protocol bogus", "10.1.0.0/16 dev eth0 metric -1",
                                "10.1.0.0/16 dev eth0 hoplimit 256", "10.1.0.0/16 dev eth0 pref high",
                                "2001:db8::/32 via 10.0.0.1 dev eth0", "10.1.0.0/16 dev", "inet6 10.1.0.0/16 dev eth0",
                                "dev eth0", "10.1.0.0/16 dev eth0 tos 256", "2001::/16 dev eth0 realms 1/2")
        #expect(result.config.staticRoutes.isEmpty)
        #expect(result.staticMessages == [
            "error 2: Routing table nosuchtable not found for route",
            "error 3: Scope 256 not found or invalid for route",
            "error 4: Protocol bogus not found or invalid for route",
            "error 5: Invalid metric -1 specified for route",
            "error 6: Invalid hoplimit 256 specified for route",
            "error 7: pref is only valid for IPv6",
            "error 8: Cannot mix IPv4 and IPv6 addresses for route",
            "error 9: Configuration line starting `10.1.0.0/16` is missing a parameter after keyword `dev` at word position 3",
            // keepalived 2.2.7 skips the word after inet6, here the destination.
            "error 10: Route must have a destination",
            "error 11: Route must have a destination",
            "error 12: TOS value 256 is invalid",
            "error 13: realms are only valid for IPv4",
        ])
    }

    @Test func deprecatedGatewayFormsAndNexthops() {
        let result = staticLoad("static_routes",
            "0.0.0.0/0 gw 192.168.0.1 table 100 dev eth0",
            "192.168.113.0/24 via 192.168.100.252 or 192.168.100.253 dev eth1",
            "192.168.100.0/24 table 6909 nexthop via 192.168.101.1 dev eth0 onlink weight 1 nexthop via 192.168.101.2 dev eth1 weight 2",
            "10.2.0.0/16 dev eth0 nexthop via 10.0.0.1 weight 0")
        let routes = result.config.staticRoutes
        #expect(routes.count == 4)
        #expect(routes[0].via == IPAddress("192.168.0.1"))
        #expect(routes[0].destination == IPPrefix("0.0.0.0/0"))
        #expect(routes[1].via == nil)
        #expect(routes[1].nexthops == [RouteNexthop(via: IPAddress("192.168.100.252")), RouteNexthop(via: IPAddress("192.168.100.253"))])
        var first = RouteNexthop(via: IPAddress("192.168.101.1"), device: "eth0")
        first.onlink = true
        first.weight = 1
        var second = RouteNexthop(via: IPAddress("192.168.101.2"), device: "eth1")
        second.weight = 2
        #expect(routes[2].nexthops == [first, second])
        #expect(routes[2].table == 6909)
        #expect(routes[2].noTrack)
        #expect(routes[3].nexthops.isEmpty)
        #expect(result.staticMessages == [
            "warning 2: \"gw\" for routes is deprecated. Please use \"via\"",
            "warning 3: \"or\" for routes is deprecated. Please use \"nexthop\"",
            "warning 4: Warning - cannot track route 192.168.100.0/24 with no interface specified, not tracking",
            "error 5: Invalid weight 0 specified for route",
        ])
    }

    @Test func routeAttributesAndEncap() {
        let result = staticLoad("static_routes",
            "192.168.200.0/24 dev eth1 table 6909 tos 0x04 protocol keepalived scope link priority 12 mtu 1000 hoplimit 100 advmss 101 rtt 102 rttvar 103 reordering 104 window 105 cwnd 106 ssthresh lock 107 realms 1/20 rto_min 108 initcwnd 109 initrwnd 110 features ecn append",
            "2001:470:69e9:1:2::4 dev eth0 pref high expires 100 fastopen_no_cookie 1 congctl lock cubic from 2001:db8::/48",
            "10.3.0.0/16 dev eth0 encap ip id 5 dst 10.0.0.9 ttl 3",
            "10.4.0.0/16 dev eth0 features foo rtt 10us")
        let routes = result.config.staticRoutes
        #expect(routes.count == 3)
        #expect(routes[0].metric == 12)
        #expect(routes[0].append)
        #expect(routes[0].options.map(\.name) == ["mtu", "hoplimit", "advmss", "rtt", "rttvar", "reordering", "window",
                                                 "cwnd", "ssthresh", "realms", "rto_min", "initcwnd", "initrwnd", "features"])
        #expect(routes[0].options.first { $0.name == "ssthresh" }?.lock == true)
        #expect(routes[1].family == .inet6)
        #expect(routes[1].destination == IPPrefix("2001:470:69e9:1:2::4/128"))
        #expect(routes[1].source == IPPrefix("2001:db8::/48"))
        #expect(routes[2].options == [RouteOption(name: "encap", value: ["ip", "id", "5", "dst", "10.0.0.9", "ttl", "3"])])
        #expect(result.staticMessages == [
            "error 5: feature foo not supported",
            "error 5: Invalid rtt 10us for route",
        ])
    }

    @Test func trackGroupsAreStaticOnlyAndMustExist() {
        var context = BuildContext()
        func line(_ number: Int, _ words: String...) -> ConfNode {
            ConfNode(keyword: words[0], arguments: Array(words.dropFirst()), location: SourceLocation(file: "k.conf", line: number))
        }
        let groups: Set<String> = ["GROUP1"]
        let routes = [
            StaticRoute.parseLine(line(7, "10.1.0.0/16", "dev", "eth0", "track_group", "GROUP1"), trackGroups: groups, context: &context),
            StaticRoute.parseLine(line(8, "10.2.0.0/16", "dev", "eth0", "track_group", "GROUP2"), trackGroups: groups, context: &context),
            StaticRoute.parseLine(line(9, "10.3.0.0/16", "via", "10.0.0.1", "track_group", "GROUP1"), trackGroups: groups, context: &context),
        ]
        #expect(routes.map { $0?.trackGroup } == ["GROUP1", nil, nil])
        let rule = StaticRule.parseLine(line(10, "from", "10.1.0.0/16", "table", "5", "priority", "5", "track_group", "GROUP1"),
                                        trackGroups: groups, context: &context)
        #expect(rule?.trackGroup == nil)
        #expect(context.diagnostics.items.map { "\($0.location?.line ?? 0): \($0.message)" } == [
            "8: track_group GROUP2 not found",
            "9: Warning - cannot track route 10.3.0.0/16 with no interface specified, not tracking",
            "9: Static route cannot have track group if no oif specified",
            "10: Static rule cannot have track_group if dev/iif not specified",
        ])
        // virtual_routes lines do not take track_group.
        var virtualContext = BuildContext()
        #expect(StaticRoute.parseLine(line(30, "10.4.0.0/16", "dev", "eth0", "track_group", "GROUP1"), context: &virtualContext) == nil)
        #expect(virtualContext.diagnostics.items.map(\.message) == ["VRRP parsed invalid IP track_group. skipping IP...",
                                                                    "unknown route keyword track_group"])
    }

    @Test func trackGroupNamesComeFromTopLevelBlocks() {
        var config = Config()
        let location = SourceLocation(file: "k.conf", line: 1)
        config.otherKeywords = [RecognisedKeyword(ConfNode(keyword: "track_group", arguments: ["G1"], location: location)),
                                RecognisedKeyword(ConfNode(keyword: "bfd_instance", arguments: ["B"], location: location))]
        #expect(StaticConfig.trackGroups(config) == ["G1"])
    }

    // MARK: static_rules

    @Test func ruleFieldsAreTyped() {
        let result = staticLoad("static_rules",
            "from 192.168.28.0/24 to 192.168.29.0/26 table 100 iif eth0 oif eth1 tos 22 fwmark 24/12 preference 39 realms 30/20",
            "to 1:2:3:4:5:6:7:0/112 from 7:6:5:4:3:2::/96 table 6908 uidrange 10000-19999 priority 40",
            "not from all lookup main priority 5 ipproto udp sport 10-20 dport 80-80 protocol 18",
            "from 10.0.0.0/8 blackhole priority 6",
            "from 10.0.0.0/8 goto 100 priority 7",
            "l3mdev priority 8")
        #expect(result.staticMessages.isEmpty)
        let rules = result.config.staticRules
        #expect(rules.count == 6)
        #expect(rules[0].from == IPPrefix("192.168.28.0/24"))
        #expect(rules[0].to == IPPrefix("192.168.29.0/26"))
        #expect(rules[0].action == .table(100))
        #expect(rules[0].inputInterface == "eth0")
        #expect(rules[0].outputInterface == "eth1")
        #expect(rules[0].tos == 22)
        #expect(rules[0].fwmark == 24)
        #expect(rules[0].fwmask == 12)
        #expect(rules[0].priority == 39)
        #expect(!rules[0].priorityAssigned)
        #expect(rules[0].realms == "30/20")
        #expect(rules[0].ruleProtocol == 18)
        #expect(rules[1].family == .inet6)
        #expect(rules[1].uidRange == NumberRange(start: 10000, end: 19999))
        #expect(rules[2].invert)
        #expect(rules[2].from == IPPrefix("0.0.0.0/0"))
        #expect(rules[2].action == .table(254))
        #expect(rules[2].ipProtocol == 17)
        #expect(rules[2].sourcePorts == NumberRange(start: 10, end: 20))
        #expect(rules[2].destinationPorts == NumberRange(start: 80, end: 80))
        #expect(rules[3].action == .blackhole)
        #expect(rules[4].action == .goto(100))
        #expect(rules[5].action == .l3mdev)
        #expect(result.interfaces.map(\.what) == ["rule", "rule"])
    }

    @Test func rulesWithoutPreferenceGetOneWithAWarning() {
        let result = staticLoad("static_rules", "from 192.168.100.0/24 table 1", "from 192.168.101.0/24 table 2 priority 3",
                                "to 192.168.102.0/24 table 1")
        #expect(result.config.staticRules.map(\.priority) == [16384, 3, 16383])
        #expect(result.config.staticRules.map(\.priorityAssigned) == [true, false, true])
        #expect(result.staticMessages == [
            "warning 2: Rule has no preference specified - setting to 16384. This is probably not what you want.",
            "warning 4: Rule has no preference specified - setting to 16383. This is probably not what you want.",
        ])
    }

    @Test func ruleErrors() {
        let result = staticLoad("static_rules",
            "to 192.168.100./24 table 1 priority 1", "from 10.0.0.0/8 priority 2", "from 10.0.0.0/8 table 0 priority 3",
            "from 10.0.0.0/8 to 2001::/16 table 1 priority 4", "from 10.0.0.0/8 goto 10 priority 50",
            "from 10.0.0.0/8 goto 10", "from 10.0.0.0/8 table 1 blackhole priority 5", "from 10.0.0.0/8 throw priority 6",
            "from 10.0.0.0/8 bogus priority 7", "from 10.0.0.0/8 nop priority 8 realms 30/20",
            "fwmark -1 table 1 priority 9", "from 10.0.0.0/8 table 1 priority 10 protocol 12",
            "l3mdev table 1 priority 11", "from 10.0.0.0/8 table small priority 12",
            "from 10.0.0.0/8 table 1 priority 13 dport 80")
        #expect(result.config.staticRules.map(\.priority) == [10, 13])
        #expect(result.config.staticRules.last?.destinationPorts == nil)
        #expect(result.staticMessages == [
            "error 2: VRRP parsed invalid IP 192.168.100./24. skipping IP...",
            "error 2: Invalid rule to address 192.168.100./24",
            "error 3: No action specified for rule - ignoring",
            "error 4: Table 0 is not valid",
            "error 5: rule specification has mixed IPv4 and IPv6",
            "error 6: Invalid rule - preference 50 >= goto target 10",
            "error 7: Invalid rule - goto target 10 specified without preference",
            "error 8: Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule",
            "error 9: Invalid rule action throw",
            "error 10: Unknown rule option bogus",
            "error 11: suppressor/realm specified for non table action - skipping",
            "error 12: Invalid rule fwmark -1 specified",
            "warning 13: Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol",
            "error 14: Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule",
            "error 15: Routing table small not found for rule",
            // keepalived 2.2.7 rejects a single port but keeps the rule.
            "error 16: invalid dport range 80",
        ])
    }

    @Test func virtualRulesCallTheSameGrammar() {
        var context = BuildContext()
        let node = ConfNode(keyword: "from", arguments: ["10.0.0.0/8", "table", "5", "priority", "100", "no_track"],
                            location: SourceLocation(file: "k.conf", line: 7))
        let rule = StaticRule.parseLine(node, context: &context)
        #expect(rule?.action == .table(5))
        #expect(rule?.noTrack == true)
        #expect(rule?.ruleProtocol == nil)
        #expect(rule?.location.line == 7)
        #expect(context.diagnostics.items.isEmpty)
    }
}
