import ConfParser
import Testing
@testable import IPVSSync

@Suite struct IPVSDesiredStateTests {
    @Test func groupEntriesEachBecomeAServiceWithTheSameDestinations() throws {
        let text = """
        virtual_server_group WEB {
          10.0.0.1-3 80
          10.0.1.0/31 443
          fwmark 7
        }
        virtual_server group WEB {
          protocol TCP
          lb_algo wrr
          lb_kind DR
          persistence_timeout 300
          persistence_granularity 255.255.255.0
          real_server 192.168.1.1 {
            weight 2
          }
          real_server 192.168.1.2 {
          }
        }
        """
        let config = try IPVSTest.config(text)
        let table = DesiredState.table(from: config)
        #expect(table.services.map(\.key.description) == [
            "[10.0.0.1]:tcp:80", "[10.0.0.2]:tcp:80", "[10.0.0.3]:tcp:80", "[10.0.1.0]:tcp:443", "[10.0.1.1]:tcp:443", "FWM 7",
        ])
        for entry in table.entries {
            #expect(entry.service.scheduler == "wrr" && entry.service.timeout == 300)
            // keepalived sends the default netmask for group entries.
            #expect(entry.service.netmask == 0xffff_ffff)
            #expect(entry.destinations.map(\.address) == [IPVSTest.ip("192.168.1.1"), IPVSTest.ip("192.168.1.2")])
            #expect(entry.destinations.map(\.weight) == [2, 1])
            #expect(entry.destinations.allSatisfy { $0.forwarding == .route })
        }
        // DR destinations take the port of their group entry, 0 for the fwmark entry.
        #expect(table.entries.map { $0.destinations[0].port } == [80, 80, 80, 443, 443, 0])
        #expect(table.entry(.fwmark(7, family: .inet)) != nil)

        let backend = InMemoryBackend()
        let plan = try IPVSTest.sync(config, backend: backend)
        #expect(plan.count == 18)
        #expect(plan[1].logMessage == "Adding service [192.168.1.1]:tcp:0 to VS [WEB]:0")
        var lines: [String] = []
        IPVSSync.apply(Reconciler.teardown(owned: DesiredState.ownership(from: config), current: try backend.dump()), to: backend) { lines.append($0) }
        // One line per real server, as keepalived logs it for the whole group.
        #expect(lines == ["Removing service [192.168.1.1]:tcp:0 from VS [WEB]:0", "Removing service [192.168.1.2]:tcp:0 from VS [WEB]:0"])
        #expect(try backend.dump().isEmpty)
    }

    @Test func fwmarkServiceHasPortZeroForDirectRouting() throws {
        let text = """
        virtual_server fwmark 5 {
          lb_algo mh
          mh-port
          mh-fallback
          lb_kind DR
          real_server 192.168.1.1 {
          }
          real_server 192.168.1.2 {
            lvs_method NAT
          }
          real_server 192.168.1.3 {
            lvs_method TUN type gue port 6080 csum
          }
        }
        """
        let table = DesiredState.table(from: try IPVSTest.config(text))
        let entry = try #require(table.entry(.fwmark(5, family: .inet)))
        #expect(entry.service.scheduler == "mh" && entry.service.flags == [.mhPort, .mhFallback])
        #expect(entry.service.key.protocolNumber == 0)
        #expect(entry.destinations.map(\.port) == [0, 0, 0])
        #expect(entry.destinations.map(\.forwarding.method) == [.route, .masquerade, .tunnel])
        let gue = entry.destinations[2].forwarding
        #expect(gue.tunnelType == .gue && gue.tunnelPort == 6080 && gue.tunnelFlags == IPVSConstants.tunnelFlagChecksum)
        #expect(Reconciler.plan(desired: table, current: IPVSTable(), owned: .none).first?.service?.displayName == "FWM 5")
    }

    @Test func ipv6ServiceWithPrefixGranularity() throws {
        let text = IPVSTest.service("2001:db8::80", 443, sched: "sh", kind: "DR",
                                    extra: "  persistence_timeout 120\n  persistence_granularity 64\n  hashed",
                                    rs: ["2001:db8::1 443", "2001:db8::2 443 uthreshold 100"])
            + IPVSTest.service("10.0.0.1", 53, proto: "UDP", extra: "  ops\n  persistence_timeout\n  persistence_granularity 255.255.0.0",
                               rs: ["10.1.1.1 53"])
        let config = try IPVSTest.config(text)
        let table = DesiredState.table(from: config)
        let v6 = try #require(table.entry(.endpoint(.tcp, IPVSTest.ip("2001:db8::80"), port: 443)))
        #expect(v6.service.key.family == .inet6 && v6.service.netmask == 64 && v6.service.timeout == 120)
        #expect(v6.service.flags == [.persistent, .hashed])
        #expect(v6.destinations.map(\.upperThreshold) == [0, 100])
        let v4 = try #require(table.entry(.endpoint(.udp, IPVSTest.ip("10.0.0.1"), port: 53)))
        #expect(v4.service.netmask == 0xffff_0000 && v4.service.timeout == 360 && v4.service.flags == [.persistent, .onePacket])
        let backend = InMemoryBackend()
        try IPVSTest.sync(config, backend: backend)
        #expect(try IPVSTest.sync(config, backend: backend).isEmpty)
        #expect(try backend.dump().entry(v6.service.key)?.destinations.count == 2)
    }

    static let sorryConfig = IPVSTest.service("10.0.0.1", 80, extra: "  quorum 2\n  sorry_server 192.168.9.9 8080",
                                               rs: ["192.168.1.1 8080", "192.168.1.2 8080"])

    @Test func sorryServerReplacesRealServersOnQuorumLoss() throws {
        let config = try IPVSTest.config(Self.sorryConfig)
        let backend = InMemoryBackend()
        let start = try IPVSTest.sync(config, backend: backend)
        #expect(!IPVSTest.names(start).contains { $0.contains("192.168.9.9") })

        var health = HealthSnapshot()
        health.setDown(RealServerRef(virtualServer: 0, realServer: 1))
        let lost = try IPVSTest.sync(config, health: health, backend: backend)
        #expect(IPVSTest.names(lost) == [
            "addDestination [192.168.9.9]:8080 [10.0.0.1]:tcp:80 w1",
            "deleteDestination [192.168.1.1]:8080 [10.0.0.1]:tcp:80",
            "deleteDestination [192.168.1.2]:8080 [10.0.0.1]:tcp:80",
        ])
        #expect(lost[0].logMessage == "Adding sorry server [192.168.9.9]:tcp:8080 to VS [10.0.0.1]:tcp:80")

        let regained = try IPVSTest.sync(config, backend: backend)
        #expect(IPVSTest.names(regained) == [
            "addDestination [192.168.1.1]:8080 [10.0.0.1]:tcp:80 w1",
            "addDestination [192.168.1.2]:8080 [10.0.0.1]:tcp:80 w1",
            "deleteDestination [192.168.9.9]:8080 [10.0.0.1]:tcp:80",
        ])
        #expect(regained[2].logMessage == "Removing sorry server [192.168.9.9]:tcp:8080 from VS [10.0.0.1]:tcp:80")

        // An explicit quorum decision (hysteresis lives in the checker) overrides the computed one.
        let forced = DesiredState.table(from: config, health: HealthSnapshot(quorum: [0: false]))
        #expect(forced.entries[0].destinations.map(\.isSorryServer) == [true])
    }

    @Test func sorryServerInhibitKeepsItAtWeightZero() throws {
        let text = Self.sorryConfig.replacing("sorry_server 192.168.9.9 8080",
                                                         with: "sorry_server 192.168.9.9 8080\n  sorry_server_inhibit\n  inhibit_on_failure")
        let config = try IPVSTest.config(text)
        let up = DesiredState.table(from: config).entries[0].destinations
        #expect(up.map(\.weight) == [1, 1, 0] && up[2].isSorryServer && up[2].isInhibited)
        let backend = InMemoryBackend()
        try IPVSTest.sync(config, backend: backend)
        let lost = try IPVSTest.sync(config, health: HealthSnapshot(quorum: [0: false]), backend: backend)
        #expect(IPVSTest.names(lost) == [
            "editDestination [192.168.1.1]:8080 [10.0.0.1]:tcp:80 w0",
            "editDestination [192.168.1.2]:8080 [10.0.0.1]:tcp:80 w0",
            "editDestination [192.168.9.9]:8080 [10.0.0.1]:tcp:80 w1",
        ])
        #expect(lost.map(\.logMessage) == [
            "Disabling service [192.168.1.1]:tcp:8080 of VS [10.0.0.1]:tcp:80",
            "Disabling service [192.168.1.2]:tcp:8080 of VS [10.0.0.1]:tcp:80",
            "Enabling sorry server [192.168.9.9]:tcp:8080 of VS [10.0.0.1]:tcp:80",
        ])
    }

    @Test func inhibitOnFailureKeepsDeadServersAtWeightZero() throws {
        let text = IPVSTest.service("10.0.0.1", 80, rs: ["192.168.1.1 80 inhibit_on_failure", "192.168.1.2 80 weight 4"])
        let config = try IPVSTest.config(text)
        let backend = InMemoryBackend()
        try IPVSTest.sync(config, backend: backend)
        var health = HealthSnapshot()
        health.setDown(RealServerRef(virtualServer: 0, realServer: 0))
        health.setDown(RealServerRef(virtualServer: 0, realServer: 1), weight: 4)
        let down = try IPVSTest.sync(config, health: health, backend: backend)
        #expect(IPVSTest.names(down) == ["editDestination [192.168.1.1]:80 [10.0.0.1]:tcp:80 w0",
                                         "deleteDestination [192.168.1.2]:80 [10.0.0.1]:tcp:80"])
        #expect(down[0].logMessage == "Disabling service [192.168.1.1]:tcp:80 of VS [10.0.0.1]:tcp:80")
        let up = try IPVSTest.sync(config, backend: backend)
        #expect(IPVSTest.names(up) == ["addDestination [192.168.1.2]:80 [10.0.0.1]:tcp:80 w4",
                                       "editDestination [192.168.1.1]:80 [10.0.0.1]:tcp:80 w1"])
        #expect(up[1].logMessage == "Enabling service [192.168.1.1]:tcp:80 of VS [10.0.0.1]:tcp:80")
        // A checker-set weight is used as is.
        let weighted = DesiredState.table(from: config, health: HealthSnapshot(realServers: [
            RealServerRef(virtualServer: 0, realServer: 1): RealServerHealth(alive: true, weight: 9)]))
        #expect(weighted.entries[0].destinations.map(\.weight) == [1, 9])
    }

    @Test func alphaServersWithCheckersStartDown() throws {
        let text = IPVSTest.service("10.0.0.1", 80, extra: "  alpha\n  sorry_server 192.168.9.9 80", rs: [
            "192.168.1.1 80 TCP_CHECK {\n      connect_timeout 3\n    }", "192.168.1.2 80 inhibit_on_failure\n    TCP_CHECK {\n    }",
        ])
        let config = try IPVSTest.config(text)
        let start = DesiredState.table(from: config, health: StartupHealth()).entries[0].destinations
        #expect(start.map(\.address.description) == ["192.168.1.2", "192.168.9.9"] && start.map(\.weight) == [0, 1])
        #expect(DesiredState.table(from: config).entries[0].destinations.map(\.weight) == [1, 1])
    }

    @Test func directRoutingDestinationsUseTheServicePort() throws {
        let text = IPVSTest.service("10.0.0.1", 80, kind: "DR", rs: ["192.168.1.1 80", "192.168.1.2 80"])
            + IPVSTest.service("10.0.0.1", 8080, rs: ["192.168.1.1 9000"])
        let table = DesiredState.table(from: try IPVSTest.config(text))
        #expect(table.entries.map { $0.destinations.map(\.port) } == [[80, 80], [9000]])
        #expect(table.entries.map { $0.destinations.map(\.forwarding.method) } == [[.route, .route], [.masquerade]])
    }

    @Test func planningAnIdenticalLargeTableIsFast() throws {
        var desired = IPVSTable()
        for index in 0..<2000 {
            let key = IPVSServiceKey.endpoint(.tcp, .v4(0x0a00_0000 + UInt32(index)), port: 80)
            let service = IPVSService(key: key, scheduler: "wlc")
            let dests = (0..<20).map { IPVSDestination(address: .v4(0xc0a8_0000 + UInt32($0)), port: 8080, weight: 1) }
            desired.upsert(IPVSServiceEntry(service: service, destinations: dests))
        }
        let backend = InMemoryBackend()
        let first = Reconciler.plan(desired: desired, current: try backend.dump(), owned: IPVSOwnership(desired))
        #expect(first.count == 2000 * 21)
        #expect(IPVSSync.apply(first, to: backend).applied == 42_000)
        let current = try backend.dump()
        let owned = IPVSOwnership(desired)
        let clock = ContinuousClock()
        var plan: [IPVSOperation] = [.flush]
        let elapsed = clock.measure { plan = Reconciler.plan(desired: desired, current: current, owned: owned, flushForeign: true) }
        #expect(plan.isEmpty)
        // A few milliseconds in release; generous for debug builds on a shared machine.
        #expect(elapsed < .milliseconds(500), "planning took \(elapsed)")
    }
}

