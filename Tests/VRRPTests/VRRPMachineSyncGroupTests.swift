import Testing
import ConfParser
@testable import VRRP

@Suite("VRRPMachine sync groups")
struct VRRPMachineSyncGroupTests {
    typealias F = MachineFixture

    static func member(_ name: String, priority: Int = 100, advertInterval: Int64 = 1_000_000) -> VRRPInstanceMachine {
        var settings = F.settings(name, priority: priority, advertInterval: advertInterval)
        settings.syncGroup = "G"
        return VRRPInstanceMachine(settings: settings)
    }

    /// VI_1 times out first (priority 200), VI_2 later (priority 100).
    static func started(notify: NotifyScripts = NotifyScripts()) -> VRRPSyncGroupMachine {
        var group = VRRPSyncGroupMachine(name: "G", notify: notify, members: [member("VI_1", priority: 200), member("VI_2")])
        _ = group.handle(.start, at: F.t0)
        return group
    }

    static func groupLogs(_ actions: [VRRPGroupAction]) -> [String] {
        actions.compactMap { if $0.instance == nil, case .log(let line) = $0.action { line.text } else { nil } }
    }

    static func transitions(_ actions: [VRRPGroupAction]) -> [String] {
        actions.compactMap {
            if case .stateChanged(let from, let to) = $0.action { "\($0.instance ?? "G") \(from)->\(to)" } else { nil }
        }
    }

    static func groupTransitions(_ actions: [VRRPGroupAction]) -> [String] {
        actions.compactMap {
            if $0.instance == nil, case .syncGroupStateChanged(let group, let from, let to) = $0.action {
                "\(group) \(from)->\(to)"
            } else { nil }
        }
    }

