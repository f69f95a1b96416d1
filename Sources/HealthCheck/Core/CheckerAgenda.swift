/// When each checker's next attempt is due, as a binary min-heap ordered by (time, checker).
///
/// Entries are never removed when a checker's schedule changes: an entry counts only while the
/// checker's `nextAttempt` still equals its time, and stale ones are dropped when they come to
/// the top. So scheduling is O(log n) and the next deadline O(1), where scanning every checker
/// after each event made thousands of checkers cost n² per delay_loop.
struct CheckerAgenda: Sendable {
    private var heap: [(time: Duration, id: CheckerID)] = []

    var isEmpty: Bool { heap.isEmpty }

    /// The earliest time in the agenda (possibly of a stale entry: at worst an early wake-up).
    var earliest: Duration? { heap.first?.time }

    mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    mutating func schedule(_ id: CheckerID, at time: Duration) {
        heap.append((time, id))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the entries due at `now` (time <= now), earliest first.
    mutating func popDue(at now: Duration) -> [(time: Duration, id: CheckerID)] {
        var due: [(time: Duration, id: CheckerID)] = []
        while let first = heap.first, first.time <= now {
            due.append(first)
            let last = heap.removeLast()
            guard !heap.isEmpty else { break }
            heap[0] = last
            siftDown(from: 0)
        }
        return due
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, Self.precedes(heap[left + 1], heap[left]) { smallest = left + 1 }
            guard Self.precedes(heap[smallest], heap[parent]) else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    private static func precedes(_ a: (time: Duration, id: CheckerID), _ b: (time: Duration, id: CheckerID)) -> Bool {
        a.time != b.time ? a.time < b.time : a.id < b.id
    }
}
