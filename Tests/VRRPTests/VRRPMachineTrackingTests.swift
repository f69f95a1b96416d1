import Testing
import ConfParser
@testable import VRRP

@Suite("VRRPMachine FAULT and tracking")
struct VRRPMachineTrackingTests {
    typealias F = MachineFixture

    @Test("own interface down as MASTER: FAULT with a priority 0 advert, back to BACKUP when up")
    func interfaceFault() {
        var settings = F.settings()
        settings.notify.fault = F.script("/bin/fault")
        var (machine, since) = F.master(settings)
        let down = machine.handle(.interface(name: "eth0", up: false), at: since.adding(microseconds: 10))
        #expect(F.logs(down) == ["(VI_1) Entering FAULT STATE", "(VI_1) removing VIPs."])
        #expect(F.adverts(down) == [0])
        #expect(F.notifies(down) == [["/bin/fault"]])
        #expect(down.last == .stateChanged(from: .master, to: .fault))
        #expect(machine.nextDeadline == nil)
        // Adverts are ignored in FAULT.
        #expect(machine.handle(F.advert(from: "10.0.0.1", priority: 50), at: since.adding(microseconds: 20)).isEmpty)
        let upAt = since.adding(microseconds: 2_000_000)
        let up = machine.handle(.interface(name: "eth0", up: true), at: upAt)
        #expect(F.logs(up) == ["(VI_1) Entering BACKUP STATE"])
        #expect(machine.state == .backup)
        #expect(machine.nextDeadline == upAt.adding(microseconds: 3_609_375))
    }

    @Test("dont_track_primary: the own interface going down is ignored")
    func dontTrackPrimary() {
        var settings = F.settings()
        settings.dontTrackPrimary = true
        var machine = F.backup(settings)
        #expect(machine.handle(.interface(name: "eth0", up: false), at: F.at(1)).isEmpty)
        #expect(machine.state == .backup)
    }

    @Test("a weight-0 script failing in BACKUP means FAULT; it starts FAULT with init_fail")
    func scriptFault() {
        var settings = F.settings()
        settings.trackedScripts = [VRRPTrackedScriptSetting(name: "chk")]
        var machine = F.backup(settings)
        let failed = machine.handle(.trackedScript(name: "chk", up: false), at: F.at(100))
        #expect(F.logs(failed) == ["(VI_1) Entering FAULT STATE"])
        #expect(F.adverts(failed).isEmpty)

        settings.trackedScripts = [VRRPTrackedScriptSetting(name: "chk", initiallyFailed: true)]
        var initFail = VRRPInstanceMachine(settings: settings)
        let start = initFail.handle(.start, at: F.t0)
        #expect(F.logs(start).contains("(VI_1) Entering FAULT STATE"))
        #expect(initFail.state == .fault)
        #expect(initFail.nextDeadline == nil)
    }

    @Test("weighted trackers move the effective priority, clamped to 1...254")
    func weights() {
        var settings = F.settings(priority: 240)
        settings.trackedScripts = [VRRPTrackedScriptSetting(name: "up", weight: 20),
                                   VRRPTrackedScriptSetting(name: "down", weight: -250)]
        settings.trackedInterfaces = [VRRPTrackedInterfaceSetting(name: "eth1", weight: -10)]
        var machine = F.backup(settings)
        let raised = machine.handle(.trackedScript(name: "up", up: true), at: F.at(1))
        #expect(F.logs(raised) == ["(VI_1) Changing effective priority from 240 to 254"])
        _ = machine.handle(.interface(name: "eth1", up: false), at: F.at(2))
        #expect(machine.effectivePriority == 250)
        let lowered = machine.handle(.trackedScript(name: "down", up: false), at: F.at(3))
        #expect(F.logs(lowered) == ["(VI_1) Changing effective priority from 250 to 1"])
        #expect(machine.state == .backup)
    }

    @Test("the address owner's priority is not changed by weights")
    func ownerUnchanged() {
        var settings = F.settings(priority: 255, state: .master)
        settings.trackedScripts = [VRRPTrackedScriptSetting(name: "chk", weight: -50)]
        var (machine, _) = F.master(settings)
        let actions = machine.handle(.trackedScript(name: "chk", up: false), at: F.at(10))
        #expect(F.logs(actions).isEmpty)
        #expect(machine.effectivePriority == 255)
    }

