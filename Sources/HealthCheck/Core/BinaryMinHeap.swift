/// A binary min-heap: push O(log n), the smallest element O(1), pop O(log n). The health core's
/// agenda of attempts and the connect reactor's deadlines both order their entries with it.
struct BinaryMinHeap<Element: Comparable>: Sendable where Element: Sendable {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }

    /// The smallest element.
    var first: Element? { items.first }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    /// Room for `count` elements without growing.
    mutating func reserveCapacity(_ count: Int) { items.reserveCapacity(count) }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the smallest element.
    @discardableResult
    mutating func popFirst() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < items.count else { break }
            var smallest = left
            if left + 1 < items.count, items[left + 1] < items[left] { smallest = left + 1 }
            guard items[smallest] < items[parent] else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
