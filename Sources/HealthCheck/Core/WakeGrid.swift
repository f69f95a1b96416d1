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
    /// 20 ms: 50 wake-ups a second at most, and a divisor of the usual `delay_loop` values (whole
    /// seconds, tenths), so a checker's due times stay on the grid. A connect still in flight after
    /// its first look is seen at most this late. In the lab at 1,000 checks a second, 20 ms used
    /// 22.8 CPU s/min against 28.5 with 8 ms and 28.8-30.5 with 4 ms (keepalived: 22.5-27.1), with
    /// a p99 lateness of 14.1 ms: the checkers due in one interval start together at its instant.
    static let intervalNanoseconds: UInt64 = 20_000_000

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