    @Test("reverse weights apply the other way round")
    func reverseWeights() {
        var settings = F.settings()
        settings.trackedInterfaces = [VRRPTrackedInterfaceSetting(name: "eth1", weight: 10, reverse: true)]
        var machine = F.backup(settings)
        // Not reported yet: assumed up, so the reversed +10 subtracts.
        #expect(machine.effectivePriority == 90)
        _ = machine.handle(.interface(name: "eth1", up: false), at: F.at(1))
        #expect(machine.effectivePriority == 100)
    }

    @Test("a lower effective priority loses the next comparison as MASTER")
    func weightLosesMastership() {
        var settings = F.settings()
        settings.trackedScripts = [VRRPTrackedScriptSetting(name: "chk", weight: -30)]
        var (machine, since) = F.master(settings)
        _ = machine.handle(.trackedScript(name: "chk", up: false), at: since.adding(microseconds: 1))
        #expect(machine.handle(.timer, at: since.adding(microseconds: 1_000_000)) == [.sendAdvert(priority: 70)])
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 90), at: since.adding(microseconds: 1_000_100))
        #expect(F.logs(actions).first == "(VI_1) Master received advert from 10.0.0.1 with higher priority 90, ours 70")
        #expect(machine.state == .backup)
        // Skew uses the effective priority: (256 - 70) / 256 s.
        #expect(machine.nextDeadline == since.adding(microseconds: 1_000_100 + 3_000_000 + 726_562))
    }

    @Test("track_file: value x weight, FAULT below -253, weight 0 faults on non-zero")
    func trackFile() {
        var settings = F.settings()
        settings.trackedFiles = [VRRPTrackedFileSetting(name: "f", weight: 5),
                                 VRRPTrackedFileSetting(name: "g", weight: 0)]
        var machine = F.backup(settings)
        _ = machine.handle(.trackedFile(name: "f", value: -4), at: F.at(1))
        #expect(machine.effectivePriority == 80)
        let fault = machine.handle(.trackedFile(name: "f", value: -51), at: F.at(2))
        #expect(machine.state == .fault)
        #expect(F.logs(fault).contains("(VI_1) Entering FAULT STATE"))
        _ = machine.handle(.trackedFile(name: "f", value: 0), at: F.at(3))
        #expect(machine.state == .backup)
        _ = machine.handle(.trackedFile(name: "g", value: 1), at: F.at(4))
        #expect(machine.state == .fault)
    }

    @Test("script rise and fall: only the configured number of results flips the status")
    func scriptRiseFall() {
        var script = VRRPTrackedScriptState(name: "chk", rise: 2, fall: 3)
        #expect(script.status == .initial)
        // The first result decides at once.
        #expect(script.record(.exited(status: 0)) == .init(up: true, log: VRRPLogLine("VRRP_Script(chk) succeeded")))
        #expect(script.record(.exited(status: 1)) == nil)
        #expect(script.record(.exited(status: 1)) == nil)
        #expect(script.record(.exited(status: 2))
                == .init(up: false, log: VRRPLogLine("VRRP_Script(chk) failed (exited with status 2)")))
        #expect(script.status == .down)
        #expect(script.record(.exited(status: 0)) == nil)
        #expect(script.record(.exited(status: 0))?.up == true)
        // A success in between restores the full margin.
        #expect(script.record(.exited(status: 1)) == nil)
        #expect(script.record(.exited(status: 0)) == nil)
        #expect(script.record(.exited(status: 1)) == nil)
        #expect(script.record(.exited(status: 1)) == nil)
        #expect(script.record(.timedOut) == .init(up: false, log: VRRPLogLine("VRRP_Script(chk) timed_out")))
    }

    @Test("init_fail starts the script down: rise successes bring it up")
    func scriptInitFail() {
        var script = VRRPTrackedScriptState(name: "chk", rise: 2, fall: 1, initFail: true)
        #expect(script.status == .down)
        #expect(script.record(.exited(status: 1)) == nil)
        #expect(script.record(.exited(status: 0)) == nil)
        #expect(script.record(.exited(status: 0))?.log.text == "VRRP_Script(chk) succeeded")
    }
}
