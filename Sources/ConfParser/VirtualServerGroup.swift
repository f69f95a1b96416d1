/// `virtual_server_group NAME { ... }`: addresses, address ranges and firewall marks that share
/// one virtual_server definition.
public struct VirtualServerGroup: Sendable, Encodable {
    public var name: String
    public var location: SourceLocation
    public var entries: [VirtualServerGroupEntry] = []

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    /// The address entries (ranges and single addresses), in configuration order.
    public var addressRanges: [(range: VSGAddressRange, port: UInt16)] {
        entries.compactMap { entry in
            if case .addresses(let range, let port) = entry.kind { return (range, port) }
            return nil
        }
    }

    /// The firewall-mark entries, in configuration order.
    public var fwmarks: [(mark: UInt32, family: AddressFamily?)] {
        entries.compactMap { entry in
            if case .fwmark(let mark, let family) = entry.kind { return (mark, family) }
            return nil
        }
    }

    /// Every concrete (address, port) the group's address entries stand for, ranges expanded,
    /// in configuration order.
    public func expandedEndpoints() -> [ServiceEndpoint] {
        var result: [ServiceEndpoint] = []
        for (range, port) in addressRanges {
            range.forEachAddress { result.append(ServiceEndpoint(address: $0, port: port)) }
        }
        return result
    }

    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {
        guard let name = context.argument(node, 0, expecting: "group name") else { return }
        var group = VirtualServerGroup(name: name, location: node.location)
        for child in context.block(node) {
            if let entry = VirtualServerGroupEntry.parse(child, group: name, context: &context) {
                group.entries.append(entry)
            }
        }
        guard !group.entries.isEmpty else {
            context.error("virtual server group \(name) has no entries - removing", at: node)
            return
        }
        let v4 = group.addressRanges.contains { !$0.range.start.isIPv6 }
        let v6 = group.addressRanges.contains { $0.range.start.isIPv6 }
        if v4 && v6 && group.fwmarks.contains(where: { $0.family == nil }) {
            context.error("virtual server group \(name) cannot have IPv4, IPv6 and fwmark without family - removing", at: node)
            return
        }
        config.virtualServerGroups.append(group)
    }
}

/// One address and port, e.g. an expanded virtual_server_group entry.
public struct ServiceEndpoint: Sendable, Encodable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String { "[\(address)]:\(port)" }
}

/// One line of a virtual_server_group.
public struct VirtualServerGroupEntry: Sendable, Encodable {
    public enum Kind: Sendable, Hashable {
        /// `VIP [PORT]`, `VIP-END [PORT]`, `VIP-VIP2 [PORT]`, `NET/LEN [PORT]`; port 0 when not given.
        case addresses(VSGAddressRange, port: UInt16)
        /// `fwmark N [inet|inet6]`.
        case fwmark(UInt32, family: AddressFamily?)
    }

    public var kind: Kind
    public var location: SourceLocation

    enum CodingKeys: String, CodingKey { case range, port, fwmark, family, location }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch kind {
        case .addresses(let range, let port):
            try container.encode(range, forKey: .range)
            try container.encode(port, forKey: .port)
        case .fwmark(let mark, let family):
            try container.encode(mark, forKey: .fwmark)
            try container.encodeIfPresent(family, forKey: .family)
        }
        try container.encode(location, forKey: .location)
    }

    static func parse(_ node: ConfNode, group: String, context: inout BuildContext) -> VirtualServerGroupEntry? {
        if node.keyword == "fwmark" {
            guard let text = context.argument(node, 0, expecting: "fwmark") else { return nil }
            guard let mark = BuildContext.parseInteger(text), (0...Int(UInt32.max)).contains(mark) else {
                context.error("(\(group)): fwmark '\(text)' must be in [0, \(UInt32.max)] - ignoring", at: node)
                return nil
            }
            var family: AddressFamily?
            if node.arguments.count > 1 {
                guard let parsed = AddressFamily(rawValue: node.arguments[1]) else {
                    context.error("(\(group)): fwmark '\(mark)' family \(node.arguments[1]) unknown - ignoring", at: node)
                    return nil
                }
                family = parsed
            }
            return VirtualServerGroupEntry(kind: .fwmark(UInt32(mark), family: family), location: node.location)
        }
        var port: UInt16 = 0
        if let text = node.arguments.first {
            guard let value = context.port(text, at: node) else { return nil }
            port = value
        }
        guard let range = VSGAddressRange.parse(node.keyword, at: node, context: &context) else { return nil }
        return VirtualServerGroupEntry(kind: .addresses(range, port: port), location: node.location)
    }
}

/// A contiguous run of addresses from a virtual_server_group: a single address, `A-END`,
/// `A-B`, or `NET/LEN` (all addresses of the block, both ends included).
public struct VSGAddressRange: Sendable, Encodable, Hashable, CustomStringConvertible {
    public var start: IPAddress
    public var end: IPAddress
    /// The prefix length when written as `NET/LEN`.
    public var prefixLength: Int?