@Suite struct IPVSScaleTests {
    /// 2,000 virtual servers x 20 real servers from a configuration: desired state, ownership and
    /// the plan against the identical table (timings printed for `swift test -c release`).
    @Test func desiredStateAndPlanAtScale() throws {
        var text = ""
        for index in 0..<2000 {
            text += "virtual_server 10.\(index / 250).\(index % 250).1 80 {\n  protocol TCP\n  lb_algo wlc\n  lb_kind NAT\n"
            for server in 0..<20 { text += "  real_server 192.168.\(server).\(index % 250 + 1) 8080 {\n    weight 2\n  }\n" }
            text += "}\n"
        }
        let config = ConfigLoader.load(text: text).config
        #expect(config.virtualServers.count == 2000)
        let clock = ContinuousClock()
        var desired = IPVSTable()
        let build = clock.measure { desired = DesiredState.table(from: config) }
        var owned = IPVSOwnership.none
        let ownership = clock.measure { owned = DesiredState.ownership(from: config) }
        #expect(desired.count == 2000 && desired.destinationCount == 40_000 && owned.services.count == 2000)
        let backend = InMemoryBackend()
        let result = IPVSSync.apply(Reconciler.plan(desired: desired, current: try backend.dump(), owned: owned), to: backend)
        #expect(result.applied == 42_000)
        let current = try backend.dump()
        var plan: [IPVSOperation] = [.flush]
        var planning = Duration.seconds(1)
        for _ in 0..<5 {
            planning = min(planning, clock.measure { plan = Reconciler.plan(desired: desired, current: current, owned: owned) })
        }
        #expect(plan.isEmpty)
        print("IPVS scale: desired \(build), ownership \(ownership), identical plan \(planning)")
    }
}
