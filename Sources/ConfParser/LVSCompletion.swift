/// keepalived's defaults and completion rules for virtual servers, real servers and checkers,
/// applied once after parsing (keepalived-behaviour.md section 2). keepalived reports most of
/// these corrections as configuration errors (`-t` exits non-zero), so they are warnings here;
/// they carry the virtual server's line although keepalived prints them without one.
public enum LVSCompletion {
    static func complete(_ config: inout Config, context: inout BuildContext) {
        let groups = groupIndices(config)
        var servers = config.virtualServers
        config.virtualServers = []
        var kept: [VirtualServer] = []
        kept.reserveCapacity(servers.count)
        for index in servers.indices {
            var server = servers[index]
            servers[index].realServers = []
            if complete(&server, groups: groups, in: config, context: &context) { kept.append(server) }
        }
        config.virtualServers = kept
    }

    /// Where each virtual_server_group is in `config` (the first of a name counts).
    static func groupIndices(_ config: Config) -> [String: Int] {
        var groups: [String: Int] = [:]
        for (index, group) in config.virtualServerGroups.enumerated() where groups[group.name] == nil {
            groups[group.name] = index
        }
        return groups
    }

    /// Completes one virtual server against the groups of `config`; false when keepalived drops it.
    static func complete(_ server: inout VirtualServer, groups: [String: Int], in config: Config,
                         context: inout BuildContext) -> Bool {
        var group: VirtualServerGroup?
        if case .group(let name) = server.address, let groupIndex = groups[name] {
            group = config.virtualServerGroups[groupIndex]
        }
        if case .group(let name) = server.address, group == nil {
            // keepalived drops it before checking anything else, so nothing more is reported.
            context.diagnostics.note("Virtual server group \(name) specified but not configured - ignoring virtual server \(server.displayName)",
                                     at: server.location)
            return false
        }
        if let group, let mismatch = ServiceShape.groupMismatch(group, server) {
            // keepalived drops it before checking anything else, so nothing more is reported.
            context.diagnostics.note(mismatch, at: server.location)
            return false
        }
        return complete(&server, group: group, context: &context)
    }

    /// Completes one virtual server; false when keepalived drops it.
    static func complete(_ vs: inout VirtualServer, group: VirtualServerGroup?, context: inout BuildContext) -> Bool {
        let at = vs.location
        guard !vs.realServers.isEmpty else {
            context.diagnostics.warning("Virtual server \(vs.displayName) has no real servers - ignoring", at: at)
            return false
        }
        let shape = ServiceShape(vs, group: group)

        if vs.protocol == nil && shape.hasAddresses {
            context.diagnostics.warning("Virtual server \(vs.displayName): no protocol set - defaulting to UDP", at: at)
            vs.protocol = .udp
        }
        if vs.haSuspend && shape.hasFwmarks {
            context.diagnostics.warning("Virtual server \(vs.displayName): cannot use ha_suspend with fwmarks - clearing ha_suspend", at: at)
            vs.$haSuspend = Sourced(wrappedValue: false)
        }
        if vs.onePacketScheduling && vs.protocol != .udp && shape.hasAddresses {
            context.diagnostics.warning("Virtual server \(vs.displayName): one packet scheduling requires UDP - resetting", at: at)
            vs.$onePacketScheduling = Sourced(wrappedValue: false)
        }
        if shape.hasZeroPort && vs.persistenceTimeout == nil {
            context.diagnostics.warning("Virtual server \(vs.displayName): zero port only valid for persistent services - setting", at: at)
            vs.persistenceTimeout = 360
        }
        if shape.isFwmarkOnly && vs.$protocol.location != nil && vs.protocol != nil {
            context.diagnostics.warning("Warning: Virtual server \(vs.displayName): protocol specified for fwmark - protocol will be ignored", at: at)
            vs.$protocol = Sourced(wrappedValue: nil)
        }
        if vs.$scheduler.location == nil {
            context.diagnostics.warning("Virtual server \(vs.displayName): no scheduler set, setting default '\(LVSScheduler.wlc.rawValue)'", at: at)
        }
        removeDuplicates(&vs, context: &context)
        // keepalived only reports the default when some server does not set its own method.
        if vs.$forwarding.location == nil && (vs.realServers.contains { $0.$forwarding.location == nil }
                                              || vs.sorryServer.map { $0.$forwarding.location == nil } == true) {
            context.diagnostics.warning("Virtual server \(vs.displayName): no forwarding method set, setting default NAT", at: at)
        }

        var realServers = vs.realServers
        vs.realServers = []
        let serviceDefaults = CheckerDefaults(vs)
        for index in realServers.indices {
            completeRealServer(&realServers[index], of: vs, shape: shape, serviceDefaults: serviceDefaults, context: &context)
        }
        vs.realServers = realServers
        completeSorryServer(&vs, shape: shape, context: &context)
        completeQuorum(&vs, context: &context)
        return true
    }

