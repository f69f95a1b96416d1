import Dispatch

/// The health engine's Dispatch timer (no leeway), on the wake-up grid (`WakeGrid`): it fires at
/// the grid instant of the next deadline, and while a deadline comes at every instant (thousands
/// of checkers) it repeats on the grid instead of being set again after each wake-up. Setting a
/// Dispatch timer wakes libdispatch's manager thread, so it is set only when its instant moved.
///
/// Thread safety: used only on the queue its handler runs on (the engine's), so it may be shared
/// although the compiler cannot check that.
final class GridTimer: @unchecked Sendable {
    private let source: any DispatchSourceTimer
    /// The instant the one-shot timer is set for (nil: none, or it has fired; `.max`: never).
    private var armedWake: UInt64?
    private var repeatingOnGrid = false

    /// A timer calling `handler` on `queue`, not set yet.
    init(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.setEventHandler(handler: handler)
        source.resume()
    }

    /// To call first in the handler: a one-shot timer is no longer set once it has fired.
    func fired() {
        if !repeatingOnGrid { armedWake = nil }
    }

    /// Fires at the first grid instant at least `delay` nanoseconds from now, nil: never.
    func arm(after delay: UInt64?) {
        guard let delay else {
            guard repeatingOnGrid || armedWake != .max else { return }
            repeatingOnGrid = false
            armedWake = .max
            source.schedule(deadline: .distantFuture, repeating: .never, leeway: .nanoseconds(0))
            return
        }
        let uptime = DispatchTime.now().uptimeNanoseconds
        let wake = WakeGrid.instant(atOrAfter: uptime + delay)
        let nextInstant = WakeGrid.instant(after: uptime)
        if wake <= nextInstant {
            guard !repeatingOnGrid else { return }
            repeatingOnGrid = true
            armedWake = nil
            source.schedule(deadline: DispatchTime(uptimeNanoseconds: nextInstant),
                            repeating: .nanoseconds(Int(WakeGrid.intervalNanoseconds)), leeway: .nanoseconds(0))
            return
        }
        guard repeatingOnGrid || armedWake != wake else { return }
        repeatingOnGrid = false
        armedWake = wake
        source.schedule(deadline: DispatchTime(uptimeNanoseconds: wake), repeating: .never, leeway: .nanoseconds(0))
    }

    func cancel() {
        source.cancel()
    }
}
