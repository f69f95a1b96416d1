import CRawSocket
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Watches rtnetlink link events (RTNLGRP_LINK) so the VRRP shell sees interfaces go down/up
/// (FAULT) or disappear. Events come from a DispatchSourceRead on the caller's queue; reads never
/// block. The socket belongs to the network namespace of the thread that created the monitor.
public final class LinkMonitor: Sendable {
    /// One link message: a state change, a new link, or a deleted one.
    public struct Event: Sendable, Equatable {
        public var interfaceIndex: Int32
        public var name: String
        /// IFF_UP.
        public var isUp: Bool
        /// IFF_RUNNING (carrier).
        public var isRunning: Bool
        /// RTM_DELLINK: the interface is gone.
        public var isDeleted: Bool

        public init(interfaceIndex: Int32, name: String, isUp: Bool, isRunning: Bool, isDeleted: Bool) {
            self.interfaceIndex = interfaceIndex
            self.name = name
            self.isUp = isUp
            self.isRunning = isRunning
            self.isDeleted = isDeleted
        }
    }

    private let owned: OwnedDescriptor

    /// Opens the netlink socket and subscribes to link events.
    public init() throws(VRRPIOError) {
        let result = kad_vrrp_link_monitor_open()
        guard result >= 0 else {
            throw VRRPIOError(operation: "open rtnetlink link monitor", negativeErrno: Int(result))
        }
        owned = OwnedDescriptor(result)
    }

    /// Starts delivering events to `handler` on `queue`. `overflow` is called (on `queue`) when the
    /// kernel dropped events (ENOBUFS): the caller should re-query the interfaces it cares about.
    /// Call once.
    public func start(on queue: DispatchQueue, overflow: (@Sendable () -> Void)? = nil,
                      handler: @escaping @Sendable (Event) -> Void) {
        let descriptor = owned.descriptor
        owned.startReading(on: queue) {
            var buffer = [UInt8](repeating: 0, count: 32 * 1024)
            for _ in 0..<64 {
                let length = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if length < 0 {
                    if errno == ENOBUFS { overflow?(); continue }
                    break
                }
                for event in Self.parse(Array(buffer[0..<length])) { handler(event) }
            }
        }
    }

    /// Stops watching and closes the socket.
    public func close() { owned.close() }

    /// The link events in one netlink datagram.
    static func parse(_ datagram: [UInt8]) -> [Event] {
        var events = [kad_vrrp_link_event](repeating: kad_vrrp_link_event(), count: 64)
        let count = datagram.withUnsafeBytes { bytes in
            events.withUnsafeMutableBufferPointer { buffer in
                kad_vrrp_link_parse(bytes.baseAddress, bytes.count, buffer.baseAddress, Int32(buffer.count))
            }
        }
        return events.prefix(Int(count)).map { raw in
            let name = withUnsafeBytes(of: raw.name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            return Event(
                interfaceIndex: raw.ifindex,
                name: name,
                isUp: raw.flags & 0x1 /* IFF_UP */ != 0,
                isRunning: raw.flags & 0x40 /* IFF_RUNNING */ != 0,
                isDeleted: raw.deleted != 0
            )
        }
    }
}
