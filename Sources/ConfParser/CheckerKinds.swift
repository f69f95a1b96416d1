/// The options of MISC_CHECK, SMTP_CHECK, DNS_CHECK, UDP_CHECK, FILE_CHECK and BFD_CHECK.

/// MISC_CHECK: run a program; its exit status is the result.
public struct MiscCheck: Sendable, Equatable, Encodable {
    /// `misc_path` with the `user USER [GROUP]` to run it as.
    @Sourced public var script: LVSScript? = nil
    /// `misc_timeout` in seconds; the checker's delay_loop after completion when not set (or 0).
    @Sourced public var timeout: Double = 0
    /// `misc_dynamic`: exit status 2-255 sets the weight.
    @Sourced public var dynamic = false

    public init() {}
}

/// SMTP_CHECK: expect 220, HELO, 250, QUIT, 221.
public struct SMTPCheck: Sendable, Equatable, Encodable {
    public static let defaultHeloName = "smtpchecker.keepalived.org"
    @Sourced public var heloName: String = SMTPCheck.defaultHeloName

    public init() {}
}

/// DNS_CHECK: a query over UDP that must be answered.
public struct DNSCheck: Sendable, Equatable, Encodable {
    /// The query types keepalived knows; `code` is the DNS RR type.
    public enum QueryType: String, Sendable, Encodable, CaseIterable {
        case a = "A", ns = "NS", cname = "CNAME", soa = "SOA", mx = "MX", txt = "TXT", aaaa = "AAAA", dnskey = "DNSKEY"

        public var code: UInt16 {
            switch self {
            case .a: return 1
            case .ns: return 2
            case .cname: return 5
            case .soa: return 6
            case .mx: return 15
            case .txt: return 16
            case .aaaa: return 28
            case .dnskey: return 48
            }
        }
    }

    @Sourced public var type: QueryType = .soa
    @Sourced public var name: String = "."

    public init() {}

    /// keepalived 2.2.7's name check: no empty label, and (a quirk of that version, kept for the
    /// same verdict) a first label of one character followed by a dot counts as empty.
    static func isValidName(_ name: String) -> Bool {
        if name == "." { return true }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let significant = name.hasSuffix(".") ? labels.dropLast() : labels[...]
        if significant.contains(where: \.isEmpty) { return false }
        if labels.count > 1, let first = labels.first, first.count == 1 { return false }
        return true
    }
}

/// UDP_CHECK: send a datagram, optionally require and check a reply.
public struct UDPCheck: Sendable, Equatable, Encodable {
    /// `payload HEX`; a random payload is sent when nil.
    @Sourced public var payload: [UInt8]? = nil
    @Sourced public var requireReply = false
    /// `require_reply HEX`: the expected start of the reply, with `replyMask` (0x0f/0xf0/0x00
    /// where `X` digits are not compared).
    @Sourced public var replyData: [UInt8]? = nil
    public var replyMask: [UInt8]? = nil
    @Sourced public var minReplyLength: Int = 0
    @Sourced public var maxReplyLength: Int = 255

    public init() {}

    /// keepalived's free-format hex: words of hex digits, read two digits per byte from the left
    /// of each word (a lone last digit is a byte of its own). With `allowMask`, `X`/`x` is a digit
    /// not compared. Returns the bytes and the mask; nil when a character is not a hex digit.
    static func parseHex(_ words: [String], allowMask: Bool) -> (bytes: [UInt8], mask: [UInt8])? {
        var bytes: [UInt8] = []
        var mask: [UInt8] = []
        for word in words {
            var high: (UInt8, UInt8)?
            for char in word.utf8 {
                let nibble: (UInt8, UInt8)
                switch char {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = (char - UInt8(ascii: "0"), 0xf)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = (char - UInt8(ascii: "a") + 10, 0xf)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = (char - UInt8(ascii: "A") + 10, 0xf)
                case UInt8(ascii: "x"), UInt8(ascii: "X"):
                    guard allowMask else { return nil }
                    nibble = (0, 0)
                default: return nil
                }
                if let first = high {
                    bytes.append(first.0 << 4 | nibble.0)
                    mask.append(first.1 << 4 | nibble.1)
                    high = nil
                } else {
                    high = nibble
                }
            }
            if let last = high {
                bytes.append(last.0)
                mask.append(last.1)
            }
        }
        return (bytes, mask)
    }
}

/// FILE_CHECK: the weight of the real server follows a number read from a track_file.
public struct FileCheck: Sendable, Equatable, Encodable {
    /// The name of a `track_file` block.
    @Sourced public var trackFile: String = ""
    /// `weight N [reverse|noreverse]`: the multiplier applied to the file's value; without it, the
    /// track_file's weight and reverse. With weight 0 a non-zero value (with reverse: zero) is a
    /// failure.
    @Sourced public var weight: Int = 1
    @Sourced public var reverse = false

    public init() {}
}

/// BFD_CHECK: follows the state of a `bfd_instance`.
public struct BFDCheck: Sendable, Equatable, Encodable {
    @Sourced public var name: String = ""

    public init() {}
}

