import CRawSocket
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Tells when an interface address of this network namespace was added or removed (rtnetlink
/// address events, IPv4 and IPv6), for `ha_suspend`: the caller looks at the addresses again.
/// The messages are not parsed; a burst of them (a VRRP master adding many VIPs) is reported once
/// per read of the socket, and a kernel overflow (ENOBUFS) is reported like a change.
public final class AddressMonitor: Sendable {
    private let owned: OwnedDescriptor

    /// Opens the netlink socket (in the network namespace of the calling thread).
    public init() throws(VRRPIOError) {
        let result = kad_address_monitor_open()
        guard result >= 0 else {
            throw VRRPIOError(operation: "open rtnetlink address monitor", negativeErrno: Int(result))
        }
        owned = OwnedDescriptor(result)
    }

    /// Starts calling `changed` on `queue` after addresses changed. Call once.
    public func start(on queue: DispatchQueue, changed: @escaping @Sendable () -> Void) {
        let descriptor = owned.descriptor
        owned.startReading(on: queue) {
            var buffer = [UInt8](repeating: 0, count: 32 * 1024)
            var seen = false
            while true {
                let length = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                guard length > 0 || (length < 0 && errno == ENOBUFS) else { break }
                seen = true
            }
            if seen { changed() }
        }
    }

    /// Stops watching and closes the socket.
    public func close() { owned.close() }
}
