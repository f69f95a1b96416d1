import ConfParser
import Testing
@testable import IPVSSync

/// Shared helpers: configurations built with `ConfigLoader.load(text:)`.
enum IPVSTest {
    /// Loads the configuration and requires it to have no problems (warnings or errors).
    static func config(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Config {
        let result = ConfigLoader.load(text: text)
        let problems = result.diagnostics.items.filter { $0.severity != .note }.map(\.message)
        #expect(problems == [], sourceLocation: sourceLocation)
        return result.config
    }

    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    /// A NAT TCP service with real servers `rsList` ("ADDR PORT [weight N]").
    static func service(_ vip: String, _ port: Int, sched: String = "rr", kind: String = "NAT", proto: String = "TCP",
                        extra: String = "", rs: [String]) -> String {
        var text = "virtual_server \(vip) \(port) {\n  protocol \(proto)\n  lb_algo \(sched)\n  lb_kind \(kind)\n\(extra)\n"
        for server in rs {
            let parts = server.split(separator: " ", maxSplits: 2).map(String.init)
            let body = parts.count > 2 ? "    \(parts[2])\n" : ""
            text += "  real_server \(parts[0]) \(parts[1]) {\n\(body)  }\n"
        }
        return text + "}\n"
    }

    /// Two services: 10.0.0.1:80 TCP with three real servers, 10.0.0.2:53 UDP with two.
    static let basic = service("10.0.0.1", 80, rs: ["192.168.1.1 8080", "192.168.1.2 8080", "192.168.1.3 8080 weight 3"])
        + service("10.0.0.2", 53, sched: "wlc", proto: "UDP", rs: ["192.168.1.1 53", "192.168.1.2 53"])

    static func tcp(_ vip: String, _ port: UInt16) -> IPVSServiceKey { .endpoint(.tcp, ip(vip), port: port) }

    static func destKey(_ rip: String, _ port: UInt16) -> IPVSDestinationKey { IPVSDestinationKey(address: ip(rip), port: port) }

    /// A short name for each operation, e.g. "addService [10.0.0.1]:tcp:80", "addDestination [1.2.3.4]:80".
    static func names(_ plan: [IPVSOperation]) -> [String] {
        plan.map { op in
            switch op {
            case .addService(let s): return "addService \(s.key)"
            case .editService(let s): return "editService \(s.key)"
            case .deleteService(let s): return "deleteService \(s.key)"
            case .addDestination(let d, let s): return "addDestination \(d) \(s.key) w\(d.weight)"
            case .editDestination(let d, let s, _): return "editDestination \(d) \(s.key) w\(d.weight)"
            case .deleteDestination(let d, let s): return "deleteDestination \(d) \(s.key)"
            case .flush: return "flush"
            case .setTimeouts: return "setTimeouts"
            case .startDaemon(let d): return "startDaemon \(d.role)"
            case .stopDaemon(let d): return "stopDaemon \(d.role)"
            }
        }
    }

    /// Applies the desired state of `config` to `backend`; returns the plan.
    @discardableResult
    static func sync(_ config: Config, health: any HealthView = AllAlive(), flushForeign: Bool = false,
                     backend: InMemoryBackend) throws -> [IPVSOperation] {
        let desired = DesiredState.table(from: config, health: health)
        let plan = Reconciler.plan(desired: desired, current: try backend.dump(), owned: DesiredState.ownership(from: config),
                                   flushForeign: flushForeign)
        let result = IPVSSync.apply(plan, to: backend)
        #expect(result.failures == [])
        return plan
    }
}
