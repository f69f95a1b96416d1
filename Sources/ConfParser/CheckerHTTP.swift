/// HTTP_GET and SSL_GET: the URLs to fetch and what a good answer looks like.
public struct HTTPCheck: Sendable, Equatable, Encodable {
    /// `http_protocol 1.0|1.0C|1.1` (1.0C is 1.0 with `Connection: close`).
    public enum ProtocolVersion: String, Sendable, Encodable {
        case http10 = "1.0", http10Close = "1.0C", http11 = "1.1"
    }

    @Sourced public var httpProtocol: ProtocolVersion = .http10
    @Sourced public var fastRecovery = false
    /// `enable_sni` (SSL_GET): send the virtual host as Server Name Indication.
    @Sourced public var enableSNI = false
    /// The checker's `virtualhost`; after completion the real server's or virtual server's when
    /// not set here.
    @Sourced public var virtualhost: String? = nil
    public var urls: [URLCheck] = []

    public init() {}
}

/// One `url { }` of an HTTP_GET/SSL_GET checker.
public struct URLCheck: Sendable, Equatable, Encodable {
    public var location: SourceLocation
    @Sourced public var path: String = ""
    /// The expected MD5 of the body, as 32 lower-case hex digits.
    @Sourced public var digest: String? = nil
    /// Accepted status codes; 200-299 after completion when none are given.
    @Sourced public var statusCodes: [ClosedRange<Int>] = []
    /// The Host header; after completion the checker's (or real/virtual server's) when not set.
    @Sourced public var virtualhost: String? = nil
    @Sourced public var regex: String? = nil
    @Sourced public var regexNoMatch = false
    @Sourced public var regexOptions: [String] = []
    @Sourced public var regexStack: RegexStack? = nil
    @Sourced public var regexMinOffset: Int? = nil
    @Sourced public var regexMaxOffset: Int? = nil

    public init(location: SourceLocation) {
        self.location = location
    }

    /// Whether `code` is an accepted status code.
    public func accepts(statusCode code: Int) -> Bool {
        statusCodes.contains { $0.contains(code) }
    }

    /// `status_code` words: `200`, `200-299`, each within 100-599.
    static func parseStatusCode(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let low = Int(parts[0]), let high = parts.count == 2 ? Int(parts[1]) : low,
              (100...599).contains(low), (100...599).contains(high), low <= high else { return nil }
        return low...high
    }
}

/// `regex_stack START MAX`: the PCRE2 JIT stack sizes in bytes.
public struct RegexStack: Sendable, Encodable, Hashable {
    public var start: Int
    public var max: Int
}

extension Checker {
    static let httpHandlers: Handlers = [
        "http_protocol": { draft, node, context in
            guard let text = node.arguments.first else {
                context.error("Missing http_protocol version", at: node)
                return
            }
            let version: HTTPCheck.ProtocolVersion
            switch text {
            case "1.0": version = .http10
            case "1.0C", "1.0c": version = .http10Close
            case "1.1": version = .http11
            default:
                context.error("Invalid http_protocol version \(text)", at: node)
                return
            }
            draft.http { $0.$httpProtocol.set(version, at: node.location) }
        },
        "fast_recovery": { draft, node, context in
            guard let value = context.bool(node) else { return }
            draft.http { $0.$fastRecovery.set(value, at: node.location) }
        },
        "enable_sni": { draft, node, context in
            guard let value = context.bool(node) else { return }
            draft.http { $0.$enableSNI.set(value, at: node.location) }
        },
        "virtualhost": { draft, node, context in
            guard let host = node.arguments.first else {
                context.error("HTTP_GET virtualhost name missing", at: node)
                return
            }
            draft.http { $0.$virtualhost.set(host, at: node.location) }
        },
        "nb_get_retry": { draft, node, context in
            context.warning("nb_get_retry is deprecated - please use 'retry'", at: node)
            guard let value = context.integer(node, in: LVSRanges.unsigned32) else { return }
            draft.checker.$retry.set(value, at: node.location)
        },
        "url": { draft, node, context in
            var url = URLCheck(location: node.location)
            urlTable.apply(context.block(node), to: &url, context: &context)
            guard !url.path.isEmpty else {
                context.error("HTTP/SSL_GET checker url has no path - ignoring", at: node)
                return
            }
            draft.http { $0.urls.append(url) }
        },
    ]

    static let urlTable = KeywordTable<URLCheck>([
        "path": { url, node, context in
            guard let path = context.argument(node, expecting: "path") else { return }
            url.$path.set(path, at: node.location)
        },
        "digest": { url, node, context in
            guard let text = context.argument(node, expecting: "MD5 digest") else { return }
            guard text.utf8.count == 32 else {
                context.error("digest '\(text)' character length should be 32 rather than \(text.utf8.count)", at: node)
                return
            }
            guard text.utf8.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 || UInt8(ascii: "a")...UInt8(ascii: "f") ~= $0
                                         || UInt8(ascii: "A")...UInt8(ascii: "F") ~= $0 }) else {
                context.error("digest '\(text)': invalid hex digit - expected 32 hex digits", at: node)
                return
            }
            url.$digest.set(text.lowercased(), at: node.location)
        },
        "status_code": { url, node, context in
            var codes = url.statusCodes
            for word in node.arguments {
                guard let range = URLCheck.parseStatusCode(word) else {
                    context.error("Invalid HTTP_GET status code '\(word)'", at: node)
                    continue
                }
                codes.append(range)
            }
            url.$statusCodes.set(codes, at: node.location)
        },
        "virtualhost": { url, node, context in
            guard let host = node.arguments.first else {
                context.error("Missing HTTP_GET virtualhost name", at: node)
                return
            }
            url.$virtualhost.set(host, at: node.location)
        },
        // keepalived reports bad regex settings only in its log, so they are notes here.
        "regex": { url, node, context in
            guard node.arguments.count == 1 else {
                context.note("regex missing or too many fields", at: node)
                return
            }
            url.$regex.set(node.arguments[0], at: node.location)
        },
        "regex_no_match": { url, node, _ in url.$regexNoMatch.set(true, at: node.location) },
        "regex_options": { url, node, _ in url.$regexOptions.set(node.arguments, at: node.location) },
        "regex_stack": { url, node, context in
            guard node.arguments.count == 2, let start = Int(node.arguments[0]), let max = Int(node.arguments[1]),
                  start >= 0, start <= max else {
                context.note("regex_stack requires start and max values, start not above max", at: node)
                return
            }
            url.$regexStack.set(RegexStack(start: start, max: max), at: node.location)
        },
        "regex_min_offset": { url, node, context in
            guard node.arguments.count == 1, let value = Int(node.arguments[0]), value >= 0 else {
                context.note("Invalid regex_min_offset \(context.rest(node))", at: node)
                return
            }
            url.$regexMinOffset.set(value, at: node.location)
        },
        "regex_max_offset": { url, node, context in
            guard node.arguments.count == 1, let value = Int(node.arguments[0]), value >= 0 else {
                context.note("Invalid regex_max_offset \(context.rest(node))", at: node)
                return
            }
            url.$regexMaxOffset.set(value, at: node.location)
        },
    ])
}
