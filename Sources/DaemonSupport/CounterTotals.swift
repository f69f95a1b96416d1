/// Turns absolute totals reported at each scrape into the increase to add to a Prometheus counter.
///
/// Pure value: the first total counts whole; a larger total adds the difference; a smaller one means
/// the source restarted (for example an instance was recreated on reload), so counting starts
/// again from the new value. The result is never negative.
struct CounterTotals: Sendable {
    /// One counter series: metric name and label values in order.
    struct Key: Hashable, Sendable {
        var metric: String
        var labels: [String]
    }

    private var previous: [Key: Int] = [:]

    /// The increase to apply for `total`, remembering it as the new previous total.
    mutating func increase(for key: Key, total: Int) -> Int {
        let total = max(total, 0)
        let last = previous[key] ?? 0
        previous[key] = total
        return total >= last ? total - last : total
    }

    /// The keys whose first label is `value` (the series of one instance), for cleanup.
    func keys(whereFirstLabelIs value: String) -> [Key] {
        previous.keys.filter { $0.labels.first == value }
    }

    /// Forgets a series, so a later total counts whole again.
    mutating func forget(_ key: Key) {
        previous[key] = nil
    }
}
