/// One address of `virtual_ipaddress`, `virtual_ipaddress_excluded` or `static_ipaddress`:
/// `<IPADDR>[/<MASK>] [brd <IPADDR>|+|-] [dev <STRING>] [scope <SCOPE>] [label <LABEL>]
/// [peer <IPADDR>] [home] [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track]
/// [use_vmac] [track_group GROUP] [preferred_lft nn|forever]` (the options of `ip address add`).
public struct VirtualAddress: Sendable, Encodable, Equatable {
    public var location: SourceLocation
    /// The address as written (keepalived names it this way in messages).
    public var text: String
    public var address: IPAddress
    /// Prefix length; 32 / 128 when not given.
    public var prefixLength: Int
    public var broadcast: Broadcast?
    /// `dev`: the interface; nil means the VRRP instance's interface (or the default one).
    public var device: String?
    public var scope: AddressScope?
    public var label: String?
    public var peer: IPAddress?
    public var home = false
    public var noDAD = false
    public var manageTemporaryAddress = false
    public var noPrefixRoute = false
    public var autojoin = false
    /// `no_track`: the instance does not leave MASTER when this address is deleted.
    public var noTrack = false
    /// `use_vmac` (VRRP addresses only): configure the address on a VMAC of its interface.
    public var useVMAC = false
    /// `track_group` (static addresses only).
    public var trackGroup: String?
    public var preferredLifetime: PreferredLifetime?

    public init(location: SourceLocation, text: String, address: IPAddress, prefixLength: Int) {
        self.location = location
        self.text = text
        self.address = address
        self.prefixLength = prefixLength
    }

