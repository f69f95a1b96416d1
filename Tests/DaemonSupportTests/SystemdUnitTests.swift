import Foundation
import Testing

/// A systemd unit file as sections of keys with their values in order (keys may repeat).
struct UnitFile {
    var sections: [String: [String: [String]]] = [:]

    init(text: String) throws {
        var current: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast())
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else {
                throw UnitError(line: String(raw))
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section, default: [:]][key, default: []].append(value)
        }
    }

    /// The one value of `key`, or nil when it is missing or repeated.
    func single(_ section: String, _ key: String) -> String? {
        guard let values = sections[section]?[key], values.count == 1 else { return nil }
        return values[0]
    }

    /// Every whitespace-separated word of every value of `key`.
    func words(_ section: String, _ key: String) -> Set<String> {
        Set((sections[section]?[key] ?? []).flatMap { $0.split(separator: " ").map(String.init) })
    }

    struct UnitError: Error { let line: String }
}

@Suite struct SystemdUnitTests {
    static let unitURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("systemd/keepalivedd.service")

    func unit() throws -> UnitFile {
        try UnitFile(text: String(contentsOf: Self.unitURL, encoding: .utf8))
    }

    @Test func unitSection() throws {
        let unit = try unit()
        #expect(unit.single("Unit", "Description") == "LVS and VRRP High Availability Monitor (keepalivedd)")
        #expect(unit.words("Unit", "After").isSuperset(of: ["network-online.target", "syslog.target"]))
        #expect(unit.words("Unit", "Wants").contains("network-online.target"))
    }

    @Test func serviceSection() throws {
        let unit = try unit()
        #expect(unit.single("Service", "Type") == "notify")
        #expect(unit.single("Service", "NotifyAccess") == "main")
        #expect(unit.single("Service", "PIDFile") == "/run/keepalived.pid")
        #expect(unit.single("Service", "KillMode") == "process")
        #expect(unit.single("Service", "EnvironmentFile") == "-/etc/default/keepalived")
        #expect(unit.single("Service", "ExecReload") == "/bin/kill -HUP $MAINPID")
        let exec = try #require(unit.single("Service", "ExecStart")).split(separator: " ").map(String.init)
        #expect(exec.first == "/usr/local/sbin/keepalivedd")
        #expect(exec.dropFirst().first == "--dont-fork")
        #expect(exec.contains("$DAEMON_ARGS"))
    }

    @Test func watchdogIsDocumentedButOff() throws {
        let text = try String(contentsOf: Self.unitURL, encoding: .utf8)
        let unit = try UnitFile(text: text)
        #expect(unit.sections["Service"]?["WatchdogSec"] == nil)
        #expect(text.split(separator: "\n").contains("#WatchdogSec=10s"))
    }

    @Test func installSection() throws {
        #expect(try unit().words("Install", "WantedBy") == ["multi-user.target"])
    }

    @Test func parserRejectsStrayLines() {
        #expect(throws: UnitFile.UnitError.self) { try UnitFile(text: "Type=notify\n") }
        #expect(throws: UnitFile.UnitError.self) { try UnitFile(text: "[Service]\nnot a setting\n") }
    }
}
