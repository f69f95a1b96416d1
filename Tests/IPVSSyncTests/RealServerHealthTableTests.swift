import Testing
@testable import IPVSSync

/// The dense table of real server health that health snapshots carry.
@Suite struct RealServerHealthTableTests {
    static func ref(_ vs: Int, _ rs: Int) -> RealServerRef { RealServerRef(virtualServer: vs, realServer: rs) }

    @Test func entriesReadBackAndMissingOnesAreNil() {
        var table = RealServerHealthTable()
        #expect(table.isEmpty && table[Self.ref(0, 0)] == nil)
        table[Self.ref(2, 5)] = RealServerHealth(alive: false, weight: 3)
        table[Self.ref(0, 1)] = RealServerHealth(alive: true, weight: 7)
        #expect(table.count == 2)
        #expect(table[Self.ref(2, 5)] == RealServerHealth(alive: false, weight: 3))
        #expect(table[Self.ref(0, 1)] == RealServerHealth(alive: true, weight: 7))
        for missing in [Self.ref(0, 0), Self.ref(1, 0), Self.ref(2, 4), Self.ref(2, 6), Self.ref(9, 9), Self.ref(-1, 0)] {
            #expect(table[missing] == nil, "\(missing)")
        }
        // Replacing keeps the count; removing lowers it, twice the same removal once.
        table[Self.ref(2, 5)] = RealServerHealth(alive: true, weight: 3)
        #expect(table.count == 2 && table[Self.ref(2, 5)]?.alive == true)
        table[Self.ref(2, 5)] = nil
        table[Self.ref(2, 5)] = nil
        #expect(table.count == 1 && table[Self.ref(2, 5)] == nil)
    }

    @Test func iteratesInOrderAndMatchesTheDictionaryItWasMadeFrom() {
        let dictionary = [Self.ref(1, 0): RealServerHealth(alive: true, weight: 1),
                          Self.ref(0, 2): RealServerHealth(alive: false, weight: 0),
                          Self.ref(0, 0): RealServerHealth(alive: true, weight: 2)]
        let table = RealServerHealthTable(dictionary)
        #expect(table.keys == [Self.ref(0, 0), Self.ref(0, 2), Self.ref(1, 0)])
        #expect(table.values.map(\.weight) == [2, 0, 1])
        #expect(Dictionary(uniqueKeysWithValues: table.map { ($0.key, $0.value) }) == dictionary)
        let literal: RealServerHealthTable = [Self.ref(0, 2): RealServerHealth(alive: false, weight: 0),
                                              Self.ref(0, 0): RealServerHealth(alive: true, weight: 2),
                                              Self.ref(1, 0): RealServerHealth(alive: true, weight: 1)]
        #expect(literal == table)
        var reserved = RealServerHealthTable()
        reserved.reserve(20, inVirtualServer: 3)
        #expect(reserved == RealServerHealthTable() && reserved.isEmpty)
    }

    @Test func mergeTakesTheOtherTablesEntries() {
        var table: RealServerHealthTable = [Self.ref(0, 0): RealServerHealth(alive: true, weight: 1),
                                            Self.ref(0, 1): RealServerHealth(alive: true, weight: 1)]
        table.merge([Self.ref(0, 1): RealServerHealth(alive: false, weight: 1), Self.ref(3, 0): RealServerHealth(alive: true, weight: 4)])
        #expect(table.count == 3)
        #expect(table[Self.ref(0, 0)]?.alive == true && table[Self.ref(0, 1)]?.alive == false && table[Self.ref(3, 0)]?.weight == 4)
    }

    /// IPVS takes 32-bit weights: larger ones are kept at the largest.
    @Test func weightsAreClampedToThirtyTwoBits() {
        var table = RealServerHealthTable()
        table[Self.ref(0, 0)] = RealServerHealth(alive: true, weight: Int(Int32.max) + 10)
        #expect(table[Self.ref(0, 0)]?.weight == Int(Int32.max))
        #expect(MemoryLayout<RealServerHealthTable.Entry>.stride == 8)
    }
}
