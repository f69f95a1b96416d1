#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a `--metrics` address was refused.
public struct MetricsAddressError: Error, Equatable, CustomStringConvertible {
    /// The text as given.
    public let text: String
    /// What is wrong with it.
    public let reason: String

    public var description: String {
        "invalid metrics address '\(text)': \(reason) (expected HOST:PORT, [IPV6]:PORT or :PORT)"
    }
}

/// The `--metrics ADDR:PORT` syntax.
public enum MetricsAddress {
    /// The host that `:PORT` stands for: every address (IPv6 and, through mapped addresses, IPv4).
    public static let allAddresses = "::"

    /// Splits `127.0.0.1:9650`, `[::1]:9650`, `localhost:9650` or `:9650` (all addresses) into host
    /// and port. Port 0 asks the kernel for a free port.
    public static func parse(_ text: String) throws -> (host: String, port: Int) {
        let trimmed = text.trimmingWhitespace()
        func fail(_ reason: String) -> MetricsAddressError { MetricsAddressError(text: text, reason: reason) }
        guard !trimmed.isEmpty else { throw fail("it is empty") }

        let host: String
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { throw fail("'[' without ']'") }
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.hasPrefix(":") else { throw fail("missing ':PORT' after ']'") }
            portText = rest.dropFirst()
            guard isIPv6(host) else { throw fail("'\(host)' is not an IPv6 address") }
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else { throw fail("missing ':PORT'") }
            let hostText = trimmed[..<colon]
            guard !hostText.contains(":") else { throw fail("write an IPv6 address in brackets, as [::1]:9650") }
            portText = trimmed[trimmed.index(after: colon)...]
            if hostText.isEmpty {
                host = allAddresses
            } else if hostText.allSatisfy({ $0.isNumber || $0 == "." }) {
                guard isIPv4(String(hostText)) else { throw fail("'\(hostText)' is not an IPv4 address") }
                host = String(hostText)
            } else {
                guard isHostName(hostText) else { throw fail("'\(hostText)' is not a host name or address") }
                host = String(hostText)
            }
        }
        guard !portText.isEmpty else { throw fail("missing port number") }
        guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5,
            let port = Int(portText), port <= 65535
        else { throw fail("port '\(portText)' is not a number from 0 to 65535") }
        return (host, port)
    }

    /// `host:port`, with brackets around an IPv6 host.
    public static func describe(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    /// An IPv6 literal, optionally with a `%zone` (as `fe80::1%eth0`).
    private static func isIPv6(_ text: String) -> Bool {
        let parts = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, parts[1].isEmpty { return false }
        var address = in6_addr()
        return inet_pton(AF_INET6, String(parts[0]), &address) == 1
    }

    private static func isHostName(_ text: Substring) -> Bool {
        guard text.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
