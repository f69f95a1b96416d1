import Testing
@testable import HealthCheck

@Suite struct WakeGridTests {
    let step = WakeGrid.intervalNanoseconds

    @Test func instantsAreMultiplesOfTheInterval() {
        #expect(WakeGrid.instant(atOrAfter: 0) == 0)
        #expect(WakeGrid.instant(atOrAfter: 1) == step)
        #expect(WakeGrid.instant(atOrAfter: step) == step)
        #expect(WakeGrid.instant(atOrAfter: step + 1) == 2 * step)
        #expect(WakeGrid.instant(atOrAfter: 7 * step - 1) == 7 * step)
    }

    @Test func theNextInstantIsStrictlyLater() {
        #expect(WakeGrid.instant(after: step) == 2 * step)
        #expect(WakeGrid.instant(after: step - 1) == step)
        #expect(WakeGrid.instant(after: 0) == step)
    }
}