    /// keepalived's view of the service for port and protocol rules.
    struct ServiceShape {
        var hasAddresses: Bool
        var hasFwmarks: Bool
        var hasZeroPort: Bool
        /// Group address entries: their ports, for the non-NAT port check.
        var groupPorts: [(range: VSGAddressRange, port: UInt16)] = []

        var isFwmarkOnly: Bool { hasFwmarks && !hasAddresses }

        /// The family of a service, counting a sorry server that is not tunnelled; nil when every
        /// server is tunnelled and nothing else says.
        static func settledFamily(of vs: VirtualServer) -> AddressFamily? {
            if let family = vs.serviceFamily { return family }
            guard let sorry = vs.sorryServer else { return nil }
            return sorry.forwarding.kind == .tun ? nil : (sorry.address.isIPv6 ? .inet6 : .inet)
        }

        /// The family a group service has: its own, else that of the group's first address, else IPv4.
        static func family(of vs: VirtualServer, group: VirtualServerGroup?) -> AddressFamily {
            if let family = settledFamily(of: vs) { return family }
            if let first = group?.addressRanges.first { return first.range.start.isIPv6 ? .inet6 : .inet }
            return .inet
        }

        /// Why keepalived ignores a group service: a group with IPv4 and IPv6 addresses needs every
        /// server tunnelled (no settled family), otherwise the group's family must be the service's.
        static func groupMismatch(_ group: VirtualServerGroup, _ vs: VirtualServer) -> String? {
            let ranges = group.addressRanges
            let v4 = ranges.contains { !$0.range.start.isIPv6 }
            let v6 = ranges.contains { $0.range.start.isIPv6 }
            let settled = settledFamily(of: vs)
            if v4 && v6 {
                guard settled == nil else {
                    return "\(group.name): virtual server group with IPv4 & IPv6 doesn't match virtual server \(vs.displayName) - ignoring"
                }
                return nil
            }
            let family = family(of: vs, group: group)
            let matches: Bool
            if v4 || v6 {
                matches = (v6 ? AddressFamily.inet6 : .inet) == family
            } else {
                matches = group.fwmarks.contains { $0.family == nil || $0.family == family }
            }
            return matches ? nil : "\(group.name): address family doesn't match virtual server \(vs.displayName) - ignoring"
        }

        init(_ vs: VirtualServer, group: VirtualServerGroup?) {
            switch vs.address {
            case .address(_, let port):
                hasAddresses = true
                hasFwmarks = false
                hasZeroPort = port == 0
            case .fwmark:
                hasAddresses = false
                hasFwmarks = true
                hasZeroPort = false
            case .group:
                // Entries of another family than the service's do not apply to it; when every
                // server is tunnelled (no settled family) they all do.
                let family = Self.settledFamily(of: vs)
                groupPorts = (group?.addressRanges ?? []).filter { family == nil || $0.range.start.isIPv6 == (family == .inet6) }
                hasAddresses = !groupPorts.isEmpty
                hasFwmarks = group?.fwmarks.contains { family == nil || $0.family == nil || $0.family == family } ?? false
                hasZeroPort = groupPorts.contains { $0.port == 0 }
            }
        }
    }

    static func removeDuplicates(_ vs: inout VirtualServer, context: inout BuildContext) {
        var seen = Set<ServiceEndpoint>()
        seen.reserveCapacity(vs.realServers.count)
        var duplicates = false
        for index in vs.realServers.indices {
            let endpoint = ServiceEndpoint(address: vs.realServers[index].address, port: vs.realServers[index].port)
            guard !seen.insert(endpoint).inserted else { continue }
            duplicates = true
            context.diagnostics.warning("VS \(vs.displayName): real server \(vs.displayName(of: endpoint.address, port: endpoint.port)) is duplicated - removing second rs",
                                        at: vs.realServers[index].location)
        }
        guard duplicates else { return }
        seen.removeAll(keepingCapacity: true)
        vs.realServers.removeAll { !seen.insert(ServiceEndpoint(address: $0.address, port: $0.port)).inserted }
    }

