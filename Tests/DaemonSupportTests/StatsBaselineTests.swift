import Foundation
import Testing
import VRRP
@testable import DaemonSupport

/// STATS_CLEAR: the dumps count from the last clear while the running counters go on.
@Suite struct StatsBaselineTests {
    typealias F = StatusFixtures

    @Test func dumpsCountFromTheLastClear() {
        var baseline = VRRPStatsBaseline()
        #expect(baseline.applied(to: [F.master, F.backup]) == [F.master, F.backup])
        baseline.clear(at: [F.master, F.backup])
        let cleared = baseline.applied(to: [F.master, F.backup])
        #expect(cleared.map(\.traffic.advertsSent) == [0, 0])
        #expect(cleared.map(\.traffic.becameMaster) == [0, 0])
        #expect(cleared[1].traffic.advertsReceived == 0 && cleared[1].packetErrors.ttl == 0)
        #expect(cleared[1].authenticationErrors.failure == 0)
        // The time of the last transition is not a counter: it stays.
        #expect(cleared[0].traffic.lastTransition == F.transition)

        var later = F.master
        later.traffic.recordSent(priority: 100)
        later.traffic.recordSent(priority: 0)
        let since = baseline.applied(to: [later])[0]
        #expect(since.traffic.advertsSent == 2 && since.traffic.priorityZeroSent == 1)
        #expect(VRRPStatsDump.render([since]).contains("  Advertisements:\n    Received: 0\n    Sent: 2\n"))
    }

    @Test func anInstanceStartedAgainCountsFromItsOwnStart() {
        var baseline = VRRPStatsBaseline()
        baseline.clear(at: [F.master])
        var restarted = F.master
        restarted.traffic = VRRPTrafficCounters(advertsSent: 3)
        #expect(baseline.applied(to: [restarted])[0].traffic.advertsSent == 3)
        // An instance the baseline never saw is shown as it is.
        #expect(baseline.applied(to: [F.backup]) == [F.backup])
    }
}
