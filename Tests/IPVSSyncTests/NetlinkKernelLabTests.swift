import ConfParser
import Foundation
import Testing
@testable import IPVSSync

/// KernelBackend against a real IPVS kernel. These tests need root and the ip_vs module, so they
/// only run when KEEPALIVEDD_IPVS_LAB is set: the lab (Tests/Integration/lab/test_lab_netlink.py)
/// runs this test binary inside the QEMU guest, phase by phase, and checks the table with ipvsadm.
/// Under a plain `swift test` they are skipped.
@Suite(.serialized) struct NetlinkKernelLabTests {
    static let enabled = ProcessInfo.processInfo.environment["KEEPALIVEDD_IPVS_LAB"] != nil

    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    /// The table keepalived builds from the lab's keepalived.conf (test_lab_ipvs.py), as model values.
    static var labTable: IPVSTable {
        let tcp = IPVSService(key: .endpoint(.tcp, ip("10.10.0.1"), port: 80), scheduler: "wrr", flags: .persistent,
                              timeout: 600, netmask: 0xffff_ff00)
        let udp = IPVSService(key: .endpoint(.udp, ip("10.10.0.2"), port: 53), scheduler: "sh",
                              flags: [.shPort, .shFallback, .onePacket])
        let fwm = IPVSService(key: .fwmark(7, family: .inet), scheduler: "lc", flags: .persistent, timeout: 120)
        let v6 = IPVSService(key: .endpoint(.tcp, ip("2001:db8::10"), port: 443), scheduler: "mh", flags: .mhPort)
        return IPVSTable([
            IPVSServiceEntry(service: tcp, destinations: [
                IPVSDestination(address: ip("10.10.1.1"), port: 80, forwarding: .route, weight: 3),
                IPVSDestination(address: ip("10.10.1.2"), port: 80, forwarding: .route, weight: 1, upperThreshold: 100, lowerThreshold: 10),
            ]),
            IPVSServiceEntry(service: udp, destinations: [
                IPVSDestination(address: ip("10.10.2.1"), port: 5353, forwarding: .masquerade, weight: 2),
                IPVSDestination(address: ip("10.10.2.2"), port: 5353, forwarding: .masquerade, weight: 1),
            ]),
            IPVSServiceEntry(service: fwm, destinations: [
                IPVSDestination(address: ip("10.10.3.1"), port: 0, forwarding: .tunnel, weight: 4),
                IPVSDestination(address: ip("10.10.3.2"), port: 0, forwarding: .route, weight: 1),
            ]),
            IPVSServiceEntry(service: v6, destinations: [
                IPVSDestination(address: ip("2001:db8::1:1"), port: 443, forwarding: .route, weight: 5),
                IPVSDestination(address: ip("2001:db8::1:2"), port: 443, forwarding: .route, weight: 0),
            ]),
        ])
    }

