import Testing
@testable import ConfParser

@Suite("vrrp_sync_group")
struct VRRPSyncGroupTests {
    /// VI_1 on eth0 (lines 1-8) and VI_2 on eth1 (lines 9-16), then `rest` from line 17.
    func config(_ rest: String, body1: String = "") -> LoadResult {
        let second = VRRPTest.instance("", name: "VI_2").replacing("eth0", with: "eth1").replacing("51", with: "52")
        return VRRPTest.load(VRRPTest.instance(body1) + second + rest)
    }

    @Test func groupWithNotifyScripts() {
        let result = config("""
        vrrp_sync_group VG_1 {
            group {
                VI_1
                VI_2
            }
            notify_master "/bin/notify.sh MASTER"
            notify_backup /bin/backup.sh root
            notify_fault /bin/fault.sh
            notify_stop /bin/stop.sh
            notify /bin/any.sh
            smtp_alert
            notify_priority_changes true
        }
        """)
        #expect(result.diagnostics.items.isEmpty)
        guard let group = result.config.syncGroups.first else { Issue.record("no group"); return }
        #expect(group.name == "VG_1")
        #expect(group.location.line == 17)
        #expect(group.members.map(\.name) == ["VI_1", "VI_2"])
        #expect(group.members.map(\.location.line) == [19, 20])
        #expect(group.notify.master?.command == "/bin/notify.sh MASTER")
        #expect(group.notify.backup?.user == "root")
        #expect(group.notify.any?.command == "/bin/any.sh")
        #expect(group.smtpAlert)
        #expect(group.notifyPriorityChanges)
        #expect(result.config.vrrpInstances.map(\.syncGroup) == ["VG_1", "VG_1"])
        #expect(result.scripts.count == 5)
    }

    @Test func membersOnOneLine() {
        let result = config("vrrp_sync_group G {\n    group {\n        VI_1 VI_2\n    }\n}\n")
        #expect(result.diagnostics.items.isEmpty)
        #expect(result.config.syncGroups.first?.members.map(\.name) == ["VI_1", "VI_2"])
    }

    @Test func unknownMember() {
        let result = config("vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_9\n    }\n}\n")
        #expect(VRRPTest.problems(result) == ["Virtual router VI_9 specified in sync group G1 doesn't exist - ignoring",
                                              "Sync group G1 has only 1 virtual router(s) - this probably isn't what you want"])
        #expect(VRRPTest.diagnostic(result, "Virtual router VI_9 specified in sync group G1 doesn't exist - ignoring")?.location?.line == 20)
        #expect(result.config.syncGroups.first?.members.map(\.name) == ["VI_1"])
    }

    @Test func groupsWithoutInstancesAreRemoved() {
        let empty = config("vrrp_sync_group G1 {\n}\n")
        #expect(VRRPTest.problems(empty) == ["Sync group G1 has no virtual router(s). removing"])
        #expect(empty.config.syncGroups.isEmpty)
        let emptyBlock = config("vrrp_sync_group G1 {\n    group {\n    }\n}\n")
        #expect(VRRPTest.problems(emptyBlock) == ["Warning - sync group G1 has empty group block",
                                                  "Sync group G1 has no virtual router(s). removing"])
        let unknown = config("vrrp_sync_group G1 {\n    group {\n        VI_9\n    }\n}\n")
        #expect(VRRPTest.problems(unknown) == ["Virtual router VI_9 specified in sync group G1 doesn't exist - ignoring",
                                               "Sync group G1, no matching virtual router found in group declaration - removing"])
        #expect(unknown.config.syncGroups.isEmpty)
        #expect(unknown.config.vrrpInstances.allSatisfy { $0.syncGroup == nil })
    }

    @Test func instanceInTwoGroups() {
        let group = "vrrp_sync_group NAME {\n    group {\n        VI_1\n        VI_2\n    }\n}\n"
        let result = config(group.replacing("NAME", with: "G1") + group.replacing("NAME", with: "G2"))
        #expect(VRRPTest.problems(result) == ["Virtual router VI_1 cannot exist in more than one sync group; ignoring G2",
                                              "Virtual router VI_2 cannot exist in more than one sync group; ignoring G2",
                                              "Sync group G2, no matching virtual router found in group declaration - removing"])
        #expect(result.config.syncGroups.map(\.name) == ["G1"])
    }

    @Test func duplicateGroupNameAndDeprecatedKeywords() {
        let group = "vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_2\n    }\n    global_tracking\n    sync_group_tracking_weight\n    notify_deleted\n}\n"
        let result = config(group + group)
        let problems = VRRPTest.problems(result)
        #expect(problems.contains("(G1) global_tracking is deprecated. Use track_interface/script/file on the sync group"))
        #expect(problems.contains("Unknown keyword 'notify_deleted'"))
        #expect(VRRPTest.diagnostic(result, "vrrp sync group G1 already defined")?.location?.line == 26)
        #expect(result.config.syncGroups.count == 1)
        #expect(result.config.syncGroups.first?.trackingWeight == true)
        #expect(result.config.syncGroups.first?.globalTracking == true)
    }

    @Test func memberTrackingWeightsAreDropped() {
        let scripts = "vrrp_script chk {\n    script /bin/true\n    weight 10\n}\n"
        let body = "    track_script {\n        chk\n    }\n    track_interface {\n        lo weight 5\n    }"
        let group = "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n"
        let second = VRRPTest.instance("", name: "VI_2").replacing("eth0", with: "eth1").replacing("51", with: "52")
        let result = VRRPTest.load(scripts + VRRPTest.instance(body) + second + group)
        #expect(VRRPTest.problems(result) == ["(VI_1) ignoring lo tracked interface weight due to SYNC group",
                                              "(VI_1) ignoring tracked script chk with weights due to SYNC group"])
        let vrrp = result.config.vrrpInstances.first
        #expect(vrrp?.tracking.scripts.isEmpty == true)
        #expect(vrrp?.tracking.interfaces.first?.weight == 0)
        // sync_group_tracking_weight keeps them.
        let weighted = VRRPTest.load(scripts + VRRPTest.instance(body) + second
                                     + group.replacing("}\n}", with: "}\n    sync_group_tracking_weight\n}"))
        #expect(VRRPTest.problems(weighted).isEmpty)
        #expect(weighted.config.vrrpInstances.first?.tracking.scripts.first?.weight == 10)
    }

    @Test func groupTrackingOverlapsMember() {
        let result = config("vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_2\n    }\n    track_interface {\n        eth1\n        lo\n    }\n}\n")
        #expect(VRRPTest.problems(result) == ["(VI_2) track_interface eth1 is configured on VRRP instance and sync group. Remove vrrp instance or sync group config"])
        #expect(result.config.syncGroups.first?.tracking.interfaces.map(\.name) == ["eth1", "lo"])
        #expect(result.interfaces.contains { $0.name == "lo" && $0.what == "track_interface of vrrp_sync_group G1" })
    }

    @Test func groupTrackFileMustBeDefinedFirst() {
        let result = config("vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_2\n    }\n    track_file {\n        tf\n    }\n}\ntrack_file tf {\n    file /tmp/x\n}\n")
        #expect(VRRPTest.problems(result) == ["(G1) track file tf not found, ignoring..."])
        #expect(VRRPTest.diagnostic(result, "(G1) track file tf not found, ignoring...")?.location?.line == 23)
    }
}
