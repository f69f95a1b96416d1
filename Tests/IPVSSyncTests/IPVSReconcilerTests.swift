import ConfParser
import Testing
@testable import IPVSSync

@Suite struct IPVSReconcilerTests {
    @Test func emptyToFullAddsServicesBeforeTheirDestinations() throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        let backend = InMemoryBackend()
        let plan = try IPVSTest.sync(config, backend: backend)
        #expect(IPVSTest.names(plan) == [
            "addService [10.0.0.1]:tcp:80",
            "addDestination [192.168.1.1]:8080 [10.0.0.1]:tcp:80 w1",
            "addDestination [192.168.1.2]:8080 [10.0.0.1]:tcp:80 w1",
            "addDestination [192.168.1.3]:8080 [10.0.0.1]:tcp:80 w3",
            "addService [10.0.0.2]:udp:53",
            "addDestination [192.168.1.1]:53 [10.0.0.2]:udp:53 w1",
            "addDestination [192.168.1.2]:53 [10.0.0.2]:udp:53 w1",
        ])
        #expect(plan[1].logMessage == "Adding service [192.168.1.1]:tcp:8080 to VS [10.0.0.1]:tcp:80")
        let dumped = try backend.dump()
        #expect(dumped.count == 2 && dumped.destinationCount == 5)
        let service = try #require(dumped.entry(IPVSTest.tcp("10.0.0.1", 80))?.service)
        #expect(service.scheduler == "rr" && service.netmask == 0xffff_ffff && service.timeout == 0)
        #expect(service.flags == .hashed)  // the kernel's own flag, as a dump shows it
        #expect(dumped.entries.map(\.service) == DesiredState.table(from: config).entries.map(\.service))
    }

    @Test func fullTableUnchangedPlansZeroOperations() throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        let backend = InMemoryBackend()
        try IPVSTest.sync(config, backend: backend)
        backend.clearHistory()
        let plan = try IPVSTest.sync(config, backend: backend)
        #expect(plan.isEmpty)
        #expect(backend.history.isEmpty)
        // Adoption: a kernel that already holds the table (e.g. after kill -9) needs nothing either.
        let adopted = InMemoryBackend(try backend.dump())
        #expect(try IPVSTest.sync(config, flushForeign: true, backend: adopted).isEmpty)
    }

    @Test func destinationOrderDoesNotMatter() throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        let desired = DesiredState.table(from: config)
        for order in [{ (d: [IPVSDestination]) in Array(d.reversed()) }, { (d: [IPVSDestination]) in [d[1]] + d[2...] + [d[0]] }] {
            let current = IPVSTable(desired.entries.map { IPVSServiceEntry(service: $0.service, destinations: order($0.destinations)) })
            #expect(Reconciler.plan(desired: desired, current: current, owned: DesiredState.ownership(from: config)).isEmpty)
            var changed = current
            changed.modify(IPVSTest.tcp("10.0.0.1", 80)) { $0.upsert(IPVSDestination(address: IPVSTest.ip("192.168.1.3"), port: 8080, weight: 9)) }
            let plan = Reconciler.plan(desired: desired, current: changed, owned: DesiredState.ownership(from: config))
            #expect(IPVSTest.names(plan) == ["editDestination [192.168.1.3]:8080 [10.0.0.1]:tcp:80 w3"])
        }
    }

    @Test func oneWeightChangedIsOneEdit() throws {
        let backend = InMemoryBackend()
        try IPVSTest.sync(try IPVSTest.config(IPVSTest.basic), backend: backend)
        let changed = try IPVSTest.config(IPVSTest.basic.replacing("weight 3", with: "weight 7"))
        let plan = try IPVSTest.sync(changed, backend: backend)
        #expect(IPVSTest.names(plan) == ["editDestination [192.168.1.3]:8080 [10.0.0.1]:tcp:80 w7"])
        #expect(plan.first?.logMessage == "Changing weight from 3 to 7 for active service [192.168.1.3]:tcp:8080 of VS [10.0.0.1]:tcp:80")
        #expect(try backend.dump().entry(IPVSTest.tcp("10.0.0.1", 80))?.destination(IPVSTest.destKey("192.168.1.3", 8080))?.weight == 7)
    }

    @Test func schedulerChangedIsOneServiceEdit() throws {
        let backend = InMemoryBackend()
        try IPVSTest.sync(try IPVSTest.config(IPVSTest.basic), backend: backend)
        let changed = try IPVSTest.config(IPVSTest.basic.replacing("lb_algo rr", with: "lb_algo sh\n  sh-port"))
        let plan = try IPVSTest.sync(changed, backend: backend)
        #expect(IPVSTest.names(plan) == ["editService [10.0.0.1]:tcp:80"])
        let service = try #require(try backend.dump().entry(IPVSTest.tcp("10.0.0.1", 80))?.service)
        #expect(service.scheduler == "sh" && service.flags.significant == .shPort)
    }

    @Test func persistenceChangedIsOneServiceEdit() throws {
        let backend = InMemoryBackend()
        try IPVSTest.sync(try IPVSTest.config(IPVSTest.basic), backend: backend)
        let changed = try IPVSTest.config(IPVSTest.basic.replacing(
            "lb_algo rr", with: "lb_algo rr\n  persistence_timeout 600\n  persistence_granularity 255.255.255.0"))
        let plan = try IPVSTest.sync(changed, backend: backend)
        #expect(IPVSTest.names(plan) == ["editService [10.0.0.1]:tcp:80"])
        let service = try #require(try backend.dump().entry(IPVSTest.tcp("10.0.0.1", 80))?.service)
        #expect(service.timeout == 600 && service.netmask == 0xffff_ff00 && service.flags.contains(.persistent))
    }

    @Test func forwardingChangedIsOneDestinationEdit() throws {
        let text = IPVSTest.service("10.0.0.1", 80, rs: ["192.168.1.1 80", "192.168.1.2 80"])
        let backend = InMemoryBackend()
        try IPVSTest.sync(try IPVSTest.config(text), backend: backend)
        let changed = try IPVSTest.config(text.replacing("real_server 192.168.1.2 80 {\n",
                                                                     with: "real_server 192.168.1.2 80 {\n    lvs_method DR\n"))
        let plan = try IPVSTest.sync(changed, backend: backend)
        #expect(IPVSTest.names(plan) == ["editDestination [192.168.1.2]:80 [10.0.0.1]:tcp:80 w1"])
        #expect(plan.first?.logMessage == nil)
        #expect(try backend.dump().entry(IPVSTest.tcp("10.0.0.1", 80))?.destination(IPVSTest.destKey("192.168.1.2", 80))?.forwarding == .route)
    }

    @Test func removedServiceLosesDestinationsThenService() throws {
        let backend = InMemoryBackend()
        try IPVSTest.sync(try IPVSTest.config(IPVSTest.basic), backend: backend)
        let smaller = try IPVSTest.config(IPVSTest.service("10.0.0.1", 80, rs: ["192.168.1.1 8080", "192.168.1.2 8080",
                                                                                   "192.168.1.3 8080 weight 3"]))
        // The old configuration owns the service that is going away.
        let owned = DesiredState.ownership(from: try IPVSTest.config(IPVSTest.basic))
        let plan = Reconciler.plan(desired: DesiredState.table(from: smaller), current: try backend.dump(), owned: owned)
        #expect(IPVSTest.names(plan) == [
            "deleteDestination [192.168.1.1]:53 [10.0.0.2]:udp:53",
            "deleteDestination [192.168.1.2]:53 [10.0.0.2]:udp:53",
            "deleteService [10.0.0.2]:udp:53",
        ])
        #expect(plan.first?.logMessage == "Removing service [192.168.1.1]:udp:53 from VS [10.0.0.2]:udp:53")
        #expect(IPVSSync.apply(plan, to: backend).applied == 3)
        #expect(try backend.dump().count == 1)
    }

    @Test func foreignEntriesAreLeftAloneUnlessFlushing() throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        let foreignService = IPVSService(key: IPVSTest.tcp("172.16.0.1", 443), scheduler: "wlc")
        let foreignDest = IPVSDestination(address: IPVSTest.ip("10.9.9.9"), port: 8080)
        let backend = InMemoryBackend()
        try IPVSTest.sync(config, backend: backend)
        try backend.apply(.addService(foreignService))
        try backend.apply(.addDestination(foreignDest, service: foreignService))
        let ours = try #require(try backend.dump().entry(IPVSTest.tcp("10.0.0.1", 80))?.service)
        try backend.apply(.addDestination(foreignDest, service: ours))

        #expect(try IPVSTest.sync(config, backend: backend).isEmpty)
        #expect(try backend.dump().count == 3)

        let plan = try IPVSTest.sync(config, flushForeign: true, backend: backend)
        #expect(IPVSTest.names(plan) == ["deleteService [172.16.0.1]:tcp:443",
                                         "deleteDestination [10.9.9.9]:8080 [10.0.0.1]:tcp:80"])
        #expect(try backend.dump() == DesiredState.table(from: config).with(timeouts: .kernelDefaults, daemons: []))
    }

    @Test func flushIsUsedWhenCheaperThanDeletingForeignEntries() throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        var foreign = IPVSTable()
        for index in 0..<20 {
            let service = IPVSService(key: .fwmark(UInt32(100 + index), family: .inet), scheduler: "rr")
            foreign.upsert(IPVSServiceEntry(service: service, destinations: [IPVSDestination(address: IPVSTest.ip("10.9.9.9"), port: 0)]))
        }
        let backend = InMemoryBackend(foreign)
        let plan = try IPVSTest.sync(config, flushForeign: true, backend: backend)
        #expect(plan.first == .flush && plan.count == 8)
        #expect(try backend.dump().count == 2)
        // Without lvs_flush the foreign services stay and only ours are added.
        let kept = InMemoryBackend(foreign)
        #expect(try IPVSTest.sync(config, backend: kept).count == 7)
        #expect(try kept.dump().count == 22)
    }

    @Test func teardownRemovesOnlyWhatTheConfigOwns() throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        let owned = DesiredState.ownership(from: config)
        let foreignService = IPVSService(key: IPVSTest.tcp("172.16.0.1", 443), scheduler: "wlc")
        let backend = InMemoryBackend()
        try IPVSTest.sync(config, backend: backend)
        try backend.apply(.addService(foreignService))

        let current = try backend.dump()
        let byService = Reconciler.teardown(owned: owned, current: current, flushOnStop: .virtualServers)
        #expect(IPVSTest.names(byService) == ["deleteService [10.0.0.1]:tcp:80", "deleteService [10.0.0.2]:udp:53"])
        #expect(Reconciler.teardown(owned: owned, current: current, flushOnStop: .all) == [.flush])

        let plan = Reconciler.teardown(owned: owned, current: current)
        #expect(IPVSTest.names(plan) == [
            "deleteDestination [192.168.1.1]:8080 [10.0.0.1]:tcp:80",
            "deleteDestination [192.168.1.2]:8080 [10.0.0.1]:tcp:80",
            "deleteDestination [192.168.1.3]:8080 [10.0.0.1]:tcp:80",
            "deleteService [10.0.0.1]:tcp:80",
            "deleteDestination [192.168.1.1]:53 [10.0.0.2]:udp:53",
            "deleteDestination [192.168.1.2]:53 [10.0.0.2]:udp:53",
            "deleteService [10.0.0.2]:udp:53",
        ])
        var lines: [String] = []
        let result = IPVSSync.apply(plan, to: backend) { lines.append($0) }
        #expect(result.applied == 7 && result.failures.isEmpty)
        #expect(lines.count == 5 && lines[2] == "Removing service [192.168.1.3]:tcp:8080 from VS [10.0.0.1]:tcp:80")
        #expect(try backend.dump().services == [foreignService])
        #expect(Reconciler.teardown(owned: owned, current: try backend.dump()).isEmpty)
    }

    @Test func applierTreatsExistingAndMissingAsSuccess() throws {
        let service = IPVSService(key: IPVSTest.tcp("10.0.0.1", 80), scheduler: "rr")
        let dest = IPVSDestination(address: IPVSTest.ip("10.1.1.1"), port: 80)
        let backend = InMemoryBackend()
        let plan: [IPVSOperation] = [
            .addService(service), .addService(service),
            .addDestination(dest, service: service), .addDestination(dest, service: service),
            .deleteDestination(dest, service: service), .deleteDestination(dest, service: service),
            .deleteService(service), .deleteService(service),
            .editService(service),
            .addService(IPVSService(key: IPVSTest.tcp("10.0.0.9", 80), scheduler: "nosuch")),
        ]
        let result = IPVSSync.apply(plan, to: backend)
        #expect(result.applied == 4 && result.alreadyPresent == 2 && result.alreadyAbsent == 2)
        #expect(result.failures.map(\.error.code) == [IPVSConstants.errnoESRCH, IPVSConstants.errnoENOENT])
        #expect(throws: IPVSError.self) { try backend.apply(.editDestination(dest, service: service, previous: nil)) }
    }

    @Test func kernelRulesOfTheInMemoryBackend() throws {
        let v4 = IPVSService(key: IPVSTest.tcp("10.0.0.1", 80), scheduler: "rr")
        let backend = InMemoryBackend()
        try backend.apply(.addService(v4))
        let v6dest = IPVSDestination(address: IPVSTest.ip("2001:db8::1"), port: 80)
        #expect(throws: IPVSError.invalid("Destination family differs from the service's and is not tunnelled")) {
            try backend.apply(.addDestination(v6dest, service: v4))
        }
        var tunnelled = v6dest
        tunnelled.forwarding = .tunnel
        try backend.apply(.addDestination(tunnelled, service: v4))
        let thresholds = IPVSDestination(address: IPVSTest.ip("10.0.0.5"), port: 80, lowerThreshold: 5)
        #expect(throws: IPVSError.outOfRange("Lower threshold is higher than upper threshold")) {
            try backend.apply(.addDestination(thresholds, service: v4))
        }
        let badV6 = IPVSService(key: .endpoint(.tcp, IPVSTest.ip("2001:db8::80"), port: 80), scheduler: "rr", netmask: 0)
        #expect((try? backend.apply(.addService(badV6))) == nil)
    }

    @Test func timeoutsAreSetOnceAndDaemonsFollowTheRole() throws {
        let text = """
        global_defs {
          lvs_timeouts tcp 7200 udp 60
          lvs_sync_daemon eth0 VI_1 id 42
        }
        vrrp_instance VI_1 {
          interface eth0
          virtual_router_id 51
          priority 100
          virtual_ipaddress {
            10.0.0.100
          }
        }
        """ + IPVSTest.basic
        let config = try IPVSTest.config(text)
        let owned = DesiredState.ownership(from: config)
        let backend = InMemoryBackend()
        let desired = DesiredState.table(from: config, syncDaemonRoles: [.backup])
        var plan = Reconciler.plan(desired: desired, current: try backend.dump(), owned: owned)
        #expect(plan.first == .setTimeouts(IPVSTimeouts(tcp: 7200, udp: 60)))
        #expect(plan.last == .startDaemon(IPVSSyncDaemon(role: .backup, interface: "eth0", syncID: 42)))
        IPVSSync.apply(plan, to: backend)
        #expect(try backend.dump().timeouts == IPVSTimeouts(tcp: 7200, tcpFin: 120, udp: 60))
        #expect(Reconciler.plan(desired: desired, current: try backend.dump(), owned: owned).isEmpty)

        let master = DesiredState.table(from: config, syncDaemonRoles: [.master])
        plan = Reconciler.plan(desired: master, current: try backend.dump(), owned: owned)
        #expect(IPVSTest.names(plan) == ["stopDaemon backup", "startDaemon master"])
        IPVSSync.apply(plan, to: backend)
        #expect(IPVSTest.names(Reconciler.teardown(owned: owned, current: try backend.dump(), flushOnStop: .all))
                == ["flush", "stopDaemon master"])
    }
}

