#if canImport(Glibc)
import Glibc
#endif

/// iproute2's names for routing tables, protocols, scopes, realms, DS fields and interface
/// groups: built-in defaults plus the host's /etc/iproute2 files (as keepalived reads them).
enum RouteNames {
    static let tables = load("rt_tables", builtin: ["unspec": 0, "default": 253, "main": 254, "local": 255])
    static let protocols = load("rt_protos", builtin: [
        "unspec": 0, "redirect": 1, "kernel": 2, "boot": 3, "static": 4, "gated": 8, "ra": 9, "mrt": 10,
        "zebra": 11, "bird": 12, "dnrouted": 13, "xorp": 14, "ntk": 15, "dhcp": 16, "keepalived": 18,
        "babel": 42, "openr": 99, "bgp": 186, "isis": 187, "ospf": 188, "rip": 189, "eigrp": 192,
    ])
    static let scopes = load("rt_scopes", builtin: ["global": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255])
    static let realms = load("rt_realms", builtin: ["cosmos": 0])
    static let dsfields = load("rt_dsfield", builtin: [
        "default": 0x00, "CS1": 0x20, "AF11": 0x28, "AF12": 0x30, "AF13": 0x38, "CS2": 0x40, "AF21": 0x48,
        "AF22": 0x50, "AF23": 0x58, "CS3": 0x60, "AF31": 0x68, "AF32": 0x70, "AF33": 0x78, "CS4": 0x80,
        "AF41": 0x88, "AF42": 0x90, "AF43": 0x98, "CS5": 0xA0, "EF": 0xB8, "CS6": 0xC0, "CS7": 0xE0,
    ])
    static let groups = load("group", builtin: ["default": 0])

    /// Route types (`ip route` TYPE) and their kernel numbers.
    static let routeTypes: [String: UInt8] = [
        "unicast": 1, "local": 2, "broadcast": 3, "anycast": 4, "multicast": 5, "blackhole": 6,
        "unreachable": 7, "prohibit": 8, "throw": 9, "nat": 10, "xresolve": 11,
    ]

    /// A number (decimal, 0x hex, 0 octal) up to `max`, or a name from `names`.
    static func value(_ text: String, in names: [String: UInt32], max: UInt32) -> UInt32? {
        if let number = GlobalDefs.parseCNumber(text) { return number <= UInt64(max) ? UInt32(number) : nil }
        if let first = text.utf8.first, first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") { return nil }
        return names[text]
    }

    /// `FROM/TO` or `TO` realms, each a number up to 65535 or a name from rt_realms.
    static func realms(_ text: String) -> UInt32? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        var result: UInt32 = 0
        for part in parts {
            guard let realm = value(String(part), in: realms, max: 0xFFFF) else { return nil }
            result = result << 16 | realm
        }
        return result
    }

    /// An IP protocol by number or by name (/etc/protocols, case as listed there).
    static func ipProtocol(_ text: String) -> UInt8? {
        if let number = GlobalDefs.parseCNumber(text) { return number <= 255 ? UInt8(number) : nil }
        if let entry = getprotobyname(text) { return UInt8(truncatingIfNeeded: entry.pointee.p_proto) }
        let builtin: [String: UInt8] = ["icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50,
                                        "ah": 51, "ipv6-icmp": 58, "sctp": 132, "udplite": 136]
        return builtin[text.lowercased()]
    }

    /// `NUMBER NAME` lines of /etc/iproute2/FILE and /etc/iproute2/FILE.d/*.conf over `builtin`.
    static func load(_ file: String, builtin: [String: UInt32]) -> [String: UInt32] {
        var names = builtin
        let source = FileSystemSource()
        var paths = ["/usr/share/iproute2/\(file)", "/etc/iproute2/\(file)"]
        paths += source.glob("/etc/iproute2/\(file).d/*.conf")
        for path in paths {
            guard let bytes = source.read(path) else { continue }
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard words.count >= 2, !words[0].hasPrefix("#"),
                      let number = GlobalDefs.parseCNumber(String(words[0])), number <= UInt64(UInt32.max) else { continue }
                names[String(words[1])] = UInt32(number)
            }
        }
        return names
    }
}
