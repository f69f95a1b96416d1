import ConfParser
import Foundation
import Testing

/// Track file contents read as keepalived's `strtol(buf, NULL, 0)` reads them.
struct TrackFileValueTests {
    private func parse(_ text: String) -> TrackFileValue { TrackFileValue.parse(Array(text.utf8)) }

    @Test func decimalHexAndOctal() {
        #expect(parse("7\n") == .value(7))
        #expect(parse("  -4\n") == .value(-4))
        #expect(parse("+12") == .value(12))
        #expect(parse("0x10\n") == .value(16))
        #expect(parse("0X1f") == .value(31))
        #expect(parse("010") == .value(8))
        #expect(parse("09") == .value(0))
        #expect(parse("0x") == .value(0))
        #expect(parse("12abc") == .value(12))
    }

    @Test func textWithoutDigitsIsZero() {
        #expect(parse("abc\n") == .value(0))
        #expect(parse("") == .value(0))
        #expect(parse("\n") == .value(0))
    }

    @Test func numbersOutsideIntAreRefused() {
        // keepalived: "Invalid number 99999999999 read from /tmp/fc/d - ignoring".
        #expect(parse("99999999999\n") == .invalid(number: 99_999_999_999))
        #expect(parse("2147483647") == .value(2_147_483_647))
        #expect(parse("-2147483648") == .value(-2_147_483_648))
        #expect(parse("2147483648") == .invalid(number: 2_147_483_648))
        #expect(parse("99999999999999999999999") == .invalid(number: Int64.max))
        #expect(parse("-99999999999999999999999") == .invalid(number: Int64.min))
    }

    @Test func readsFilesAndTakesAMissingFileAsZero() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("value").path
        #expect(TrackFileValue.read(path: path) == .value(0))
        try "  42\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(TrackFileValue.read(path: path) == .value(42))
        // Only the first 127 bytes count.
        try (String(repeating: " ", count: 127) + "5").write(toFile: path, atomically: false, encoding: .utf8)
        #expect(TrackFileValue.read(path: path) == .value(0))
    }
}
