import Testing
import ConfParser
@testable import VRRP

@Suite("VRRPMachine MASTER, stop and GARP")
struct VRRPMachineMasterTests {
    typealias F = MachineFixture

    @Test("MASTER sends an advert every advert_int, to the microsecond")
    func advertTicks() {
        var (machine, since) = F.master(F.settings())
        #expect(machine.handle(.timer, at: since.adding(microseconds: 999_999)).isEmpty)
        let tick = machine.handle(.timer, at: since.adding(microseconds: 1_000_000))
        #expect(tick == [.sendAdvert(priority: 100)])
        #expect(machine.nextDeadline == since.adding(microseconds: 2_000_000))
    }

    @Test("a higher-priority advert sends MASTER back to BACKUP and removes the addresses")
    func higherPriority() {
        var (machine, since) = F.master(F.settings())
        let now = since.adding(microseconds: 300_000)
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 150), at: now)
        #expect(F.logs(actions) == [
            "(VI_1) Master received advert from 10.0.0.1 with higher priority 150, ours 100",
            "(VI_1) Entering BACKUP STATE",
            "(VI_1) removing VIPs.",
        ])
        #expect(actions.contains(.removeVirtualAddresses))
        #expect(F.adverts(actions).isEmpty)
        #expect(actions.last == .stateChanged(from: .master, to: .backup))
        #expect(machine.state == .backup)
        #expect(machine.nextDeadline == now.adding(microseconds: 3_609_375))
    }

    @Test("equal priority: the higher primary address wins")
    func equalPriorityTieBreak() {
        var (higher, since) = F.master(F.settings(address: "10.0.0.2"))
        let lost = higher.handle(F.advert(from: "10.0.0.9", priority: 100), at: since.adding(microseconds: 10))
        #expect(F.logs(lost).first
                == "(VI_1) Master received advert from 10.0.0.9 with same priority 100 but higher IP address than ours")
        #expect(higher.state == .backup)

        var (lower, since2) = F.master(F.settings(address: "10.0.0.2"))
        let now = since2.adding(microseconds: 10)
        let kept = lower.handle(F.advert(from: "10.0.0.1", priority: 100), at: now)
        #expect(lower.state == .master)
        #expect(F.logs(kept, detail: false) == ["(VI_1) Received advert from 10.0.0.1 with lower priority 100, ours 100, forcing new election"])
        #expect(F.adverts(kept) == [100])
        // The advert just sent restarts the advert timer.
        #expect(lower.nextDeadline == now.adding(microseconds: 1_000_000))
    }

    @Test("a lower-priority advert makes MASTER advertise at once and send GARP bursts")
    func lowerPriority() {
        var settings = F.settings()
        settings.gratuitous.lowerPriorityRepeat = 2
        settings.gratuitous.lowerPriorityDelay = 4_000_000
        settings.gratuitous.masterDelay = 0
        var (machine, since) = F.master(settings)
        let now = since.adding(microseconds: 500_000)
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 50), at: now)
        #expect(F.adverts(actions) == [100])
        #expect(F.bursts(actions) == [2])
        #expect(machine.gratuitous.delayedLowerPriorityBurst == now.adding(microseconds: 4_000_000))
    }

    @Test("lower_prio_no_advert: no advert, no forcing new election")
    func lowerPriorityNoAdvert() {
        var settings = F.settings()
        settings.lowerPriorityNoAdvert = true
        var (machine, since) = F.master(settings)
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 50), at: since.adding(microseconds: 5))
        #expect(F.adverts(actions).isEmpty)
        #expect(F.logs(actions).first == "(VI_1) Received advert from 10.0.0.1 with lower priority 50, ours 100")
        #expect(machine.nextDeadline == since.adding(microseconds: 1_000_000))
    }

    @Test("a priority 0 advert received as MASTER is answered at once")
    func masterPriorityZero() {
        var (machine, since) = F.master(F.settings())
        let now = since.adding(microseconds: 200_000)
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 0), at: now)
        #expect(F.adverts(actions) == [100])
        #expect(F.logs(actions, detail: true) == ["(VI_1) Master received priority 0 message"])
        #expect(machine.state == .master)
        #expect(machine.nextDeadline == now.adding(microseconds: 1_000_000))
    }

    @Test("two address owners: the local one lowers itself to 254")
    func ownerConflict() {
        var (machine, since) = F.master(F.settings(priority: 255, state: .master, address: "10.0.0.2"))
        let actions = machine.handle(F.advert(from: "10.0.0.9", priority: 255), at: since.adding(microseconds: 1))
        #expect(F.logs(actions).first?.hasPrefix("(VI_1) CONFIGURATION ERROR") == true)
        #expect(machine.effectivePriority == 254)
        #expect(machine.state == .backup)
    }

    @Test("stop as MASTER sends priority 0, removes the addresses and runs notify_stop")
    func stopMaster() {
        var settings = F.settings()
        settings.notify.stop = F.script("/bin/stop")
        settings.notify.any = F.script("/bin/notify")
        var (machine, since) = F.master(settings)
        let actions = machine.handle(.stop, at: since.adding(microseconds: 7))
        #expect(F.adverts(actions) == [0])
        #expect(actions.contains(.removeVirtualAddresses))
        #expect(F.notifies(actions) == [["/bin/stop"], ["/bin/notify", "INSTANCE", "VI_1", "STOP", "100"]])
        #expect(actions.last == .stateChanged(from: .master, to: .initial))
        #expect(machine.nextDeadline == nil)
        #expect(machine.handle(.timer, at: since.adding(microseconds: 9_000_000)).isEmpty)
    }

    @Test("stop as BACKUP sends no advert")
    func stopBackup() {
        var machine = F.backup(F.settings())
        let actions = machine.handle(.stop, at: F.at(5))
        #expect(F.adverts(actions).isEmpty)
        #expect(!actions.contains(.removeVirtualAddresses))
    }

    @Test("notify scripts: the state's own, then notify with INSTANCE NAME STATE PRIORITY")
    func notifyArguments() {
        var settings = F.settings()
        settings.notify.master = F.script("/bin/master")
        settings.notify.backup = F.script("/bin/backup")
        settings.notify.any = F.script("/bin/notify")
        var machine = VRRPInstanceMachine(settings: settings)
        let start = machine.handle(.start, at: F.t0)
        #expect(F.notifies(start) == [["/bin/backup"], ["/bin/notify", "INSTANCE", "VI_1", "BACKUP", "100"]])
        let master = machine.handle(.timer, at: machine.nextDeadline!)
        #expect(F.notifies(master) == [["/bin/master"], ["/bin/notify", "INSTANCE", "VI_1", "MASTER", "100"]])
    }

    @Test("GARP: a burst at once, another after garp_master_delay, refreshes with adverts")
    func gratuitousSchedule() {
        var settings = F.settings()
        settings.gratuitous.masterRepeat = 3
        settings.gratuitous.masterDelay = 5_000_000
        settings.gratuitous.refresh = 10_000_000
        settings.gratuitous.refreshRepeat = 2
        var (machine, since) = F.master(settings)
        #expect(machine.gratuitous.delayedMasterBurst == since.adding(microseconds: 5_000_000))
        var bursts: [Int64: [Int]] = [:]
        var now = since
        for _ in 0..<25 {
            guard let next = machine.nextDeadline else { break }
            now = next
            let actions = machine.handle(.timer, at: now)
            if !F.bursts(actions).isEmpty { bursts[now.microseconds - since.microseconds] = F.bursts(actions) }
        }
        // The delayed burst at exactly +5s (coinciding with the 5th advert), refreshes with the
        // adverts at +10s and +20s.
        #expect(bursts == [5_000_000: [3], 10_000_000: [2], 20_000_000: [2]])
    }

    @Test("the delayed burst is cancelled when MASTER is left")
    func gratuitousCancelled() {
        var (machine, since) = F.master(F.settings())
        _ = machine.handle(F.advert(from: "10.0.0.1", priority: 200), at: since.adding(microseconds: 100))
        #expect(machine.gratuitous.nextDeadline == nil)
        // Only the down timer is pending now.
        #expect(machine.nextDeadline == since.adding(microseconds: 100 + 3_609_375))
        let later = machine.handle(.timer, at: since.adding(microseconds: 3_000_000))
        #expect(F.bursts(later).isEmpty)
    }

    @Test("higher_prio_send_advert: MASTER answers a better advert before leaving")
    func higherPrioritySendAdvert() {
        var settings = F.settings()
        settings.higherPrioritySendAdvert = true
        var (machine, since) = F.master(settings)
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 150), at: since.adding(microseconds: 3))
        #expect(F.adverts(actions) == [100])
        #expect(machine.state == .backup)
    }

    @Test("a v3 MASTER losing to a better master takes that master's interval for its down timer")
    func version3MasterLearns() {
        var (machine, since) = F.master(F.settings(version: 3))
        let now = since.adding(microseconds: 400_000)
        let actions = machine.handle(F.advert(from: "10.0.0.1", priority: 150, centiseconds: 200), at: now)
        #expect(F.logs(actions, detail: true) == ["(VI_1) advertisement interval updated from 1000ms to 2000ms by new master"])
        // 3 * 2 s + 156 * 200 * 625 / 16 = 6_000_000 + 1_218_750
        #expect(machine.nextDeadline == now.adding(microseconds: 7_218_750))
    }

    @Test("priority 0 as MASTER going to FAULT, but not when leaving for BACKUP")
    func priorityZeroOnlyForFault() {
        var (toBackup, since) = F.master(F.settings())
        let backup = toBackup.handle(F.advert(from: "10.0.0.1", priority: 200), at: since.adding(microseconds: 1))
        #expect(!F.adverts(backup).contains(0))
        var (toFault, since2) = F.master(F.settings())
        let fault = toFault.handle(.interface(name: "eth0", up: false), at: since2.adding(microseconds: 1))
        #expect(F.adverts(fault) == [0])
    }
}
