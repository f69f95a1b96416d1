import VRRP

/// keepalived's STATS_CLEAR signal (SIGRTMAX-1): the stats file is written, then the counters the
/// stats and JSON dumps show start again from zero. keepalivedd keeps the running counters (its
/// `/metrics` counters must never go backwards) and remembers where each instance stood at the
/// last clear; the dumps show the difference.
public struct VRRPStatsBaseline: Sendable, Equatable {
    struct Counts: Sendable, Equatable {
        var traffic: VRRPTrafficCounters
        var packetErrors: VRRPPacketErrorCounts
        var authenticationErrors: VRRPAuthenticationErrorCounts
    }

    private var counts: [String: Counts] = [:]

    public init() {}

    /// Clears: from now on the dumps count from `reports`' counters.
    public mutating func clear(at reports: [VRRPInstanceReport]) {
        counts = Dictionary(reports.map { ($0.name, Counts(traffic: $0.traffic, packetErrors: $0.packetErrors,
                                                            authenticationErrors: $0.authenticationErrors)) },
                            uniquingKeysWith: { _, last in last })
    }

    /// The reports with their counters since the last clear. An instance whose counters went below
    /// the baseline (it was started again by a reload) counts from its own new start.
    public func applied(to reports: [VRRPInstanceReport]) -> [VRRPInstanceReport] {
        reports.map { report in
            guard let base = counts[report.name] else { return report }
            var intact = true
            func minus(_ value: Int, _ start: Int) -> Int {
                if value < start { intact = false }
                return value - start
            }
            let traffic = report.traffic, old = base.traffic
            let packet = report.packetErrors, oldPacket = base.packetErrors
            let auth = report.authenticationErrors, oldAuth = base.authenticationErrors
            var since = report
            since.traffic = VRRPTrafficCounters(
                advertsSent: minus(traffic.advertsSent, old.advertsSent),
                advertsReceived: minus(traffic.advertsReceived, old.advertsReceived),
                priorityZeroSent: minus(traffic.priorityZeroSent, old.priorityZeroSent),
                priorityZeroReceived: minus(traffic.priorityZeroReceived, old.priorityZeroReceived),
                becameMaster: minus(traffic.becameMaster, old.becameMaster),
                releasedMaster: minus(traffic.releasedMaster, old.releasedMaster),
                lastTransition: traffic.lastTransition)
            since.packetErrors.length = minus(packet.length, oldPacket.length)
            since.packetErrors.ttl = minus(packet.ttl, oldPacket.ttl)
            since.packetErrors.invalidType = minus(packet.invalidType, oldPacket.invalidType)
            since.packetErrors.advertisementInterval = minus(packet.advertisementInterval, oldPacket.advertisementInterval)
            since.packetErrors.addressList = minus(packet.addressList, oldPacket.addressList)
            since.authenticationErrors = VRRPAuthenticationErrorCounts(
                invalidType: minus(auth.invalidType, oldAuth.invalidType),
                typeMismatch: minus(auth.typeMismatch, oldAuth.typeMismatch),
                failure: minus(auth.failure, oldAuth.failure))
            return intact ? since : report
        }
    }
}
