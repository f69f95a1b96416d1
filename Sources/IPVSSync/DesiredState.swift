import ConfParser

/// The IPVS table keepalived would hold for a configuration and a health state.
///
/// Rules (keepalived 2.2, see keepalived-behaviour.md section 6):
/// - `virtual_server IP PORT` is one service; `fwmark N` one fwmark service whose family is the
///   server's settled family (IPv4 when nothing says); `group NAME` one service per expanded group
///   address (ranges and CIDRs, port of the entry) and per fwmark entry, all with the same
///   destinations. Group entries of the other family are skipped when the service's family is
///   settled; group services keep the default netmask (keepalived does not apply
///   `persistence_granularity` to them).
/// - Destination ports: the real server's (already completed by `LVSCompletion`) for NAT; for DR
///   and TUN the service's port, 0 for fwmark services.
/// - A dead real server is absent, or at weight 0 with `inhibit_on_failure`.
/// - Quorum lost with a sorry server: the sorry server (weight 1) replaces the live servers (those
///   with inhibit_on_failure stay at weight 0). Quorum held: the sorry server is absent, or at
///   weight 0 with `sorry_server_inhibit`. Quorum lost without a sorry server changes nothing.
public enum DesiredState {
    /// The desired table: services, destinations, `lvs_timeouts`; sync daemons only when
    /// `syncDaemonRoles` is given (the VRRP side decides master / backup).
    public static func table(from config: Config, health: any HealthView = AllAlive(),
                             syncDaemonRoles: [IPVSSyncDaemon.Role]? = nil) -> IPVSTable {
        var table = IPVSTable()
        let groups = groupIndex(config)
        for (vsIndex, vs) in config.virtualServers.enumerated() {
            addEntries(of: vs, at: vsIndex, groups: groups, health: health, to: &table)
        }
        if let timeouts = config.globalDefs.lvsTimeouts { table.timeouts = IPVSTimeouts(timeouts) }
        if let roles = syncDaemonRoles { table.syncDaemons = syncDaemons(from: config, roles: roles) }
        return table
    }

    /// The services and destinations of one virtual server (index `vsIndex`) added to `table`.
    static func addEntries(of vs: VirtualServer, at vsIndex: Int, groups: [String: VirtualServerGroup],
                           health: any HealthView, to table: inout IPVSTable) {
        let slots = self.slots(of: vs, groups: groups)
        guard !slots.isEmpty else { return }
        let members = destinations(of: vs, at: vsIndex, health: health)
        for slot in slots {
            var entry = table.entry(slot.key) ?? IPVSServiceEntry(service: service(vs, slot), capacity: members.count)
            for member in members {
                let dest = destination(member, slot: slot)
                if member.overrides { entry.upsert(dest) } else { entry.insertIfAbsent(dest) }
            }
            table.upsert(entry)
        }
    }

    /// Every service and destination the configuration can put in the table, whatever the health.
    public static func ownership(from config: Config) -> IPVSOwnership {
        var ownership = IPVSOwnership(syncDaemons: config.globalDefs.lvsSyncDaemon != nil)
        let groups = groupIndex(config)
        for vs in config.virtualServers {
            addOwnership(of: vs, groups: groups, to: &ownership)
        }
        return ownership
    }

    /// What one virtual server can put in the table, added to `ownership`.
    static func addOwnership(of vs: VirtualServer, groups: [String: VirtualServerGroup], to ownership: inout IPVSOwnership) {
        let slots = self.slots(of: vs, groups: groups)
        var members = vs.realServers.map { (port: $0.port, forwarding: $0.forwarding, address: $0.address) }
        if let sorry = vs.sorryServer { members.append((sorry.port, sorry.forwarding, sorry.address)) }
        let isGroup: Bool
        if case .group = vs.address { isGroup = true } else { isGroup = false }
        // Group entries with the same port rule share one name table (copy-on-write storage).
        var namesByRule: [Int: [IPVSDestinationKey: String]] = [:]
        for slot in slots {
            var keys = ownership.services[slot.key] ?? Set(minimumCapacity: members.count)
            for member in members {
                keys.insert(IPVSDestinationKey(address: member.address,
                                               port: slot.destinationPort(member.port, member.forwarding)))
            }
            if let sorry = vs.sorryServer {
                ownership.sorryServers[slot.key] = IPVSDestinationKey(address: sorry.address,
                                                                      port: slot.destinationPort(sorry.port, sorry.forwarding))
            }
            ownership.services[slot.key] = keys
            guard isGroup else { continue }
            ownership.virtualServerNames[slot.key] = vs.displayName
            let rule = slot.portRule
            if namesByRule[rule] == nil {
                var names: [IPVSDestinationKey: String] = [:]
                for member in members {
                    names[IPVSDestinationKey(address: member.address, port: slot.destinationPort(member.port, member.forwarding))]
                        = vs.displayName(of: member.address, port: member.port)
                }
                namesByRule[rule] = names
            }
            ownership.destinationNames[slot.key] = namesByRule[rule]
        }
    }

