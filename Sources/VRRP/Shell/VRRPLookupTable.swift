/// Where a received advert goes: the socket it came in on and its VRID.
struct VRRPRoute: Hashable, Sendable {
    var socket: VRRPSocketKey
    var vrid: Int
}

/// A dictionary built on demand and kept until the shell's instances change (its generation).
struct VRRPLookupTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var generation = -1
    private var entries: [Key: Value] = [:]

    /// The table for `current`, rebuilt with `build` when it was made for another generation.
    mutating func table(generation current: Int, build: () -> [Key: Value]) -> [Key: Value] {
        if generation != current {
            entries = build()
            generation = current
        }
        return entries
    }
}
