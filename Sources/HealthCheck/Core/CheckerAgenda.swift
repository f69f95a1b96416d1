/// When each checker's next attempt is due, as a binary min-heap ordered by (time, checker).
///
/// Entries are never removed when a checker's schedule changes: an entry counts only while the
/// checker's `nextAttempt` still equals its time, and stale ones are dropped when they come to
/// the top. So scheduling is O(log n) and the next deadline O(1), where scanning every checker
/// after each event made thousands of checkers cost n² per delay_loop.
struct CheckerAgenda: Sendable {
    private struct Entry: Comparable, Sendable {
        var time: Duration
        var id: CheckerID

        static func < (a: Entry, b: Entry) -> Bool { a.time != b.time ? a.time < b.time : a.id < b.id }
    }

    private var heap = BinaryMinHeap<Entry>()

    var isEmpty: Bool { heap.isEmpty }

    /// The earliest time in the agenda (possibly of a stale entry: at worst an early wake-up).
    var earliest: Duration? { heap.first?.time }

    mutating func removeAll() { heap.removeAll() }

    mutating func schedule(_ id: CheckerID, at time: Duration) {
        heap.push(Entry(time: time, id: id))
    }

    /// Removes and returns the entries due at `now` (time <= now), earliest first, at most `limit`.
    mutating func popDue(at now: Duration, limit: Int = .max) -> [(time: Duration, id: CheckerID)] {
        var due: [(time: Duration, id: CheckerID)] = []
        while due.count < limit, let first = heap.first, first.time <= now {
            heap.popFirst()
            due.append((first.time, first.id))
        }
        return due
    }
}
