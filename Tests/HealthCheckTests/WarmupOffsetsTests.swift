import ConfParser
import Testing
@testable import HealthCheck

/// keepalived's random start, drawn from a seed and each checker's id instead of stored per checker.
struct WarmupOffsetsTests {
    typealias F = HealthCoreFixture

    @Test func aLiteralGivesOffsetsPerCheckerAndNoneToTheOthers() {
        let offsets: WarmupOffsets = [F.id(0, 1): .seconds(4)]
        #expect(offsets.offset(of: F.id(0, 1), warmup: .seconds(10)) == .seconds(4))
        #expect(offsets.offset(of: F.id(0, 0), warmup: .seconds(10)) == .zero)
        #expect(WarmupOffsets.none.offset(of: F.id(0, 1), warmup: .seconds(10)) == .zero)
    }

    @Test func sharesAreUniformWithinTheWarmupAndTheSameForTheSameSeedAndID() {
        let shares = WarmupOffsets.randomShares(seed: 42)
        let warmup = Duration.seconds(10)
        var offsets: [Duration] = []
        for vs in 0..<10 {
            for rs in 0..<100 {
                offsets.append(shares.offset(of: F.id(vs, rs), warmup: warmup))
            }
        }
        #expect(offsets.allSatisfy { $0 >= .zero && $0 < warmup })
        #expect(Set(offsets).count == offsets.count, "neighbouring checkers get different shares")
        let mean = offsets.map { Double($0.components.seconds) + Double($0.components.attoseconds) * 1e-18 }
            .reduce(0, +) / Double(offsets.count)
        #expect(abs(mean - 5) < 0.5, "uniform over 0..<10 s: the mean of 1,000 draws is near 5 s, got \(mean)")
        let tenths = Set(offsets.map { Int(($0 / warmup) * 10) })
        #expect(tenths == Set(0..<10), "every tenth of the warmup is used")

        #expect(shares.offset(of: F.id(3, 7), warmup: warmup) == WarmupOffsets.randomShares(seed: 42).offset(of: F.id(3, 7), warmup: warmup))
        #expect(shares.offset(of: F.id(3, 7), warmup: warmup) != WarmupOffsets.randomShares(seed: 43).offset(of: F.id(3, 7), warmup: warmup))
        #expect(shares.offset(of: F.id(3, 7), warmup: .zero) == .zero)
    }

    @Test func theCoreStartsEachCheckerWithinBootstrapDelayAndWarmup() {
        let servers = (2..<22).map { ("10.0.0.\($0)", F.tcpCheck()) }
        let config = F.config(F.service(servers: servers))
        var core = HealthCore(config: config, warmupOffsets: .randomShares(seed: 7))
        _ = core.handle(.start, at: .seconds(100))
        let firsts = (0..<20).compactMap { core.nextAttempt(of: F.id(0, $0)) }
        #expect(firsts.count == 20)
        // warmup defaults to delay_loop (10 s); start 100 s plus the 1 s bootstrap delay.
        #expect(firsts.allSatisfy { $0 >= .seconds(101) && $0 <= .seconds(111) })
        #expect(Set(firsts).count > 10, "the first attempts are spread, not all at once")
    }
}
