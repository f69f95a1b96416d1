import ConfParser
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// PING_CHECK: one ICMP (or ICMPv6) echo request to the connect address; an echo reply with the
/// request's identifier and sequence number within `connect_timeout` is success. Uses a raw
/// socket, so it needs root (CAP_NET_RAW), as keepalivedd's checker process has.
public struct PingProbe: HealthProbe {
    /// Where and how to connect.
    public let endpoint: ProbeEndpoint

    public init(endpoint: ProbeEndpoint) {
        self.endpoint = endpoint
    }

    public func run() async -> ProbeResult {
        let identifier = UInt16.random(in: 0...UInt16.max)
        let sequence = UInt16.random(in: 0...UInt16.max)
        let isIPv6 = endpoint.connectIP.isIPv6
        let request = ProbeICMP.echoRequest(identifier: identifier, sequence: sequence, isIPv6: isIPv6)
        let seconds = Double(endpoint.timeout.nanoseconds) / 1e9
        let outcome = await ProbeICMPExchange.run(endpoint: endpoint, request: request, timeout: seconds) { packet in
            ProbeICMP.isEchoReply(packet, identifier: identifier, sequence: sequence, isIPv6: isIPv6)
        }
        switch outcome {
        case .reply: return .success("ICMP connection to \(endpoint.label) success.")
        case .timeout: return .failure("ICMP connection to address \(endpoint.connectIP) timeout.")
        case .socketError: return .failure("ICMP\(isIPv6 ? "v6" : "") connect fail to create socket. Rescheduling.")
        }
    }
}

/// ICMP echo packets.
enum ProbeICMP {
    /// An echo request (type 8, or 128 for ICMPv6) with a 16-byte payload. The ICMPv6 checksum is
    /// left to the kernel.
    static func echoRequest(identifier: UInt16, sequence: UInt16, isIPv6: Bool) -> [UInt8] {
        var packet: [UInt8] = [isIPv6 ? 128 : 8, 0, 0, 0,
                               UInt8(identifier >> 8), UInt8(identifier & 0xff), UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        packet += Array("keepalivedd-ping".utf8)
        if !isIPv6 {
            let sum = checksum(packet)
            packet[2] = UInt8(sum >> 8)
            packet[3] = UInt8(sum & 0xff)
        }
        return packet
    }

    /// The Internet checksum (RFC 1071).
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// Whether `packet`, as read from the raw socket (with its IPv4 header for IPv4), is the echo
    /// reply to our request.
    static func isEchoReply(_ packet: [UInt8], identifier: UInt16, sequence: UInt16, isIPv6: Bool) -> Bool {
        var icmp = packet[...]
        if !isIPv6 {
            guard let first = packet.first else { return false }
            icmp = packet.dropFirst(Int(first & 0x0f) * 4)
        }
        guard icmp.count >= 8 else { return false }
        let start = icmp.startIndex
        let type = icmp[start]
        let id = UInt16(icmp[start + 4]) << 8 | UInt16(icmp[start + 5])
        let seq = UInt16(icmp[start + 6]) << 8 | UInt16(icmp[start + 7])
        return type == (isIPv6 ? 129 : 0) && id == identifier && seq == sequence
    }
}