    public init(start: IPAddress, end: IPAddress, prefixLength: Int? = nil) {
        self.start = start
        self.end = end
        self.prefixLength = prefixLength
    }

    /// How many addresses the range holds (saturating at UInt64.max for huge IPv6 ranges).
    public var count: UInt64 {
        switch (start, end) {
        case (.v4(let a), .v4(let b)):
            return UInt64(b - a) + 1
        case (.v6(let ah, let al), .v6(let bh, let bl)):
            let (low, borrow) = bl.subtractingReportingOverflow(al)
            let high = bh - ah - (borrow ? 1 : 0)
            guard high == 0, low < UInt64.max else { return UInt64.max }
            return low + 1
        default:
            return 0
        }
    }

    /// Calls `body` for every address from `start` to `end`.
    public func forEachAddress(_ body: (IPAddress) -> Void) {
        var current = start
        while true {
            body(current)
            guard current < end, let next = current.advanced(by: 1) else { return }
            current = next
        }
    }

    public var description: String {
        if let prefixLength { return "\(start)/\(prefixLength)" }
        return start == end ? start.description : "\(start)-\(end)"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func parse(_ text: String, at node: ConfNode, context: inout BuildContext) -> VSGAddressRange? {
        if let slash = text.firstIndex(of: "/") {
            guard let start = IPAddress(text[..<slash]) else {
                context.error("Invalid virtual server group IP address '\(text)' - skipping", at: node)
                return nil
            }
            guard let length = Int(text[text.index(after: slash)...]), length >= 0, length <= start.bitWidth else {
                context.error("Invalid netmask - \(text) - skipping", at: node)
                return nil
            }
            let end = start.settingHostBits(prefixLength: length)
            guard start.clearingHostBits(prefixLength: length) == start else {
                context.error("Address mask bits not empty - \(text) - skipping", at: node)
                return nil
            }
            return VSGAddressRange(start: start, end: end, prefixLength: length)
        }
        guard let dash = text.firstIndex(of: "-") else {
            guard let address = IPAddress.fromConfig(text) else {
                context.error("Invalid virtual server group IP address '\(text)' - skipping", at: node)
                return nil
            }
            return VSGAddressRange(start: address, end: address)
        }
        let endText = text[text.index(after: dash)...]
        guard let start = IPAddress(text[..<dash]) else {
            context.error("Invalid virtual server group IP address '\(text)' - skipping", at: node)
            return nil
        }
        let fullEnd = endText.contains(".") || endText.contains(":")
        let end: IPAddress
        if fullEnd {
            guard let parsed = IPAddress(endText), parsed.isIPv6 == start.isIPv6 else {
                context.error("Invalid virtual server group IP address '\(text)' - skipping", at: node)
                return nil
            }
            guard parsed >= start else {
                context.error("Address range end is less than address range start - \(text) - skipping", at: node)
                return nil
            }
            end = parsed
        } else {
            let limit: UInt64 = start.isIPv6 ? 0xffff : 0xff
            guard !endText.isEmpty, let value = UInt64(endText, radix: start.isIPv6 ? 16 : 10) else {
                context.error("Invalid range end \(endText) - skipping", at: node)
                return nil
            }
            guard value <= limit else {
                context.error("Virtual server group range '\(text)' end '\(endText)' too large", at: node)
                return nil
            }
            end = start.replacingLastGroup(with: value)
        }
        guard end > start else {
            context.error("Address range end is not greater than address range start - \(text) - skipping", at: node)
            return nil
        }
        return VSGAddressRange(start: start, end: end)
    }
}

extension IPAddress {
    /// The address with its last octet (IPv4) or last 16-bit group (IPv6) replaced.
    func replacingLastGroup(with value: UInt64) -> IPAddress {
        switch self {
        case .v4(let address): return .v4(address & ~0xff | UInt32(value))
        case .v6(let high, let low): return .v6(high, low & ~0xffff | value)
        }
    }

    /// The address with the bits after `prefixLength` cleared (the network address).
    func clearingHostBits(prefixLength: Int) -> IPAddress {
        switch self {
        case .v4(let address):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~0 << UInt32(32 - prefixLength)
            return .v4(address & mask)
        case .v6(let high, let low):
            let (highMask, lowMask) = Self.v6Masks(prefixLength)
            return .v6(high & highMask, low & lowMask)
        }
    }

    /// The address with the bits after `prefixLength` set (the last address of the block).
    func settingHostBits(prefixLength: Int) -> IPAddress {
        switch self {
        case .v4(let address):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~0 << UInt32(32 - prefixLength)
            return .v4(address | ~mask)
        case .v6(let high, let low):
            let (highMask, lowMask) = Self.v6Masks(prefixLength)
            return .v6(high | ~highMask, low | ~lowMask)
        }
    }

    private static func v6Masks(_ length: Int) -> (UInt64, UInt64) {
        let high: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : ~0 << UInt64(64 - length))
        let low: UInt64 = length <= 64 ? 0 : (length == 128 ? .max : ~0 << UInt64(128 - length))
        return (high, low)
    }
}
