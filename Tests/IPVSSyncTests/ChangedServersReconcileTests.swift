import ConfParser
import Testing
@testable import IPVSSync

/// Reconciling only the virtual servers a reload changed must leave the kernel, the known table
/// and the ownership where a whole reconcile leaves them.
@Suite("Reconciling changed virtual servers alone")
struct ChangedServersReconcileTests {
    typealias T = IPVSTest

    /// Five NAT services of three real servers each; `edit` changes the text of the third.
    static func text(third: [String] = ["192.168.3.1 80", "192.168.3.2 80", "192.168.3.3 80"], thirdExtra: String = "",
                     thirdScheduler: String = "rr") -> String {
        (0..<5).map { index in
            let servers = index == 2 ? third : (1...3).map { "192.168.\(index).\($0) 80" }
            return T.service("10.0.0.\(index + 1)", 80, sched: index == 2 ? thirdScheduler : "rr",
                             extra: index == 2 ? thirdExtra : "", rs: servers)
        }.joined()
    }

    /// Both ways from `before` (health `oldHealth`, in the kernel) to `after`: the kernels, the
    /// known table and the ownership must agree.
    func expectSameAsWhole(from before: String, to after: String, changed: [Int] = [2],
                           oldHealth: HealthSnapshot = HealthSnapshot(), newHealth: HealthSnapshot = HealthSnapshot(),
                           sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let (old, new) = (try T.config(before), try T.config(after))
        #expect(IPVSSync.canReconcileAlone(changed, from: old, to: new), sourceLocation: sourceLocation)
        let start = InMemoryBackend()
        let first = try IPVSSync.reconcile(DesiredState.table(from: old, health: oldHealth), owned: DesiredState.ownership(from: old),
                                           known: nil, backend: start)
        let known = try #require(first.known)

        let whole = InMemoryBackend(known)
        var bothOwned = DesiredState.ownership(from: new)
        bothOwned.merge(DesiredState.ownership(from: old))
        let expected = try IPVSSync.reconcile(DesiredState.table(from: new, health: newHealth), owned: bothOwned,
                                              known: known, backend: whole)

        let alone = InMemoryBackend(known)
        var owned = DesiredState.ownership(from: old)
        let outcome = IPVSSync.reconcile(changed: changed, from: old, to: new, health: newHealth.part(changed, in: new),
                                         owned: &owned, known: known, backend: alone)
        #expect(T.names(outcome.plan) == T.names(expected.plan), sourceLocation: sourceLocation)
        #expect(try alone.dump() == whole.dump(), sourceLocation: sourceLocation)
        #expect(outcome.known == expected.known, sourceLocation: sourceLocation)
        #expect(owned == DesiredState.ownership(from: new), sourceLocation: sourceLocation)
    }

    @Test func aChangedWeightIsOneEdit() throws {
        try expectSameAsWhole(from: Self.text(), to: Self.text(third: ["192.168.3.1 80", "192.168.3.2 80 weight 7", "192.168.3.3 80"]))
    }

    @Test func addedAndRemovedRealServers() throws {
        try expectSameAsWhole(from: Self.text(), to: Self.text(third: ["192.168.3.1 80", "192.168.3.9 80", "192.168.3.8 80", "192.168.3.7 81"]))
        try expectSameAsWhole(from: Self.text(), to: Self.text(third: ["192.168.3.3 80"]))
    }

    @Test func aSchedulerAndASorryServerWithTheQuorumLost() throws {
        let after = Self.text(thirdExtra: "  quorum 3\n  sorry_server 192.168.9.9 80", thirdScheduler: "wlc")
        var lost = HealthSnapshot()
        lost.setDown(RealServerRef(virtualServer: 2, realServer: 0))
        lost.quorum[2] = false
        try expectSameAsWhole(from: Self.text(), to: after, newHealth: lost)
    }

    @Test func otherVirtualServersKeepTheirHealthAsInTheKernel() throws {
        // A server of the first virtual server is down before and after: the kernel does not have
        // it, and the reload of the third does not bring it back.
        var down = HealthSnapshot()
        down.setDown(RealServerRef(virtualServer: 0, realServer: 1))
        try expectSameAsWhole(from: Self.text(), to: Self.text(third: ["192.168.3.1 80"]), oldHealth: down, newHealth: down)
    }

    @Test func sharedServicesAndGroupsNeedTheWholeTable() throws {
        let plain = try T.config(Self.text())
        #expect(!IPVSSync.canReconcileAlone([2], from: plain, to: try T.config(Self.text() + T.service("10.0.0.3", 80, rs: ["192.168.7.1 80"]))),
                "another virtual server count")
        let twice = try T.config(Self.text() + T.service("10.0.0.3", 80, rs: ["192.168.7.1 80"]))
        #expect(!IPVSSync.canReconcileAlone([2], from: twice, to: twice), "the same service twice")
        #expect(IPVSSync.canReconcileAlone([5], from: twice, to: twice) == false, "the same service twice, either one")
        let grouped = try T.config("virtual_server_group G {\n  10.0.0.50 80\n}\n" + Self.text()
                                   + "virtual_server group G {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 192.168.8.1 80 {\n  }\n}\n")
        #expect(!IPVSSync.canReconcileAlone([2], from: grouped, to: grouped), "a virtual_server_group")
        #expect(!IPVSSync.canReconcileAlone(Array(0..<(IPVSSync.changedServersLimit + 1)), from: plain, to: plain), "too many")
        #expect(IPVSSync.canReconcileAlone([2], from: plain, to: plain))
    }

    /// The global IPVS settings belong to the whole table: a reload that changes them (a whole read,
    /// so every virtual server counts as changed) is planned whole.
    @Test func changedGlobalIPVSSettingsNeedTheWholeTable() throws {
        let plain = try T.config(Self.text())
        let all = Array(plain.virtualServers.indices)
        for globals in ["lvs_timeouts tcp 900", "lvs_flush", "lvs_sync_daemon eth0 VI_1"] {
            var changed = plain
            switch globals {
            case "lvs_flush": changed.globalDefs.lvsFlush = true
            case "lvs_timeouts tcp 900": changed.globalDefs.lvsTimeouts = try T.config("global_defs {\n  \(globals)\n}\n").globalDefs.lvsTimeouts
            default: changed.globalDefs.lvsSyncDaemon = ConfigLoader.load(text: "global_defs {\n  \(globals)\n}\n").config.globalDefs.lvsSyncDaemon
            }
            let alone = IPVSSync.canReconcileAlone(all, from: plain, to: changed)
            #expect(!alone, "\(globals)")
        }
        #expect(IPVSSync.canReconcileAlone(all, from: plain, to: plain))
    }
}

extension HealthSnapshot {
    /// The entries of some virtual servers alone (what the health engine gives after a reload).
    func part(_ virtualServers: [Int], in config: Config) -> HealthSnapshot {
        HealthSnapshot(realServers: RealServerHealthTable(realServers.filter { virtualServers.contains($0.key.virtualServer) }),
                       quorum: quorum.filter { virtualServers.contains($0.key) })
    }
}