    /// `brd`/`broadcast`: an address, or `+` / `-` to set / clear the host bits (as `ip`).
    public enum Broadcast: Sendable, Encodable, Equatable {
        case address(IPAddress)
        case allOnes
        case allZeros

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .address(let address): try container.encode(address.description)
            case .allOnes: try container.encode("+")
            case .allZeros: try container.encode("-")
            }
        }
    }

    /// `preferred_lft`: seconds, or `forever`.
    public enum PreferredLifetime: Sendable, Encodable, Equatable {
        case seconds(UInt32)
        case forever

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .seconds(let value): try container.encode(value)
            case .forever: try container.encode("forever")
            }
        }
    }

    /// Which block an address line belongs to: the grammar differs slightly.
    public enum Kind: Sendable {
        /// virtual_ipaddress / virtual_ipaddress_excluded: `use_vmac` allowed, `track_group` not.
        case vrrp
        /// static_ipaddress: `track_group` allowed, `use_vmac` not.
        case `static`
    }

    /// One address line of static_ipaddress (the `static` grammar).
    static func parseLine(_ node: ConfNode, context: inout BuildContext) -> VirtualAddress? {
        parseLine(node, kind: .static, context: &context)
    }

    /// One address line: the node's keyword is the address, its arguments the options.
    /// Returns nil (after reporting) when keepalived would skip the address.
    static func parseLine(_ node: ConfNode, kind: Kind, context: inout BuildContext) -> VirtualAddress? {
        let text = node.keyword
        if node.children != nil {
            context.error("Unexpected block after ip address \(text) - skipping IP", at: node)
            return nil
        }
        guard var vip = address(text, at: node, context: &context) else { return nil }
        var index = 0
        let arguments = node.arguments
        /// The parameter after an option, or a report naming the option.
        func parameter(_ option: String, _ context: inout BuildContext) -> String? {
            guard index + 1 < arguments.count else {
                context.error("No \(option) parameter specified for \(text)", at: node)
                return nil
            }
            index += 1
            return arguments[index]
        }
        while index < arguments.count {
            let option = arguments[index]
            switch option {
            case "dev":
                if let device = parameter(option, &context) {
                    vip.device = device
                    context.interface(device, at: node, for: "ip address \(text)")
                }
            case "brd", "broadcast":
                guard let value = parameter("brd", &context) else { break }
                if vip.address.isIPv6 {
                    context.error("VRRP is trying to assign a broadcast \(value) to the IPv6 address \(vip.address) !!?? WTF... skipping VIP...", at: node)
                    return nil
                }
                switch value {
                case "+": vip.broadcast = .allOnes
                case "-": vip.broadcast = .allZeros
                default:
                    guard let broadcast = IPAddress(value), !broadcast.isIPv6 else {
                        context.error("VRRP is trying to assign invalid broadcast \(value). skipping VIP...", at: node)
                        return nil
                    }
                    vip.broadcast = .address(broadcast)
                }
            case "scope":
                guard let value = parameter(option, &context) else { break }
                if let scope = AddressScope(value) {
                    vip.scope = scope
                } else {
                    context.error("Invalid scope '\(value)' specified for \(text) - ignoring", at: node)
                }
            case "label":
                guard let label = parameter(option, &context) else { break }
                guard label.utf8.count <= 15 else {
                    context.error("Address label \(label) is longer than maximum length 15 - removing address", at: node)
                    return nil
                }
                vip.label = label
            case "peer":
                guard let value = parameter(option, &context) else { break }
                guard let peer = IPAddress(value), peer.isIPv6 == vip.address.isIPv6 else {
                    context.error("Invalid peer address \(value) - skipping IP", at: node)
                    return nil
                }
                vip.peer = peer
            case "preferred_lft":
                guard let value = parameter(option, &context) else { break }
                if value == "forever" {
                    vip.preferredLifetime = .forever
                } else if let seconds = UInt32(value) {
                    vip.preferredLifetime = .seconds(seconds)
                } else {
                    context.error("preferred_lft \(value) is invalid", at: node)
                }
            case "home": vip.home = true
            case "-nodad": vip.noDAD = true
            case "mngtmpaddr": vip.manageTemporaryAddress = true
            case "noprefixroute": vip.noPrefixRoute = true
            case "autojoin": vip.autojoin = true
            case "no_track": vip.noTrack = true
            case "use_vmac" where kind == .vrrp:
                vip.useVMAC = true
            case "track_group" where kind == .static:
                if let group = parameter(option, &context) { vip.trackGroup = group }
            default:
                context.error("Unknown configuration entry '\(option)' for ip address - ignoring", at: node)
            }
            index += 1
        }
        return vip
    }

    /// `ADDR[/LEN]`: a bad address skips the line, a bad length falls back to the full length.
    private static func address(_ text: String, at node: ConfNode, context: inout BuildContext) -> VirtualAddress? {
        let addressText: Substring
        var lengthText: Substring?
        if let slash = text.firstIndex(of: "/") {
            addressText = text[..<slash]
            lengthText = text[text.index(after: slash)...]
        } else {
            addressText = text[...]
        }
        guard let address = IPAddress(addressText) else {
            context.error("VRRP parsed invalid IP \(text). skipping IP...", at: node)
            return nil
        }
        var length = address.bitWidth
        if let lengthText {
            if let value = Int(lengthText), (0...address.bitWidth).contains(value) {
                length = value
            } else {
                context.error("Invalid address prefix len \(lengthText) for address \(text) - using \(address.bitWidth)", at: node)
            }
        }
        return VirtualAddress(location: node.location, text: text, address: address, prefixLength: length)
    }
}

/// An address scope: `global`(0), `site`(200), `link`(253), `host`(254), `nowhere`(255) or a
/// number 0...255.
public struct AddressScope: Sendable, Encodable, Equatable, CustomStringConvertible {
    public var value: UInt8

    static let names: [(String, UInt8)] = [("global", 0), ("site", 200), ("link", 253), ("host", 254), ("nowhere", 255)]

    public init(value: UInt8) { self.value = value }

    public init?(_ text: String) {
        if let named = Self.names.first(where: { $0.0 == text }) {
            value = named.1
        } else if let number = UInt8(text) {
            value = number
        } else {
            return nil
        }
    }

    public var description: String { Self.names.first { $0.1 == value }?.0 ?? String(value) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
