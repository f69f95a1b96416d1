import ConfParser
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import HealthCheck

/// Which probe each checker gets, and when NIO is asked for.
@Suite("Probe factory")
struct ProbeFactoryTests {
    /// Counts how often the factory asked for an event loop group.
    final class GroupRequests: Sendable {
        let count = Atomic<Int>(0)

        func group() -> any EventLoopGroup {
            count.add(1, ordering: .relaxed)
            return MultiThreadedEventLoopGroup.singleton
        }
    }

    func make(_ checkerBlock: String, requests: GroupRequests) throws -> any HealthProbe {
        let text = """
        virtual_server 10.0.0.100 80 {
            protocol TCP
            real_server 127.0.0.1 80 {
                \(checkerBlock)
            }
        }
        """
        let config = ConfigLoader.load(text: text).config
        let vs = try #require(config.virtualServers.first)
        let rs = try #require(vs.realServers.first)
        let checker = try #require(rs.checkers.first)
        return ProbeFactory.make(checker: checker, realServer: rs, virtualServer: vs, globals: config.globalDefs,
                                 eventLoopGroup: requests.group())
    }

    /// TCP_CHECK, PING_CHECK and MISC_CHECK run without NIO: a daemon with only those starts no
    /// event loop thread for its probes.
    @Test(arguments: ["TCP_CHECK { connect_timeout 3 }", "PING_CHECK { }", "MISC_CHECK { misc_path /bin/true }"])
    func probesWithoutNIONeverAskForItsEventLoops(checker: String) throws {
        let requests = GroupRequests()
        _ = try make(checker, requests: requests)
        #expect(requests.count.load(ordering: .relaxed) == 0)
    }

    @Test(arguments: ["HTTP_GET { url { path / } }", "SMTP_CHECK { }", "DNS_CHECK { name example.org }"])
    func probesOnNIOAskForItsEventLoopsOnce(checker: String) throws {
        let requests = GroupRequests()
        let probe = try make(checker, requests: requests)
        #expect(requests.count.load(ordering: .relaxed) == 1)
        #expect(!(probe is UnsupportedProbe))
    }
}
