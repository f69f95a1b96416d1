import Foundation

/// Writes compact JSON with fields in the order given (keepalived's dumps are read by tools that
/// expect its field order; `JSONEncoder` cannot keep one).
struct OrderedJSONWriter {
    private(set) var text = ""
    private var needsComma = [false]

    mutating func beginObject(_ name: String? = nil) { open(name, "{") }
    mutating func endObject() { close("}") }
    mutating func beginArray(_ name: String? = nil) { open(name, "[") }
    mutating func endArray() { close("]") }

    mutating func field(_ name: String, _ value: String) { raw(name, Self.quoted(value)) }
    mutating func field(_ name: String, _ value: Int) { raw(name, String(value)) }
    mutating func field(_ name: String, _ value: Bool) { raw(name, value ? "true" : "false") }
    /// A boolean written as 0 / 1 (keepalived's unsigned flag fields).
    mutating func flag(_ name: String, _ value: Bool) { raw(name, value ? "1" : "0") }
    /// A number in C's `%g`.
    mutating func number(_ name: String, _ value: Double) { raw(name, String(format: "%g", value)) }
    /// A number in C's `%f`.
    mutating func fixed(_ name: String, _ value: Double) { raw(name, String(format: "%f", value)) }

    /// A string element of the current array.
    mutating func element(_ value: String) { raw(nil, Self.quoted(value)) }

    /// A named array of strings, left out when empty (as keepalived does).
    mutating func strings(_ name: String, _ values: [String]) {
        guard !values.isEmpty else { return }
        beginArray(name)
        for value in values { element(value) }
        endArray()
    }

    private mutating func raw(_ name: String?, _ value: String) {
        separate()
        if let name { text += Self.quoted(name) + ":" }
        text += value
    }

    private mutating func open(_ name: String?, _ bracket: String) {
        raw(name, bracket)
        needsComma.append(false)
    }

    private mutating func close(_ bracket: String) {
        needsComma.removeLast()
        text += bracket
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
