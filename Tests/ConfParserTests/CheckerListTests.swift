import Foundation
import Testing
@testable import ConfParser

/// A real server's checkers: one inline, two and more in an array.
@Suite("CheckerList") struct CheckerListTests {
    static func checker(_ kind: CheckerKind, line: Int) -> Checker {
        Checker(kind: kind, location: SourceLocation(file: "k.conf", line: line))
    }

    /// A real server with one checker holds it without an allocation of its own.
    @Test func oneCheckerIsInline() {
        #expect(MemoryLayout<CheckerList>.size <= MemoryLayout<Checker>.size + 8)
        var list: CheckerList = []
        #expect(list.isEmpty && list.count == 0)
        list.append(Self.checker(.tcp, line: 1))
        #expect(list.count == 1 && list[0].kind == .tcp && list.first?.location.line == 1)
        list[0].retry = 5
        #expect(list[0].retry == 5)
    }

    @Test func growsShrinksAndKeepsOrderLikeAnArray() {
        var list = CheckerList()
        var array: [Checker] = []
        for (line, kind) in [CheckerKind.tcp, .http, .misc].enumerated() {
            list.append(Self.checker(kind, line: line))
            array.append(Self.checker(kind, line: line))
            #expect(Array(list) == array)
        }
        list[2].delayLoop = 9
        array[2].delayLoop = 9
        #expect(Array(list) == array)
        let removed = list.removeLast()
        array.removeLast()
        #expect(removed.kind == .misc && Array(list) == array)
        list.remove(at: 0)
        array.remove(at: 0)
        #expect(Array(list) == array && list.count == 1 && list[0].kind == .http)
        list.removeAll()
        #expect(list.isEmpty && list == [])
        #expect(CheckerList([Self.checker(.tcp, line: 1), Self.checker(.dns, line: 2)]).map(\.kind) == [.tcp, .dns])
    }

    /// Equal lists are equal however they were built; copies do not change each other.
    @Test func valueSemantics() {
        var one: CheckerList = [Self.checker(.tcp, line: 1)]
        let built = CheckerList([Self.checker(.tcp, line: 1), Self.checker(.tcp, line: 2)].dropLast())
        #expect(one == built)
        let copy = one
        one[0].retry = 7
        #expect(copy[0].retry == 1 && one[0].retry == 7 && copy != one)
    }

    @Test func encodesAsAnArray() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let list: CheckerList = [Self.checker(.tcp, line: 1)]
        let array = [Self.checker(.tcp, line: 1)]
        #expect(try encoder.encode(list) == encoder.encode(array))
        #expect(try String(decoding: encoder.encode(CheckerList()), as: UTF8.self) == "[]")
    }
}
