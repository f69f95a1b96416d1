import Testing
@testable import HealthCheck

/// The health engine's attempts in flight (`AttemptTable`).
@Suite("Attempts in flight")
struct AttemptTableTests {
    @Test func aReservedTokenNamesItsAttemptUntilItEnds() {
        var table = AttemptTable<String>()
        let first = table.reserveToken()
        let second = table.reserveToken()
        #expect(first != second)
        #expect(table.count == 2 && table[first] == nil, "reserved, not started yet")
        table[first] = "a"
        table[second] = "b"
        #expect(table[first] == "a" && table[second] == "b")
        #expect(table.remove(first) == "a")
        #expect(table.remove(first) == nil, "ended once")
        #expect(table[first] == nil && table.count == 1)
        table[second] = nil
        #expect(table.isEmpty && table[second] == nil)
    }

    /// An abandoned attempt's late result names a slot given to another attempt: it finds nothing.
    @Test func aStaleTokenFindsNothingInItsReusedSlot() {
        var table = AttemptTable<String>()
        let old = table.reserveToken()
        table[old] = "old"
        _ = table.remove(old)
        let new = table.reserveToken()
        table[new] = "new"
        #expect(new & 0xFFFF_FFFF == old & 0xFFFF_FFFF, "the slot is used again")
        #expect(new != old)
        #expect(table[old] == nil && table.remove(old) == nil)
        table[old] = "late"
        #expect(table[new] == "new" && table.count == 1, "a stale token changes nothing")
    }

    @Test func listsAndEndsEveryAttempt() {
        var table = AttemptTable<Int>()
        var tokens: [UInt64] = []
        for value in 0..<5 {
            let token = table.reserveToken()
            table[token] = value
            tokens.append(token)
        }
        _ = table.remove(tokens[2])
        #expect(table.all.map(\.attempt).sorted() == [0, 1, 3, 4])
        #expect(table.all.allSatisfy { table[$0.token] == $0.attempt })
        #expect(table.removeAll().sorted() == [0, 1, 3, 4])
        #expect(table.isEmpty && table.all.isEmpty)
        #expect(tokens.allSatisfy { table[$0] == nil })
        // The slots are used again rather than added.
        let again = (0..<5).map { _ in table.reserveToken() & 0xFFFF_FFFF }
        #expect(Set(again) == Set(tokens.map { $0 & 0xFFFF_FFFF }))
    }
}
