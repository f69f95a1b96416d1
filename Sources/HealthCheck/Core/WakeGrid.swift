import Dispatch

/// The instants the health engine wakes at: multiples of `interval` on the `DispatchTime` clock.
///
/// At thousands of checks per second, each wake-up of a Dispatch timer or read source costs two
/// thread switches (libdispatch's manager thread, then a worker) before any work is done; under
/// emulation they were most of the engine's CPU. On a shared grid, the attempts due and the
/// connects that finished within one interval are handled in one wake-up. The health core rounds
/// due times up to the grid (`HealthCore.scheduleQuantum`, from an origin on the grid), so an
/// attempt starts at its due instant, not up to one interval late, and the checkers due within one
/// interval share its wake-up.
enum WakeGrid {
    /// 8 ms: 125 wake-ups a second at most; a connect still in flight after its first look is seen
    /// at most this late.
    static let intervalNanoseconds: UInt64 = 8_000_000

    /// The first grid instant at or after `uptime` (nanoseconds of `DispatchTime`).
    static func instant(atOrAfter uptime: UInt64) -> UInt64 {
        let remainder = uptime % intervalNanoseconds
        return remainder == 0 ? uptime : uptime + (intervalNanoseconds - remainder)
    }

    /// The grid instant strictly after `uptime`.
    static func instant(after uptime: UInt64) -> UInt64 {
        instant(atOrAfter: uptime + 1)
    }
}