    /// Phase 1: flush, build the lab table with explicit operations, set timeouts, dump it back.
    /// The lab then compares `ipvsadm -Sn` with keepalived's table for the same config.
    @Test(.enabled(if: enabled)) func labBuildTable() throws {
        let backend = try KernelBackend()
        let info = try backend.info()
        #expect(info.versionString == "1.2.1")
        try backend.apply(.flush)
        #expect(try backend.dump().isEmpty)
        for entry in Self.labTable.entries {
            try backend.apply(.addService(entry.service))
            for destination in entry.destinations {
                try backend.apply(.addDestination(destination, service: entry.service))
            }
        }
        try backend.apply(.setTimeouts(IPVSTimeouts(tcp: 7200, tcpFin: 60, udp: 200)))
        var dumped = try backend.dump()
        #expect(dumped.timeouts == IPVSTimeouts(tcp: 7200, tcpFin: 60, udp: 200))
        #expect(dumped.syncDaemons == [])
        for entry in dumped.entries { #expect(entry.service.flags.contains(.hashed), "\(entry.service)") }
        dumped.timeouts = nil
        dumped.syncDaemons = nil
        #expect(dumped == Self.labTable)
    }

    /// Phase 2 (over phase 1's table): EEXIST / ESRCH / ENOENT come back typed, SET changes what it
    /// should, a sync daemon starts and stops, and deleting everything leaves an empty table.
    @Test(.enabled(if: enabled)) func labErrorsEditsAndDaemon() throws {
        let backend = try KernelBackend()
        let entry = try #require(Self.labTable.entries.first)
        #expect(throws: IPVSError.self) { try backend.apply(.addService(entry.service)) }
        do {
            try backend.apply(.addService(entry.service))
        } catch let error as IPVSError {
            #expect(error.isAlreadyExists, "\(error)")
        }
        let missing = IPVSService(key: .endpoint(.tcp, Self.ip("10.99.0.1"), port: 1), scheduler: "rr")
        do {
            try backend.apply(.deleteService(missing))
            Issue.record("deleting a missing service succeeded")
        } catch let error as IPVSError {
            #expect(error.isNotFound, "\(error)")
        }
        let ghost = IPVSDestination(address: Self.ip("10.99.9.9"), port: 80, forwarding: .route)
        do {
            try backend.apply(.deleteDestination(ghost, service: entry.service))
            Issue.record("deleting a missing destination succeeded")
        } catch let error as IPVSError {
            #expect(error.isNotFound, "\(error)")
        }
        do {
            try backend.apply(.addService(IPVSService(key: missing.key, scheduler: "nosuchsched")))
            Issue.record("an unknown scheduler was accepted")
        } catch let error as IPVSError {
            #expect(error.code == IPVSConstants.errnoENOENT, "\(error)")
        }
        do {
            // Longer than IP_VS_SCHEDNAME_MAXLEN - 1: the attribute policy rejects it.
            try backend.apply(.addService(IPVSService(key: missing.key, scheduler: "no-such-scheduler")))
            Issue.record("an over-long scheduler name was accepted")
        } catch let error as IPVSError {
            #expect(error.code == IPVSConstants.errnoEINVAL, "\(error)")
        }

        var edited = entry.service
        edited.scheduler = "wlc"
        edited.timeout = 900
        try backend.apply(.editService(edited))
        var destination = entry.destinations[0]
        destination.weight = 42
        destination.forwarding = .masquerade
        try backend.apply(.editDestination(destination, service: edited, previous: entry.destinations[0]))
        let after = try #require(try backend.dump().entry(entry.service.key))
        #expect(after.service.scheduler == "wlc")
        #expect(after.service.timeout == 900)
        #expect(after.destination(destination.key) == destination)

        let daemon = IPVSSyncDaemon(role: .master, interface: "lab0", syncID: 5)
        try backend.apply(.startDaemon(daemon))
        let running = try backend.syncDaemons()
        #expect(running.count == 1)
        #expect(running.first.map(daemon.isSatisfied) == true, "\(running)")

        try backend.apply(.stopDaemon(daemon))
        #expect(try backend.syncDaemons() == [])
        for entry in try backend.dump().entries { try backend.apply(.deleteService(entry.service)) }
        #expect(try backend.dump().isEmpty)
    }

    /// Phase 3: a large table: 200 services x 20 destinations applied and dumped back, timed.
    @Test(.enabled(if: enabled)) func labLargeTable() throws {
        let backend = try KernelBackend()
        try backend.apply(.flush)
        var desired = IPVSTable()
        for index in 0..<200 {
            let service = IPVSService(key: .endpoint(.tcp, .v4(0x0a80_0000 + UInt32(index)), port: 80), scheduler: "wrr")
            desired.upsert(IPVSServiceEntry(service: service, destinations: (0..<20).map { rs in
                IPVSDestination(address: .v4(0xc0a8_0000 + UInt32(index) << 8 + UInt32(rs)), port: 8080, weight: UInt32(rs))
            }))
        }
        let clock = ContinuousClock()
        let start = clock.now
        for entry in desired.entries {
            try backend.apply(.addService(entry.service))
            for destination in entry.destinations { try backend.apply(.addDestination(destination, service: entry.service)) }
        }
        let applied = clock.now
        var dumped = try backend.dump()
        let read = clock.now
        print("lab: applied 200 services + 4000 destinations in \(applied - start), dumped in \(read - applied)")
        dumped.timeouts = nil
        dumped.syncDaemons = nil
        #expect(dumped == desired)
        try backend.apply(.flush)
        #expect(try backend.dump().isEmpty)
    }
}
