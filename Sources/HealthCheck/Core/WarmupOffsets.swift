/// How long each checker waits within its `warmup` before its first attempt.
///
/// keepalived starts each checker after a random share of its warmup, so that thousands of them do
/// not all connect in the same instant. The shares are drawn from one seed and the checker's id
/// when its first attempt is scheduled: nothing is kept per checker (a dictionary of 10,000 drawn
/// offsets took 650 KB, alive through the start's IPVS reconcile, the daemon's peak of memory).
/// A literal gives offsets per checker (tests); a checker missing from it has none.
public enum WarmupOffsets: Sendable, ExpressibleByDictionaryLiteral {
    /// Given offsets; a checker that is not listed has none.
    case fixed([CheckerID: Duration])
    /// keepalived's: a uniform share of the checker's warmup, the same for the same seed and id.
    case randomShares(seed: UInt64)

    /// No offsets.
    public static let none = WarmupOffsets.fixed([:])

    public init(dictionaryLiteral elements: (CheckerID, Duration)...) {
        self = .fixed(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// Shares from a seed drawn from the system's random source.
    public static func random() -> WarmupOffsets {
        var generator = SystemRandomNumberGenerator()
        return .randomShares(seed: generator.next())
    }

    /// The delay of `id`'s first attempt within its `warmup`.
    public func offset(of id: CheckerID, warmup: Duration) -> Duration {
        switch self {
        case .fixed(let offsets):
            return offsets[id] ?? .zero
        case .randomShares(let seed):
            guard warmup > .zero else { return .zero }
            return warmup * Self.share(seed: seed, id: id)
        }
    }

    /// A number in 0..<1 from the seed and the id: SplitMix64's finaliser over each part in turn,
    /// so that neighbouring ids get unrelated shares.
    static func share(seed: UInt64, id: CheckerID) -> Double {
        var state = seed
        for part in [id.realServer.virtualServer, id.realServer.realServer, id.index] {
            state = mix(state ^ UInt64(truncatingIfNeeded: part))
        }
        return Double(state >> 11) * 0x1p-53
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
