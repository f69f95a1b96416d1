import Foundation
import VRRP
@testable import DaemonSupport

/// A small report used by the status and dump tests (whole-second dates: ISO 8601 keeps no
/// fractions).
enum StatusFixtures {
    /// 2026-11-22T10:00:00Z.
    static let transition = Date(timeIntervalSince1970: 1_795_341_600)

    static let master = VRRPInstanceReport(
        name: "VI_1", interface: "eth0", virtualRouterID: 51, family: "IPv4", state: .master, wantState: .master,
        effectivePriority: 100, configuredPriority: 100, masterAddress: "10.0.0.1", masterPriority: 100,
        virtualAddressesSet: true,
        traffic: VRRPTrafficCounters(advertsSent: 12, becameMaster: 1, lastTransition: transition))

    static let backup = VRRPInstanceReport(
        name: "VI_2", interface: "eth1", virtualRouterID: 52, family: "IPv4", state: .backup, wantState: .backup,
        effectivePriority: 90, configuredPriority: 100, masterAddress: "10.0.1.2", masterPriority: 120,
        virtualAddressesSet: false,
        traffic: VRRPTrafficCounters(advertsSent: 0, advertsReceived: 340, priorityZeroReceived: 1, releasedMaster: 2),
        packetErrors: VRRPPacketErrorCounts(ttl: 2), authenticationErrors: VRRPAuthenticationErrorCounts(failure: 1))

    static let report = StatusReport(
        vrrpInstances: [master, backup],
        virtualServers: [
            VirtualServerStatus(name: "[10.0.0.100]:tcp:80", quorumUp: true, sorryServerActive: false, realServers: [
                RealServerStatus(label: "[192.168.1.10]:tcp:80", alive: true, kernelWeight: 1,
                                 lastCheckResult: "TCP connect succeeded",
                                 lastCheckTime: transition.addingTimeInterval(5), consecutiveFailures: 0),
                RealServerStatus(label: "[192.168.1.11]:tcp:80", alive: false, kernelWeight: nil,
                                 lastCheckResult: "TCP connection failed",
                                 lastCheckTime: transition.addingTimeInterval(6), consecutiveFailures: 3),
            ]),
            VirtualServerStatus(name: "FWM 5", quorumUp: false, sorryServerActive: true, realServers: []),
        ])
}