    /// Inherited values, the port rules, and the checkers of one real server.
    static func completeRealServer(_ rs: inout RealServer, of vs: VirtualServer, shape: ServiceShape, serviceDefaults: CheckerDefaults,
                                   context: inout BuildContext) {
        if rs.$forwarding.location == nil { rs.$forwarding = vs.$forwarding }
        if rs.$weight.location == nil, let weight = vs.weight { rs.$weight = Sourced(wrappedValue: weight, location: vs.$weight.location) }
        if rs.$inhibitOnFailure.location == nil { rs.$inhibitOnFailure = vs.$inhibitOnFailure }
        if rs.$alpha.location == nil { rs.$alpha = vs.$alpha }
        let nat = rs.forwarding.kind == .nat
        let portGiven = rs.$port.location != nil

        switch vs.address {
        case .address(_, let port):
            if !portGiven {
                rs.port = port
            } else if !nat && rs.port != port {
                context.diagnostics.warning("WARNING - virtual server \(vs.displayName) and real server \(LVSFormat.service(rs.address, vs.protocol, rs.port)) ports don't match - resetting", at: rs.location)
                rs.port = port
            }
        case .fwmark:
            if portGiven && !nat && rs.port != 0 {
                context.diagnostics.warning("WARNING - fwmark virtual server \(vs.displayName), real server \(LVSFormat.service(rs.address, vs.protocol, rs.port)) has port specified - clearing", at: rs.location)
                rs.$port = Sourced(wrappedValue: 0)
            }
        case .group:
            if portGiven && !nat {
                if shape.hasFwmarks {
                    context.diagnostics.warning("WARNING - fwmark virtual server \(vs.displayName), real server \(LVSFormat.service(rs.address, vs.protocol, rs.port)) has port specified - port will be ignored",
                                                at: rs.location)
                }
                if let entry = shape.groupPorts.first(where: { $0.port != rs.port }) {
                    context.diagnostics.warning("virtual server \(vs.displayName):[\(entry.range),\(entry.port)] and real server \(LVSFormat.service(rs.address, vs.protocol, rs.port)) ports don't match",
                                                at: rs.location)
                }
            }
        }

        guard !rs.checkers.isEmpty else { return }
        var defaults = serviceDefaults
        defaults.apply(rs)
        for index in rs.checkers.indices {
            completeChecker(&rs.checkers[index], defaults: defaults)
        }
    }

    /// What a checker inherits: the real server's values, else the virtual server's.
    struct CheckerDefaults {
        var address: IPAddress
        var port: UInt16
        var delayLoop: Sourced<Double>
        var connectTimeout: Sourced<Double?>
        var retry: Sourced<Int?>
        var delayBeforeRetry: Sourced<Double?>
        var warmup: Sourced<Double?>
        var alpha: Sourced<Bool>
        var virtualhost: Sourced<String?>

        /// The virtual server's values.
        init(_ vs: VirtualServer) {
            address = .v4(0)
            port = 0
            delayLoop = vs.$delayLoop
            connectTimeout = vs.$connectTimeout
            retry = vs.$retry
            delayBeforeRetry = vs.$delayBeforeRetry
            warmup = vs.$warmup
            alpha = vs.$alpha
            virtualhost = vs.$virtualhost
        }

        /// Overrides with what the real server sets.
        mutating func apply(_ rs: RealServer) {
            address = rs.address
            port = rs.port
            alpha = rs.$alpha
            if let value = rs.delayLoop { delayLoop = Sourced(wrappedValue: value, location: rs.extras.$delayLoop.location) }
            if rs.connectTimeout != nil { connectTimeout = rs.extras.$connectTimeout }
            if rs.retry != nil { retry = rs.extras.$retry }
            if rs.delayBeforeRetry != nil { delayBeforeRetry = rs.extras.$delayBeforeRetry }
            if rs.warmup != nil { warmup = rs.extras.$warmup }
            if rs.extras.$virtualhost.location != nil { virtualhost = rs.extras.$virtualhost }
        }
    }