extension IPVSTable {
    /// The table as a dump shows it: with the backend's timeouts and daemons.
    func with(timeouts: IPVSTimeouts, daemons: [IPVSSyncDaemon]) -> IPVSTable {
        var table = self
        table.timeouts = timeouts
        table.syncDaemons = daemons
        return table
    }
}

@Suite struct IPVSOperationSizeTests {
    /// A start's plan holds one operation per real server: each takes the size of the largest case.
    /// (An edit with its previous destination inline made it 225 bytes.)
    @Test func anOperationIsNoLargerThanAnAddedDestinationWithItsService() {
        #expect(MemoryLayout<IPVSOperation>.size <= MemoryLayout<IPVSService>.size + MemoryLayout<IPVSDestination>.size + 8)
    }

    /// The service an operation carries is one word, its fields shared with the table's service (its
    /// 88 bytes inline made a start's 10,500 operations take 1.7 MB).
    @Test func aServiceIsOneSharedWordAndCopiesDoNotChangeEachOther() {
        #expect(MemoryLayout<IPVSService>.size == 8)
        let key = IPVSServiceKey.endpoint(.tcp, .v4(0x0A00_0001), port: 80)
        let service = IPVSService(key: key, scheduler: "wrr", flags: [.persistent], timeout: 300, virtualServerName: "VS")
        var copy = service
        copy.scheduler = "rr"
        copy.flags.insert(.hashed)
        copy.virtualServerName = nil
        #expect(service.scheduler == "wrr" && service.flags == [.persistent] && service.virtualServerName == "VS")
        #expect(copy.scheduler == "rr" && copy.flags == [.persistent, .hashed] && copy.virtualServerName == nil)
        #expect(copy.key == key && copy.timeout == 300 && copy.netmask == service.netmask)
        #expect(copy != service && copy.hasSameSettings(as: service) == false)
        copy.scheduler = "wrr"
        #expect(copy == service, "the name and the hashed flag are not part of equality")
    }
}
