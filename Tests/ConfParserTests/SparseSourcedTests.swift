import Foundation
import Testing
@testable import ConfParser

@Suite("SparseSourced") struct SparseSourcedTests {
    struct Holder: Equatable, Encodable {
        @SparseSourced var delay: Double? = nil
        @Sourced var plain: Double? = nil
    }

    @Test func unsetTakesOneWordAndHasNoLocation() {
        #expect(MemoryLayout<SparseSourced<Double>>.size == MemoryLayout<Int>.size)
        #expect(MemoryLayout<SparseSourced<Double>>.size < MemoryLayout<Sourced<Double?>>.size)
        let holder = Holder()
        #expect(holder.delay == nil && holder.$delay.location == nil)
    }

    @Test func keepsTheValueAndWhereItWasWrittenLikeSourced() {
        let location = SourceLocation(file: "/etc/keepalived/keepalived.conf", line: 12)
        var holder = Holder()
        holder.$delay.set(2.5, at: location)
        holder.$plain.set(2.5, at: location)
        #expect(holder.delay == 2.5 && holder.$delay.location == location)
        // A plain write keeps the location, as with `Sourced`.
        holder.delay = 4
        holder.plain = 4
        #expect(holder.$delay.location == holder.$plain.location)
        #expect(holder.$delay == holder.$plain)
        // Copies share the box until one is written.
        var copy = holder
        #expect(copy == holder)
        copy.$delay.location = nil
        #expect(copy != holder && holder.$delay.location == location && copy.delay == 4)
        copy.delay = nil
        #expect(copy.delay == nil && copy.$delay.location == nil && copy.$delay == Sourced(wrappedValue: nil))
    }

    @Test func encodesTheValueAsSourcedDoes() throws {
        var holder = Holder()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let empty = try String(decoding: encoder.encode(holder), as: UTF8.self)
        #expect(empty == #"{"delay":null,"plain":null}"#)
        holder.$delay.set(3, at: SourceLocation(file: "k.conf", line: 1))
        holder.plain = 3
        let written = try JSONEncoder().encode(holder)
        let object = try #require(try JSONSerialization.jsonObject(with: written) as? [String: Double])
        #expect(object == ["delay": 3, "plain": 3])
    }
}
