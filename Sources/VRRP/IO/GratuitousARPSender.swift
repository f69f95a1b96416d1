import CRawSocket
import ConfParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends gratuitous ARP requests (IPv4) and unsolicited neighbour advertisements (IPv6) on an
/// AF_PACKET socket, as keepalived does when it becomes MASTER. Thread-safe: one socket, and
/// `sendto` on it needs no coordination.
public final class GratuitousARPSender: Sendable {
    private let descriptor: Int32

    /// Opens the packet socket in the calling thread's network namespace.
    public init() throws(VRRPIOError) {
        let result = kad_vrrp_packet_open_sender()
        guard result >= 0 else {
            throw VRRPIOError(operation: "open gratuitous ARP socket", negativeErrno: Int(result))
        }
        descriptor = result
    }

    deinit { _ = Glibc.close(descriptor) }

    /// Sends the ARP request (IPv4 `address`) or neighbour advertisement (IPv6) for `address` on
    /// the interface named `interface`, looking up its index, MAC and (IPv6) forwarding state.
    public func send(on interface: String, for address: IPAddress) throws(VRRPIOError) {
        let info = try InterfaceInfo.query(interface)
        try send(on: info, for: address, router: address.isIPv6 && Self.isForwardingIPv6(interface))
    }

    /// Sends the frame for `address` on an interface already looked up. `router` sets the NA's
    /// Router flag (keepalived sets it when the interface forwards IPv6).
    public func send(on interface: InterfaceInfo, for address: IPAddress, router: Bool = false) throws(VRRPIOError) {
        let operation = "send gratuitous \(address.isIPv6 ? "NA" : "ARP") on \(interface.name) for \(address)"
        guard interface.mac.count == 6 else { throw VRRPIOError(operation: operation, code: EOPNOTSUPP) }
        let frame: [UInt8]
        let destination: [UInt8]
        if address.isIPv6 {
            frame = GratuitousARPFrame.neighbourAdvertisement(mac: interface.mac, address: address, router: router)
            destination = GratuitousARPFrame.allNodesMAC
        } else {
            frame = GratuitousARPFrame.arpRequest(mac: interface.mac, address: address)
            destination = GratuitousARPFrame.broadcastMAC
        }
        let result = frame.withUnsafeBytes { bytes in
            destination.withUnsafeBufferPointer { mac in
                kad_vrrp_packet_send(descriptor, interface.index, mac.baseAddress, bytes.baseAddress, bytes.count)
            }
        }
        guard result >= 0 else { throw VRRPIOError(operation: operation, negativeErrno: result) }
    }

    /// /proc/sys/net/ipv6/conf/IF/forwarding is 1.
    static func isForwardingIPv6(_ interface: String) -> Bool {
        let path = "/proc/sys/net/ipv6/conf/\(interface)/forwarding"
        let text = try? String(contentsOfFile: path, encoding: .utf8)
        return text?.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }
}