    static func completeSorryServer(_ vs: inout VirtualServer, shape: ServiceShape, context: inout BuildContext) {
        guard var sorry = vs.sorryServer else { return }
        // The port rules follow the sorry server's own method, else the service's final one.
        let nat = (sorry.$forwarding.location != nil ? sorry.forwarding : vs.forwarding).kind == .nat
        let portGiven = sorry.$port.location != nil
        switch vs.address {
        case .address(_, let port):
            if !portGiven {
                sorry.port = port
            } else if !nat && sorry.port != port {
                context.diagnostics.warning("WARNING - virtual server \(vs.displayName) and sorry server ports don't match - resetting", at: sorry.location)
                sorry.port = port
            }
        case .fwmark:
            if portGiven && !nat {
                context.diagnostics.warning("WARNING - virtual server \(vs.displayName), sorry server has port specified - clearing", at: sorry.location)
                sorry.$port = Sourced(wrappedValue: 0)
            }
        case .group:
            if portGiven && !nat {
                if shape.hasFwmarks {
                    context.diagnostics.warning("WARNING - fwmark virtual server \(vs.displayName), sorry server has port specified - port will be ignored",
                                                at: sorry.location)
                } else if shape.groupPorts.contains(where: { $0.port != sorry.port }) {
                    context.diagnostics.warning("WARNING - virtual server \(vs.displayName), sorry server has port specified - port will be ignored",
                                                at: sorry.location)
                }
            }
        }
        if let match = vs.realServers.first(where: { $0.address == sorry.address && $0.port == sorry.port }),
           match.inhibitOnFailure != sorry.inhibit {
            context.diagnostics.warning("Virtual server \(vs.displayName): real server \(vs.displayName(of: match.address, port: match.port)) matches sorry server, "
                                        + "but inhibit setting differs, \(match.inhibitOnFailure ? "setting" : "clearing") on sorry server", at: sorry.location)
            sorry.inhibit = match.inhibitOnFailure
        }
        vs.sorryServer = sorry
    }

    static func completeQuorum(_ vs: inout VirtualServer, context: inout BuildContext) {
        let total = vs.realServers.reduce(0) { $0 + $1.weight }
        if vs.quorum > total {
            context.diagnostics.warning("Warning - quorum \(vs.quorum) for \(vs.displayName) exceeds total weight of real servers \(total), reducing quorum to \(total)",
                                        at: vs.$quorum.location ?? vs.location)
            vs.quorum = total
        }
        if vs.hysteresis >= vs.quorum {
            let hysteresis = max(vs.quorum - 1, 0)
            context.diagnostics.warning("Virtual server \(vs.displayName): hysteresis \(vs.hysteresis) >= quorum \(vs.quorum); setting hysteresis to \(hysteresis)",
                                        at: vs.$hysteresis.location ?? vs.location)
            vs.hysteresis = hysteresis
        }
    }

    /// Resolves a checker's values: checker, else real server, else virtual server, else the
    /// default for the checker type.
    static func completeChecker(_ checker: inout Checker, defaults: CheckerDefaults) {
        if checker.$delayLoop.location == nil { checker.$delayLoop = defaults.delayLoop }
        let kind = checker.kind
        let delayLoop = checker.delayLoop
        inherit(&checker.$connectTimeout, defaults.connectTimeout, default: 5)
        inherit(&checker.$retry, defaults.retry, default: kind.defaultRetry)
        inherit(&checker.$delayBeforeRetry, defaults.delayBeforeRetry, default: kind.defaultDelayBeforeRetry ?? delayLoop)
        inherit(&checker.$warmup, defaults.warmup, default: delayLoop)
        if checker.$alpha.location == nil { checker.$alpha = defaults.alpha }
        if checker.kind.connects {
            if checker.connectIP == nil { checker.connectIP = defaults.address }
            if checker.connectPort == nil && defaults.port != 0 { checker.connectPort = defaults.port }
        }
        switch checker.details {
        case .http(var http):
            checker.details = .none
            if http.$virtualhost.location == nil { http.$virtualhost = defaults.virtualhost }
            for index in http.urls.indices {
                if http.urls[index].$virtualhost.location == nil { http.urls[index].$virtualhost = http.$virtualhost }
                if http.urls[index].statusCodes.isEmpty { http.urls[index].statusCodes = [200...299] }
            }
            checker.details = .http(http)
        case .misc(var misc) where misc.timeout == 0:
            misc.$timeout = Sourced(wrappedValue: checker.delayLoop)
            checker.details = .misc(misc)
        default:
            break
        }
    }

    static func inherit<T>(_ value: inout Sourced<T>, _ inherited: Sourced<T?>, default fallback: T) {
        guard value.location == nil else { return }
        if let own = inherited.wrappedValue {
            value = Sourced(wrappedValue: own, location: inherited.location)
        } else {
            value = Sourced(wrappedValue: fallback)
        }
    }
}