    @Test("the group's own state changes are announced where its notifies run (what keepalived mails about)")
    func groupTransitionsAnnounced() {
        var notify = NotifyScripts()
        notify.backup = F.script("/bin/gbackup")
        var fresh = VRRPSyncGroupMachine(name: "G", notify: notify, members: [Self.member("VI_1", priority: 200), Self.member("VI_2")])
        let start = fresh.handle(.start, at: F.t0)
        // Starting is announced too, with the group's notify, before the members' own actions.
        #expect(Self.groupTransitions(start) == ["G INIT->BACKUP"])
        #expect(start.first?.instance == nil)
        #expect(F.notifies(start.filter { $0.instance == nil }.map(\.action)) == [["/bin/gbackup"]])

        var group = Self.started()
        #expect(Self.groupTransitions(group.handle(.timer, at: F.at(3_218_750))).isEmpty)
        let master = group.handle(.timer, at: F.at(3_609_375))
        #expect(Self.groupTransitions(master) == ["G BACKUP->MASTER"])
        let down = group.handle(.interface(name: "eth0", up: false), instance: "VI_2", at: F.at(5_000_000))
        #expect(Self.groupTransitions(down) == ["G MASTER->FAULT"])
        let up = group.handle(.interface(name: "eth0", up: true), instance: "VI_2", at: F.at(6_000_000))
        #expect(Self.groupTransitions(up) == ["G FAULT->BACKUP"])
        // A member's own transitions are not the group's.
        #expect(up.filter { $0.instance != nil }.allSatisfy {
            if case .syncGroupStateChanged = $0.action { false } else { true }
        })
    }

    @Test("the first member to time out waits for the others, then all become MASTER together")
    func masterTogether() {
        var group = Self.started()
        #expect(group.state == .backup)
        #expect(group.nextDeadline == F.at(3_218_750))
        let first = group.handle(.timer, at: F.at(3_218_750))
        #expect(Self.transitions(first).isEmpty)
        #expect(first.contains(VRRPGroupAction(instance: "VI_1", action: .syncRequest(.master))))
        #expect(group.member(named: "VI_1")?.wantState == .master)
        // VI_1 re-armed its down timer; VI_2 times out at its own deadline.
        #expect(group.member(named: "VI_1")?.nextDeadline == F.at(3_218_750 + 3_218_750))
        #expect(group.nextDeadline == F.at(3_609_375))
        let second = group.handle(.timer, at: F.at(3_609_375))
        #expect(Self.transitions(second) == ["VI_2 BACKUP->MASTER", "VI_1 BACKUP->MASTER"])
        #expect(Self.groupLogs(second) == ["VRRP_Group(G) Syncing instances to MASTER state"])
        #expect(group.state == .master)
        #expect(group.members.allSatisfy { $0.state == .master })
    }

    @Test("one member going BACKUP drags the others to BACKUP")
    func backupDrags() {
        var group = Self.started()
        _ = group.handle(.timer, at: F.at(3_218_750))
        _ = group.handle(.timer, at: F.at(3_609_375))
        let now = F.at(4_000_000)
        let actions = group.handle(F.advert(from: "10.0.0.1", priority: 250), instance: "VI_1", at: now)
        #expect(Self.transitions(actions) == ["VI_1 MASTER->BACKUP", "VI_2 MASTER->BACKUP"])
        #expect(Self.groupLogs(actions) == ["VRRP_Group(G) Syncing instances to BACKUP state"])
        #expect(group.state == .backup)
        // The dragged member leaves without a priority 0 advert and removes its addresses.
        let dragged = actions.filter { $0.instance == "VI_2" }.map(\.action)
        #expect(F.adverts(dragged).isEmpty)
        #expect(dragged.contains(.removeVirtualAddresses))
    }

    @Test("one member in FAULT drags the others to FAULT; the group recovers when all are healthy")
    func faultDrags() {
        var notify = NotifyScripts()
        notify.fault = F.script("/bin/gfault")
        notify.any = F.script("/bin/gnotify")
        var group = Self.started(notify: notify)
        _ = group.handle(.timer, at: F.at(3_218_750))
        _ = group.handle(.timer, at: F.at(3_609_375))
        let down = group.handle(.interface(name: "eth0", up: false), instance: "VI_2", at: F.at(5_000_000))
        #expect(Self.transitions(down) == ["VI_2 MASTER->FAULT", "VI_1 MASTER->FAULT"])
        #expect(Self.groupLogs(down) == ["VRRP_Group(G) Syncing instances to FAULT state"])
        // Both send a priority 0 advert as they leave MASTER for FAULT.
        #expect(F.adverts(down.map(\.action)) == [0, 0])
        let groupNotifies = down.filter { $0.instance == nil }.map(\.action)
        #expect(F.notifies(groupNotifies) == [["/bin/gfault"], ["/bin/gnotify", "GROUP", "G", "FAULT", "0"]])
        #expect(group.state == .fault)

        let upAt = F.at(6_000_000)
        let up = group.handle(.interface(name: "eth0", up: true), instance: "VI_2", at: upAt)
        #expect(Self.transitions(up) == ["VI_1 FAULT->BACKUP", "VI_2 FAULT->BACKUP"])
        #expect(group.state == .backup)
        #expect(group.member(named: "VI_2")?.nextDeadline == upAt.adding(microseconds: 3_609_375))
    }

    @Test("a member whose own fault persists keeps the whole group in FAULT")
    func faultHeld() {
        var group = Self.started()
        _ = group.handle(.interface(name: "eth0", up: false), instance: "VI_1", at: F.at(1_000))
        _ = group.handle(.interface(name: "eth0", up: false), instance: "VI_2", at: F.at(2_000))
        let partial = group.handle(.interface(name: "eth0", up: true), instance: "VI_2", at: F.at(3_000))
        #expect(Self.transitions(partial).isEmpty)
        #expect(partial.contains(VRRPGroupAction(instance: "VI_2", action: .syncRequest(.leaveFault))))
        #expect(group.members.allSatisfy { $0.state == .fault })
        let all = group.handle(.interface(name: "eth0", up: true), instance: "VI_1", at: F.at(4_000))
        #expect(Set(Self.transitions(all)) == ["VI_1 FAULT->BACKUP", "VI_2 FAULT->BACKUP"])
    }

    @Test("stop: every member stops, MASTERs send priority 0")
    func stop() {
        var group = Self.started()
        _ = group.handle(.timer, at: F.at(3_218_750))
        _ = group.handle(.timer, at: F.at(3_609_375))
        let actions = group.handle(.stop, at: F.at(4_000_000))
        #expect(F.adverts(actions.map(\.action)) == [0, 0])
        #expect(Self.groupLogs(actions).isEmpty)
        #expect(group.nextDeadline == nil)
    }

    @Test("a group built from the configuration has its members in order")
    func fromConfig() {
        let text = """
        vrrp_sync_group G {
            group {
                VI_1
                VI_2
            }
        }
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            priority 150
        }
        vrrp_instance VI_2 {
            interface eth1
            virtual_router_id 52
        }
        """
        let config = ConfigLoader.load(text: text).config
        guard let definition = config.syncGroups.first else {
            Issue.record("no sync group parsed")
            return
        }
        let group = VRRPSyncGroupMachine(group: definition, config: config)
        #expect(group.members.map(\.name) == ["VI_1", "VI_2"])
        #expect(group.members.allSatisfy { $0.settings.syncGroup == "G" })
        #expect(group.members.first?.settings.priority == 150)
    }
}
