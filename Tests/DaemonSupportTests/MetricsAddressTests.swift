import Testing
@testable import DaemonSupport

@Suite struct MetricsAddressTests {
    @Test(arguments: [
        ("127.0.0.1:9650", "127.0.0.1", 9650),
        ("[::1]:9650", "::1", 9650),
        (":9650", "::", 9650),
        ("0.0.0.0:0", "0.0.0.0", 0),
        ("localhost:65535", "localhost", 65535),
        (" 10.1.2.3:80 ", "10.1.2.3", 80),
        ("[fe80::1%eth0]:9100", "fe80::1%eth0", 9100),
    ])
    func parsesValidAddresses(text: String, host: String, port: Int) throws {
        let parsed = try MetricsAddress.parse(text)
        #expect(parsed.host == host)
        #expect(parsed.port == port)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("9650", "missing ':PORT'"),
        ("127.0.0.1", "missing ':PORT'"),
        ("127.0.0.1:", "missing port number"),
        ("127.0.0.1:65536", "port '65536' is not a number from 0 to 65535"),
        ("127.0.0.1:-1", "port '-1' is not a number from 0 to 65535"),
        ("127.0.0.1:http", "port 'http' is not a number from 0 to 65535"),
        ("::1:9650", "write an IPv6 address in brackets, as [::1]:9650"),
        ("[::1:9650", "'[' without ']'"),
        ("[::1]9650", "missing ':PORT' after ']'"),
        ("[127.0.0.1]:9650", "'127.0.0.1' is not an IPv6 address"),
        ("300.1.1.1:9650", "'300.1.1.1' is not an IPv4 address"),
        ("bad_host:9650", "'bad_host' is not a host name or address"),
    ])
    func refusesBadAddresses(text: String, reason: String) {
        let error = #expect(throws: MetricsAddressError.self) { try MetricsAddress.parse(text) }
        #expect(error?.reason == reason)
        #expect(error?.description.contains("'\(text)'") == true)
    }

    @Test func describesHostsWithBracketsForIPv6() {
        #expect(MetricsAddress.describe(host: "::1", port: 9650) == "[::1]:9650")
        #expect(MetricsAddress.describe(host: "127.0.0.1", port: 0) == "127.0.0.1:0")
    }
}
