import Testing
import ConfParser
@testable import VRRP

@Suite("VRRPMachine start and BACKUP")
struct VRRPMachineBackupTests {
    typealias F = MachineFixture

    @Test("a BACKUP start removes left-over addresses and arms Master_Down_Interval")
    func startBackup() {
        var machine = VRRPInstanceMachine(settings: F.settings())
        let actions = machine.handle(.start, at: F.t0)
        #expect(actions.first == .removeVirtualAddresses)
        #expect(F.logs(actions) == ["(VI_1) removing VIPs.", "(VI_1) Entering BACKUP STATE (init)"])
        #expect(actions.contains(.stateChanged(from: .initial, to: .backup)))
        #expect(machine.state == .backup)
        #expect(machine.nextDeadline == F.at(3_609_375))
    }

    @Test("the down timer expires to the microsecond: MASTER with advert, addresses, GARPs")
    func timeoutToMaster() {
        var machine = F.backup(F.settings())
        #expect(machine.handle(.timer, at: F.at(3_609_374)).isEmpty)
        #expect(machine.state == .backup)
        let actions = machine.handle(.timer, at: F.at(3_609_375))
        #expect(machine.state == .master)
        #expect(F.adverts(actions) == [100])
        let advert = actions.firstIndex(of: .sendAdvert(priority: 100))
        #expect(advert != nil && advert! < actions.firstIndex(of: .addVirtualAddresses)!)
        #expect(F.logs(actions, detail: false) == ["(VI_1) Entering MASTER STATE", "(VI_1) setting VIPs."])
        #expect(F.logs(actions, detail: true) == [
            "(VI_1) Receive advertisement timeout",
            "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100",
        ])
        let add = actions.firstIndex(of: .addVirtualAddresses)
        let garp = actions.firstIndex(of: .sendGratuitous(count: 5))
        #expect(add != nil && garp != nil && add! < garp!)
        #expect(actions.last == .stateChanged(from: .backup, to: .master))
        // Next advert one interval later.
        #expect(machine.nextDeadline == F.at(3_609_375 + 1_000_000))
    }

    @Test("priority 255 with state MASTER becomes master 1us after start")
    func ownerStartsMaster() {
        var machine = VRRPInstanceMachine(settings: F.settings(priority: 255, state: .master))
        let start = machine.handle(.start, at: F.t0)
        #expect(F.logs(start).isEmpty)
        #expect(machine.nextDeadline == F.at(1))
        let actions = machine.handle(.timer, at: F.at(1))
        #expect(machine.state == .master)
        #expect(F.adverts(actions) == [255])
    }

    @Test("state MASTER below 255 still starts BACKUP and waits")
    func nonOwnerMasterWaits() {
        var machine = VRRPInstanceMachine(settings: F.settings(priority: 200, state: .master))
        let actions = machine.handle(.start, at: F.t0)
        #expect(F.logs(actions).contains("(VI_1) Entering BACKUP STATE (init)"))
        #expect(machine.nextDeadline == F.at(3_218_750))
    }

    @Test("an advert with higher or equal priority resets the down timer")
    func higherPriorityResets() {
        var machine = F.backup(F.settings())
        _ = machine.handle(F.advert(from: "10.0.0.1", priority: 150), at: F.at(2_000_000))
        #expect(machine.nextDeadline == F.at(2_000_000 + 3_609_375))
        _ = machine.handle(F.advert(from: "10.0.0.1", priority: 100), at: F.at(3_000_000))
        #expect(machine.nextDeadline == F.at(3_000_000 + 3_609_375))
        #expect(machine.masterPriority == 100)
        #expect(machine.state == .backup)
    }

    @Test("a lower-priority advert is discarded when preempting, so the timer runs out")
    func lowerPriorityPreempts() {
        var machine = F.backup(F.settings())
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 50), at: F.at(1_000_000))
        #expect(F.logs(actions) == ["(VI_1) received lower priority (50) advert from 10.0.0.1 - discarding"])
        #expect(machine.nextDeadline == F.at(3_609_375))
        _ = machine.handle(.timer, at: F.at(3_609_375))
        #expect(machine.state == .master)
    }

    @Test("nopreempt accepts any priority as master")
    func nopreempt() {
        var settings = F.settings()
        settings.nopreempt = true
        var machine = F.backup(settings)
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 50), at: F.at(1_000_000))
        #expect(F.logs(actions).isEmpty)
        #expect(machine.nextDeadline == F.at(1_000_000 + 3_609_375))
    }

    @Test("a priority 0 advert shortens the down timer to Skew_Time")
    func priorityZero() {
        var machine = F.backup(F.settings())
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 0), at: F.at(1_000_000))
        #expect(F.logs(actions, detail: true) == ["(VI_1) Backup received priority 0 advertisement"])
        #expect(machine.nextDeadline == F.at(1_000_000 + 609_375))
        _ = machine.handle(.timer, at: F.at(1_609_375))
        #expect(machine.state == .master)
    }

    @Test("preempt_delay tolerates a lower-priority master for that long, then preempts")
    func preemptDelay() {
        var settings = F.settings()
        settings.preemptDelay = 2_500_000
        var machine = F.backup(settings)
        let first = machine.handle(F.advert(from: "10.0.0.1", priority: 50), at: F.at(1_000_000))
        #expect(F.logs(first, detail: true) == ["(VI_1) start preempt delay (2.500000)"])
        #expect(machine.preemptUntil == F.at(3_500_000))
        _ = machine.handle(F.advert(from: "10.0.0.1", priority: 50), at: F.at(3_499_999))
        #expect(machine.nextDeadline == F.at(3_499_999 + 3_609_375))
        let late = machine.handle(F.advert(from: "10.0.0.1", priority: 50), at: F.at(3_500_000))
        #expect(F.logs(late, detail: false) == ["(VI_1) received lower priority (50) advert from 10.0.0.1 - discarding"])
        #expect(machine.nextDeadline == F.at(3_499_999 + 3_609_375))
        _ = machine.handle(.timer, at: F.at(3_499_999 + 3_609_375))
        #expect(machine.state == .master)
    }

    @Test("a higher-priority advert stops the preempt delay")
    func preemptDelayStops() {
        var settings = F.settings()
        settings.preemptDelay = 2_000_000
        var machine = F.backup(settings)
        _ = machine.handle(F.advert(from: "10.0.0.1", priority: 50), at: F.at(1_000_000))
        let actions = machine.handle(F.advert(from: "10.0.0.3", priority: 120), at: F.at(1_500_000))
        #expect(F.logs(actions, detail: true) == ["(VI_1) stop preempt delay"])
        #expect(machine.preemptUntil == nil)
    }

    @Test("v3 backups learn Master_Adver_Interval from the master's adverts")
    func version3Learning() {
        var machine = F.backup(F.settings(version: 3))
        #expect(machine.nextDeadline == F.at(3_609_375))
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 150, centiseconds: 50), at: F.at(1_000_000))
        #expect(F.logs(actions, detail: true) == ["(VI_1) advertisement interval updated from 1000ms to 500ms by master"])
        #expect(machine.masterAdvertInterval == 500_000)
        // 3 * 500000 + 156 * 50 * 625 / 16
        #expect(machine.nextDeadline == F.at(1_000_000 + 1_500_000 + 304_687))
        // Becoming master goes back to our own interval.
        let master = machine.handle(.timer, at: F.at(2_804_687))
        #expect(F.logs(master, detail: true).contains("(VI_1) changing advert interval from 500ms to locally configured 1000ms"))
        #expect(machine.nextDeadline == F.at(2_804_687 + 1_000_000))
    }

    @Test("v2 backups ignore the advert's interval")
    func version2NoLearning() {
        var machine = F.backup(F.settings())
        _ = machine.handle(F.advert(from: "10.0.0.1", priority: 150, centiseconds: 300), at: F.at(1_000_000))
        #expect(machine.masterAdvertInterval == 1_000_000)
        #expect(machine.nextDeadline == F.at(1_000_000 + 3_609_375))
    }
}