    /// The sync daemons of `lvs_sync_daemon` for the given roles; the sync id defaults to the VRID
    /// of the named VRRP instance (0 without one).
    public static func syncDaemons(from config: Config, roles: [IPVSSyncDaemon.Role]) -> [IPVSSyncDaemon] {
        guard let daemon = config.globalDefs.lvsSyncDaemon else { return [] }
        let vrid = daemon.instance.flatMap { name in config.vrrpInstances.first { $0.name == name }?.virtualRouterID } ?? 0
        let syncID = UInt32(clamping: daemon.syncID ?? vrid)
        return roles.map { role in
            IPVSSyncDaemon(role: role, interface: daemon.interface, syncID: syncID,
                           maxLength: daemon.maxLength.map { UInt16(clamping: $0) }, port: daemon.port.map { UInt16(clamping: $0) },
                           ttl: daemon.ttl.map { UInt8(clamping: $0) }, group: daemon.group)
        }
    }

    // MARK: - Services

    /// One IPVS service a virtual server stands for.
    struct Slot {
        var key: IPVSServiceKey
        /// Group entries always use the default netmask.
        var fromGroup: Bool

        /// What the destination ports depend on: the service port, -1 for fwmark services.
        var portRule: Int {
            if case .endpoint(_, _, let port) = key { return Int(port) }
            return -1
        }

        /// NAT keeps the real server's port; DR and TUN use the service port (0 for fwmark).
        func destinationPort(_ port: UInt16, _ forwarding: ForwardingMethod) -> UInt16 {
            guard forwarding.kind != .nat else { return port }
            if case .endpoint(_, _, let servicePort) = key { return servicePort }
            return 0
        }
    }

    static func groupIndex(_ config: Config) -> [String: VirtualServerGroup] {
        var groups: [String: VirtualServerGroup] = [:]
        for group in config.virtualServerGroups where groups[group.name] == nil { groups[group.name] = group }
        return groups
    }

    /// The family keepalived settles on for a service: the server's, else a sorry server's that is
    /// not tunnelled; nil when every server is tunnelled and nothing else says.
    static func settledFamily(of vs: VirtualServer) -> AddressFamily? {
        if let family = vs.serviceFamily { return family }
        guard let sorry = vs.sorryServer, sorry.forwarding.kind != .tun else { return nil }
        return sorry.address.isIPv6 ? .inet6 : .inet
    }

    /// Largest group range expanded (keepalived's ranges are at most 65536 addresses).
    static let maximumRange: UInt64 = 1 << 16

    static func slots(of vs: VirtualServer, groups: [String: VirtualServerGroup]) -> [Slot] {
        let proto = vs.protocol ?? .udp
        switch vs.address {
        case .address(let ip, let port):
            return [Slot(key: .endpoint(proto, ip, port: port), fromGroup: false)]
        case .fwmark(let mark):
            let family = IPVSAddressFamily(settledFamily(of: vs) ?? .inet)
            return [Slot(key: .fwmark(mark, family: family), fromGroup: false)]
        case .group(let name):
            guard let group = groups[name] else { return [] }
            let family = settledFamily(of: vs)
            var slots: [Slot] = []
            for (range, port) in group.addressRanges {
                if let family, range.start.isIPv6 != (family == .inet6) { continue }
                guard range.count <= maximumRange else { continue }
                range.forEachAddress { slots.append(Slot(key: .endpoint(proto, $0, port: port), fromGroup: true)) }
            }
            for (mark, markFamily) in group.fwmarks {
                if let family, let markFamily, markFamily != family { continue }
                let resolved = IPVSAddressFamily(markFamily ?? family ?? .inet)
                slots.append(Slot(key: .fwmark(mark, family: resolved), fromGroup: true))
            }
            return slots
        }
    }

