import ConfParser
import Testing
@testable import IPVSSync

/// Reconciling health changes against the table the kernel is known to hold (no dump).
@Suite struct IPVSKnownTableTests {
    @Test func healthChangesPlanAgainstTheKnownTableAndKeepItEqualToTheBackend() throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        let backend = InMemoryBackend()
        let owned = DesiredState.ownership(from: config)
        let start = try IPVSSync.reconcile(DesiredState.table(from: config), owned: owned, known: nil, backend: backend)
        #expect(start.plan.count == 7)
        var known = try #require(start.known)
        #expect(try known == backend.dump())

        var health = HealthSnapshot()
        health.setDown(RealServerRef(virtualServer: 0, realServer: 1))
        backend.clearHistory()
        let down = try IPVSSync.reconcile(DesiredState.table(from: config, health: health), owned: owned,
                                          known: known, backend: backend)
        #expect(IPVSTest.names(down.plan) == ["deleteDestination [192.168.1.2]:8080 [10.0.0.1]:tcp:80"])
        #expect(backend.history.count == 1)
        known = try #require(down.known)
        #expect(try known == backend.dump())

        let up = try IPVSSync.reconcile(DesiredState.table(from: config), owned: owned, known: known, backend: backend)
        #expect(IPVSTest.names(up.plan) == ["addDestination [192.168.1.2]:8080 [10.0.0.1]:tcp:80 w1"])
        #expect(try up.known == backend.dump())
    }

    @Test func aFailedOperationForgetsTheTable() throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        let backend = InMemoryBackend()
        let owned = DesiredState.ownership(from: config)
        // A stale belief: the service is thought present, so the plan only adds a destination to a
        // service the backend does not have, which fails.
        var believed = DesiredState.table(from: config)
        believed.modify(IPVSTest.tcp("10.0.0.1", 80)) { _ = $0.remove(IPVSDestinationKey(address: IPVSTest.ip("192.168.1.2"), port: 8080)) }
        let outcome = try IPVSSync.reconcile(DesiredState.table(from: config), owned: owned, known: believed, backend: backend)
        #expect(outcome.result.failures.count == 1)
        #expect(outcome.known == nil)
        let repaired = try IPVSSync.reconcile(DesiredState.table(from: config), owned: owned, known: outcome.known, backend: backend)
        #expect(try repaired.result.failures.isEmpty && repaired.known == backend.dump())
    }
}

/// keepalived's pool lines when the sorry server stands in and hands back.
@Suite struct IPVSSorryServerLogTests {
    @Test func sorryServerSwitchLogsThePoolLinesAfterItsOwn() throws {
        let config = try IPVSTest.config(IPVSDesiredStateTests.sorryConfig)
        let backend = InMemoryBackend()
        let owned = DesiredState.ownership(from: config)
        try IPVSSync.reconcile(DesiredState.table(from: config), owned: owned, backend: backend)
        var health = HealthSnapshot()
        health.setDown(RealServerRef(virtualServer: 0, realServer: 1))
        var lines: [String] = []
        try IPVSSync.reconcile(DesiredState.table(from: config, health: health), owned: owned, backend: backend) { lines.append($0) }
        #expect(lines == [
            "Adding sorry server [192.168.9.9]:tcp:8080 to VS [10.0.0.1]:tcp:80",
            "Removing alive servers from the pool for VS [10.0.0.1]:tcp:80",
            "Removing service [192.168.1.1]:tcp:8080 from VS [10.0.0.1]:tcp:80",
            "Removing service [192.168.1.2]:tcp:8080 from VS [10.0.0.1]:tcp:80",
        ])
        lines = []
        try IPVSSync.reconcile(DesiredState.table(from: config), owned: owned, backend: backend) { lines.append($0) }
        #expect(lines.suffix(2) == [
            "Removing sorry server [192.168.9.9]:tcp:8080 from VS [10.0.0.1]:tcp:80",
            "Adding alive servers to the pool for VS [10.0.0.1]:tcp:80",
        ])
    }
}

/// Stopping: deleting a service takes its destinations with it.
@Suite struct IPVSTeardownTests {
    @Test func teardownWithoutRedundantRemovalsEmptiesTheTableWithOneOperationPerService() throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        let backend = InMemoryBackend()
        try IPVSSync.reconcile(DesiredState.table(from: config), owned: DesiredState.ownership(from: config), backend: backend)
        let plan = Reconciler.teardown(owned: DesiredState.ownership(from: config), current: try backend.dump())
        #expect(plan.count == 7)
        let short = Reconciler.withoutRedundantRemovals(plan)
        #expect(IPVSTest.names(short) == ["deleteService [10.0.0.1]:tcp:80", "deleteService [10.0.0.2]:udp:53"])
        backend.clearHistory()
        let result = IPVSSync.apply(short, to: backend)
        #expect(result.applied == 2 && result.failures.isEmpty)
        #expect(try backend.dump().isEmpty)
    }
}

@Suite struct IPVSServiceEntryTests {
    /// Small services are scanned, larger ones indexed by key: both find, replace and remove alike.
    @Test(arguments: [5, IPVSServiceEntry.indexThreshold + 8])
    func destinationsAreFoundWithAndWithoutTheIndex(count: Int) throws {
        let config = try IPVSTest.config(IPVSTest.basic)
        let service = DesiredState.table(from: config).entries[0].service
        var entry = IPVSServiceEntry(service: service)
        let destinations = (0..<count).map {
            IPVSDestination(address: IPAddress.v4(0x0A00_0000 + UInt32($0)), port: 80)
        }
        let added = destinations.map { entry.upsert($0) }
        #expect(added.allSatisfy { $0 })
        var heavier = destinations[2]
        heavier.weight = 7
        let replacedIsNew = entry.upsert(heavier)
        let presentInserted = entry.insertIfAbsent(destinations[3])
        #expect(!replacedIsNew && !presentInserted)
        #expect(entry.destination(heavier.key)?.weight == 7)
        let removed = entry.remove(destinations[1].key)
        let removedAgain = entry.remove(destinations[1].key)
        #expect(removed == destinations[1] && removedAgain == nil)
        #expect(entry.destination(destinations[1].key) == nil)
        for destination in destinations.dropFirst(3) { #expect(entry.destination(destination.key) == destination) }
        #expect(entry.destinations.count == count - 1 && entry.destinations[1].weight == 7)
        let reinserted = entry.insertIfAbsent(destinations[1])
        #expect(reinserted)
        #expect(entry.destination(destinations[1].key) == destinations[1] && entry.destinations.last == destinations[1])
    }

    /// A start's known table has each service's room reserved at once: no list grown one append
    /// at a time (which took up to twice the room, at the start's peak of memory).
    @Test func aStartReservesEachAddedServicesDestinations() throws {
        var text = "virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n"
        for last in 2..<22 { text += "  real_server 192.168.1.\(last) 8080 {\n  }\n" }
        let config = try IPVSTest.config(text + "}\n")
        let backend = InMemoryBackend()
        let start = try IPVSSync.reconcile(DesiredState.table(from: config), owned: DesiredState.ownership(from: config),
                                           known: nil, backend: backend)
        let known = try #require(start.known)
        #expect(try known == backend.dump())
        let destinations = try #require(known.entries.first).destinations
        #expect(destinations.count == 20)
        // Grown by appends, 20 destinations would sit in room for 32.
        #expect(destinations.capacity < 24)
    }
}
