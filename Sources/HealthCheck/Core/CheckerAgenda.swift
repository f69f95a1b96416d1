/// When each checker's next attempt is due, as a binary min-heap ordered by (time, checker).
///
/// Entries are never removed when a checker's schedule changes: an entry counts only while the
/// checker's `nextAttempt` still equals its time, and stale ones are dropped when they come to
/// the top. So scheduling is O(log n) and the next deadline O(1), where scanning every checker
/// after each event made thousands of checkers cost n² per delay_loop.
struct CheckerAgenda: Sendable {
    private struct Entry: Comparable, Sendable {
        /// The due time in whole nanoseconds (`Duration.agendaTicks`): one integer to compare, where
        /// a `Duration` is two words compared through a call, at every step of the heap.
        var ticks: Int64
        var id: CheckerID

        static func < (a: Entry, b: Entry) -> Bool { a.ticks != b.ticks ? a.ticks < b.ticks : a.id < b.id }
    }

    private var heap = BinaryMinHeap<Entry>()

    var isEmpty: Bool { heap.isEmpty }

    /// The earliest time in the agenda (possibly of a stale entry: at worst an early wake-up).
    var earliest: Duration? { heap.first.map { .nanoseconds($0.ticks) } }

    mutating func removeAll() { heap.removeAll() }

    /// Room for one entry per checker: grown by doubling, 10,000 checkers took room for 16,384.
    mutating func reserveCapacity(_ count: Int) { heap.reserveCapacity(count) }

    mutating func schedule(_ id: CheckerID, at time: Duration) {
        heap.push(Entry(ticks: time.agendaTicks, id: id))
    }

    /// Removes and returns the entries due at `now` (time <= now), earliest first, at most `limit`;
    /// each with its due time in whole nanoseconds.
    mutating func popDue(at now: Duration, limit: Int = .max) -> [(ticks: Int64, id: CheckerID)] {
        let nowTicks = now.agendaTicks
        var due: [(ticks: Int64, id: CheckerID)] = []
        while due.count < limit, let first = heap.first, first.ticks <= nowTicks {
            heap.popFirst()
            due.append((first.ticks, first.id))
        }
        return due
    }
}

extension Duration {
    /// Whole nanoseconds (rounded down): how the agenda orders and matches due times.
    var agendaTicks: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    /// The first multiple of `quantum` (in whole nanoseconds) at or after this time; this time
    /// itself when `quantum` is zero.
    func roundedUp(toMultipleOf quantum: Duration) -> Duration {
        let step = quantum.agendaTicks
        guard step > 0 else { return self }
        let ticks = agendaTicks
        let remainder = ticks % step
        guard remainder != 0 else { return self }
        return .nanoseconds(ticks - remainder + (ticks > 0 ? step : 0))
    }
}