    static func service(_ vs: VirtualServer, _ slot: Slot) -> IPVSService {
        var flags: IPVSServiceFlags = []
        if vs.hashed { flags.insert(.hashed) }
        if vs.onePacketScheduling { flags.insert(.onePacket) }
        flags.formUnion(IPVSServiceFlags(rawValue: vs.schedulerFlags.rawValue))
        let family = slot.key.family
        var netmask = family.defaultNetmask
        var timeout: UInt32 = 0
        var engine: String?
        if let persistence = vs.persistenceTimeout {
            flags.insert(.persistent)
            timeout = UInt32(clamping: persistence)
            engine = vs.persistenceEngine
            if !slot.fromGroup, let granularity = vs.persistenceGranularity {
                switch (granularity, family) {
                case (.netmask(.v4(let mask)), .inet): netmask = mask
                case (.prefixLength(let length), .inet6) where (1...128).contains(length): netmask = UInt32(length)
                default: break
                }
            }
        }
        let name: String?
        if case .group = vs.address { name = vs.displayName } else { name = nil }
        return IPVSService(key: slot.key, scheduler: vs.scheduler.rawValue, flags: flags, timeout: timeout,
                           netmask: netmask, persistenceEngine: engine, virtualServerName: name)
    }

    // MARK: - Destinations

    /// A destination of a virtual server before the per-service port rule.
    struct Member {
        var address: IPAddress
        var port: UInt16
        var forwarding: ForwardingMethod
        var weight: UInt32
        var upperThreshold: UInt32
        var lowerThreshold: UInt32
        var isSorryServer: Bool
        var isInhibited: Bool
        /// The sorry server replacing a real server with the same address and port.
        var overrides: Bool
        /// keepalived's name when the service's own would differ (group services).
        var logName: String? = nil
    }

    static func destination(_ member: Member, slot: Slot) -> IPVSDestination {
        var dest = IPVSDestination(address: member.address, port: slot.destinationPort(member.port, member.forwarding),
                                   forwarding: IPVSForwarding(member.forwarding), weight: member.weight,
                                   upperThreshold: member.upperThreshold, lowerThreshold: member.lowerThreshold,
                                   isSorryServer: member.isSorryServer, isInhibited: member.isInhibited)
        dest.logName = member.logName
        dest.isAliveAtWeightZero = !member.isInhibited && member.weight == 0
        return dest
    }

    /// The destinations of one virtual server for the health state, in configuration order.
    static func destinations(of vs: VirtualServer, at vsIndex: Int, health: any HealthView) -> [Member] {
        var states: [RealServerHealth] = []
        states.reserveCapacity(vs.realServers.count)
        var aliveWeight = 0
        for (rsIndex, rs) in vs.realServers.enumerated() {
            let state = health.realServer(rs, at: RealServerRef(virtualServer: vsIndex, realServer: rsIndex))
            if state.alive { aliveWeight += max(state.weight, 0) }
            states.append(state)
        }
        let quorum = health.quorumHeld(vs, at: vsIndex, aliveWeight: aliveWeight)
        var isGroup = false
        if case .group = vs.address { isGroup = true }
        let sorryActive = !quorum && vs.sorryServer != nil

        var members: [Member] = []
        members.reserveCapacity(vs.realServers.count + 1)
        for (rs, state) in zip(vs.realServers, states) {
            let up = state.alive && !sorryActive
            guard up || rs.inhibitOnFailure else { continue }
            members.append(Member(address: rs.address, port: rs.port, forwarding: rs.forwarding,
                                  weight: up ? UInt32(clamping: min(max(state.weight, 0), Int(Int32.max))) : 0,
                                  upperThreshold: rs.upperThreshold ?? 0, lowerThreshold: rs.lowerThreshold ?? 0,
                                  isSorryServer: false, isInhibited: !up, overrides: false,
                                  logName: isGroup ? vs.displayName(of: rs.address, port: rs.port) : nil))
        }
        if let sorry = vs.sorryServer, sorryActive || sorry.inhibit {
            members.append(Member(address: sorry.address, port: sorry.port, forwarding: sorry.forwarding,
                                  weight: sorryActive ? 1 : 0, upperThreshold: 0, lowerThreshold: 0,
                                  isSorryServer: true, isInhibited: !sorryActive, overrides: sorryActive,
                                  logName: isGroup ? vs.displayName(of: sorry.address, port: sorry.port) : nil))
        }
        return members
    }
}

extension IPVSOwnership {
    /// Adds what `other` owns, keeping this ownership's names where both name an entry
    /// (a reload owns both the old and the new configuration's entries until it has reconciled).
    public mutating func merge(_ other: IPVSOwnership) {
        services.merge(other.services) { mine, theirs in mine.union(theirs) }
        syncDaemons = syncDaemons || other.syncDaemons
        virtualServerNames.merge(other.virtualServerNames) { mine, _ in mine }
        sorryServers.merge(other.sorryServers) { mine, _ in mine }
        destinationNames.merge(other.destinationNames) { mine, theirs in mine.merging(theirs) { kept, _ in kept } }
    }
}