extension Checker {
    static let miscHandlers: Handlers = [
        "misc_path": { draft, node, context in
            guard let command = context.argument(node, expecting: "script path") else { return }
            let line = node.arguments.count > 1 ? context.rest(node) : command
            context.script(line, at: node, for: "MISC_CHECK")
            draft.misc { misc in
                let old = misc.script
                misc.$script.set(LVSScript(command: line, user: old?.user, group: old?.group, location: node.location), at: node.location)
            }
        },
        "misc_timeout": { draft, node, context in
            guard let value = context.integer(node, in: LVSRanges.unsigned32) else { return }
            draft.misc { $0.$timeout.set(Double(value), at: node.location) }
        },
        "misc_dynamic": { draft, node, context in
            guard let value = context.bool(node) else { return }
            draft.misc { $0.$dynamic.set(value, at: node.location) }
        },
        "user": { draft, node, context in
            guard let user = node.arguments.first else {
                context.error("No user specified for misc checker script '\(draft.checker.misc?.script?.command ?? "")'", at: node)
                return
            }
            let group = node.arguments.count > 1 ? node.arguments[1] : nil
            draft.misc { misc in
                var script = misc.script ?? LVSScript(command: "", location: node.location)
                script.user = user
                script.group = group
                misc.script = script
            }
        },
    ]

    static let smtpHandlers: Handlers = [
        "helo_name": { draft, node, context in
            guard let name = node.arguments.first else {
                context.error("SMTP_CHECK helo name missing", at: node)
                return
            }
            draft.smtp { $0.$heloName.set(name, at: node.location) }
        },
        "host": { draft, node, context in
            _ = context.block(node)
            if node.children != nil { draft.smtpHosts.append(node) }
        },
    ]

    static let dnsHandlers: Handlers = [
        "type": { draft, node, context in
            guard let text = context.argument(node, expecting: "query type") else { return }
            guard let type = DNSCheck.QueryType(rawValue: text.uppercased()) else {
                context.error("Unknown DNS check type \(text) - ignoring", at: node)
                return
            }
            draft.dns { $0.$type.set(type, at: node.location) }
        },
        "name": { draft, node, context in
            guard let name = context.argument(node, expecting: "domain name") else { return }
            if draft.checker.dns?.$name.location != nil {
                context.error("DNS_CHECK name already specified - ignoring", at: node)
                return
            }
            guard DNSCheck.isValidName(name) else {
                context.error("DNS_CHECK name '\(name)' has empty label - ignoring", at: node)
                return
            }
            draft.dns { $0.$name.set(name, at: node.location) }
        },
    ]

    static let udpHandlers: Handlers = [
        "payload": { draft, node, context in
            guard !node.arguments.isEmpty else {
                context.error("UDP_CHECK payload requires a payload", at: node)
                return
            }
            guard let (bytes, _) = UDPCheck.parseHex(node.arguments, allowMask: false) else {
                context.error("Invalid hex string for UDP_CHECK payload", at: node)
                return
            }
            draft.udp { $0.$payload.set(bytes, at: node.location) }
        },
        "require_reply": { draft, node, context in
            var data: (bytes: [UInt8], mask: [UInt8])?
            if !node.arguments.isEmpty {
                guard let parsed = UDPCheck.parseHex(node.arguments, allowMask: true) else {
                    context.error("Invalid hex string for UDP_CHECK reply", at: node)
                    return
                }
                data = parsed
            }
            draft.udp { udp in
                udp.$requireReply.set(true, at: node.location)
                udp.$replyData.set(data?.bytes, at: node.location)
                udp.replyMask = data?.mask
            }
        },
        "min_reply_length": { draft, node, context in
            guard let value = context.integer(node, in: 0...65535) else { return }
            draft.udp { $0.$minReplyLength.set(value, at: node.location) }
        },
        "max_reply_length": { draft, node, context in
            guard let value = context.integer(node, in: 0...65535) else { return }
            draft.udp { $0.$maxReplyLength.set(value, at: node.location) }
        },
    ]

    static let fileHandlers: Handlers = [
        "track_file": { draft, node, context in
            guard let name = context.argument(node, expecting: "track_file name") else { return }
            guard draft.references.trackFiles.contains(name) else {
                context.error("track_file \(name) not found", at: node)
                return
            }
            draft.file { $0.$trackFile.set(name, at: node.location) }
        },
        "weight": { draft, node, context in
            guard let text = node.arguments.first else {
                context.error("track file weight missing", at: node)
                return
            }
            guard let weight = BuildContext.parseInteger(text), (-Int(Int32.max)...Int(Int32.max)).contains(weight) else {
                context.error("weight for track file must be in [\(-Int(Int32.max))..\(Int32.max)] inclusive. Ignoring...", at: node)
                return
            }
            var reverse = false
            if node.arguments.count > 1 {
                switch node.arguments[1] {
                case "reverse": reverse = true
                case "noreverse": reverse = false
                default:
                    context.error("unknown track file weight option \(node.arguments[1]) - ignoring", at: node)
                    return
                }
            }
            draft.file { file in
                file.$weight.set(weight, at: node.location)
                file.$reverse.set(reverse, at: node.location)
            }
        },
    ]

    static let bfdHandlers: Handlers = [
        "name": { draft, node, context in
            guard node.arguments.count == 1 else {
                context.error("(\(draft.label)) BFD_CHECK - No or too many names specified - skipping checker", at: node)
                return
            }
            let name = node.arguments[0]
            guard draft.references.bfdInstances.contains(name) else {
                context.error("(\(draft.label)) BFD_CHECK - BFD \(name) not configured", at: node)
                return
            }
            draft.bfd { $0.$name.set(name, at: node.location) }
        },
    ]
}
