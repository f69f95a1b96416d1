import Testing
@testable import HealthCheck

@Suite("HealthCore agenda") struct HealthCoreAgendaTests {
    typealias F = HealthCoreFixture

    @Test func popsDueEntriesEarliestFirstWithTiesByChecker() {
        var agenda = CheckerAgenda()
        let ids = (0..<50).map { CheckerID(virtualServer: $0 % 5, realServer: $0, index: 0) }
        var generator = SplitMix(seed: 7)
        var expected: [(Duration, CheckerID)] = []
        for id in ids.shuffled(using: &generator) {
            let time = Duration.milliseconds(Int.random(in: 0..<20, using: &generator) * 100)
            agenda.schedule(id, at: time)
            expected.append((time, id))
        }
        expected.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        #expect(agenda.earliest == expected.first?.0)
        let early = agenda.popDue(at: .milliseconds(900))
        #expect(early.map(\.id) == expected.filter { $0.0 <= .milliseconds(900) }.map(\.1))
        let rest = agenda.popDue(at: .seconds(10))
        #expect(rest.map(\.id) == expected.filter { $0.0 > .milliseconds(900) }.map(\.1))
        #expect(agenda.isEmpty && agenda.earliest == nil)
    }

    @Test func aRescheduledCheckerRunsOnceAtItsNewTime() {
        var core = HealthCore(config: F.config(F.service(servers: [("10.0.0.2", F.tcpCheck())])))
        let id = F.id()
        _ = core.handle(.start, at: .zero)
        // Moved later (as a reload carrying it over would): the old entry is stale.
        core.setNextAttempt(id, .seconds(5))
        #expect(F.probes(core.handle(.timer, at: .seconds(1))) == [])
        #expect(core.nextDeadline == .seconds(5))
        #expect(F.probes(core.handle(.timer, at: .seconds(5))) == [id])
        #expect(core.nextDeadline == nil)
    }

    @Test func aTimerEventStartsAtMostABatchOfTheAttemptsDue() {
        let count = HealthCore.startsPerEvent * 2 + 10
        let servers = (0..<count).map { ("10.0.\($0 / 250).\($0 % 250 + 1)", F.tcpCheck()) }
        var core = HealthCore(config: F.config(F.service(servers: servers)))
        _ = core.handle(.start, at: .zero)
        let due = HealthCore.bootstrapDelay
        #expect(!core.hasDueAttempts(at: due - .milliseconds(2)))
        #expect(core.hasDueAttempts(at: due))
        let first = F.probes(core.handle(.timer, at: due))
        let second = F.probes(core.handle(.timer, at: due))
        #expect(core.hasDueAttempts(at: due))
        let third = F.probes(core.handle(.timer, at: due))
        #expect(first.count == HealthCore.startsPerEvent && second.count == HealthCore.startsPerEvent && third.count == 10)
        // Configuration order across the batches, each checker once.
        #expect(first + second + third == core.checkerIDs)
        #expect(!core.hasDueAttempts(at: due) && F.probes(core.handle(.timer, at: due)).isEmpty)
    }

    @Test func roundsUpToAMultipleOfTheQuantum() {
        let step = Duration.milliseconds(8)
        #expect(Duration.milliseconds(16).roundedUp(toMultipleOf: step) == .milliseconds(16))
        #expect(Duration.milliseconds(17).roundedUp(toMultipleOf: step) == .milliseconds(24))
        #expect(Duration.nanoseconds(1).roundedUp(toMultipleOf: step) == .milliseconds(8))
        #expect(Duration.zero.roundedUp(toMultipleOf: step) == .zero)
        #expect(Duration.milliseconds(-3).roundedUp(toMultipleOf: step) == .zero)
        #expect(Duration.milliseconds(17).roundedUp(toMultipleOf: .zero) == .milliseconds(17))
    }

    /// With a quantum (the engine's wake-up interval), every due time is a multiple of it: the
    /// first attempt after its warmup share, the next one a delay after a quick check, and the
    /// next one after a check that took long.
    @Test func dueTimesFallOnTheQuantum() {
        let id = F.id()
        var core = HealthCore(config: F.config(F.service(servers: [("10.0.0.2", F.tcpCheck(retry: 0))])),
                              warmupOffsets: [id: .milliseconds(3)])
        core.scheduleQuantum = .milliseconds(8)
        _ = core.handle(.start, at: .zero)
        let first = HealthCore.bootstrapDelay + .milliseconds(8)
        #expect(core.nextAttempt(of: id) == first)
        #expect(F.probes(core.handle(.timer, at: first)) == [id])
        _ = core.handle(.probeFinished(id, .success(nil)), at: first + .milliseconds(2))
        #expect(core.nextAttempt(of: id) == first + .seconds(10))
        let second = first + .seconds(10)
        #expect(F.probes(core.handle(.timer, at: second)) == [id])
        let end = second + .seconds(3) + .milliseconds(1)
        _ = core.handle(.probeFinished(id, .failure(nil)), at: end)
        #expect(core.nextAttempt(of: id) == (end + .seconds(10) - HealthCore.catchUpLimit).roundedUp(toMultipleOf: .milliseconds(8)))
        #expect(core.nextAttempt(of: id)!.agendaTicks % 8_000_000 == 0)
        #expect(core.nextAttempt(of: id)! > end + .seconds(10) - HealthCore.catchUpLimit)
    }
}
