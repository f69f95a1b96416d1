import VRRP

/// keepalived's SIGUSR2 dump (`/tmp/keepalived.stats`): each instance's advert, transition and
/// error counters in keepalived's layout.
public enum VRRPStatsDump {
    /// Every instance's block, one after the other, ending with a newline.
    public static func render(_ reports: [VRRPInstanceReport]) -> String {
        reports.map(block).joined()
    }

    static func block(_ report: VRRPInstanceReport) -> String {
        let traffic = report.traffic
        let packet = report.packetErrors
        let auth = report.authenticationErrors
        let lines = [
            "VRRP Instance: \(report.name)",
            "  Advertisements:",
            "    Received: \(traffic.advertsReceived)",
            "    Sent: \(traffic.advertsSent)",
            "  Became master: \(traffic.becameMaster)",
            "  Released master: \(traffic.releasedMaster)",
            "  Packet Errors:",
            "    Length: \(packet.length)",
            "    TTL: \(packet.ttl)",
            "    Invalid Type: \(packet.invalidType)",
            "    Advertisement Interval: \(packet.advertisementInterval)",
            "    Address List: \(packet.addressList)",
            "  Authentication Errors:",
            "    Invalid Type: \(auth.invalidType)",
            "    Type Mismatch: \(auth.typeMismatch)",
            "    Failure: \(auth.failure)",
            "  Priority Zero:",
            "    Received: \(traffic.priorityZeroReceived)",
            "    Sent: \(traffic.priorityZeroSent)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
