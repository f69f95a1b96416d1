import CRawSocket
import ConfParser
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One datagram read by a `VRRPSocket`.
public struct VRRPReceivedPacket: Sendable, Equatable {
    /// IPv4: the whole datagram, IPv4 header first (raw socket). IPv6: the VRRP (or AH) payload
    /// only; the IPv6 header fields come in `hopLimit` / `destination`.
    public var bytes: [UInt8]
    public var source: IPAddress
    /// The destination address of the datagram (group or our unicast address); nil when unknown.
    public var destination: IPAddress?
    /// TTL / hop limit as received (255 for an on-link sender); nil when unknown.
    public var hopLimit: Int?
    /// The interface it arrived on (0 when unknown).
    public var interfaceIndex: Int32
}

/// A raw VRRP socket on one interface for one address family (keepalived's send/receive socket):
/// IPv4 with IP_HDRINCL (the codec builds the IPv4 header), IPv6 with hop limits 255 and the hop
/// limit + destination read from ancillary data. Multicast mode joins the group on the interface;
/// unicast mode (`unicast_peer`) joins nothing and sends to each peer.
///
/// Sending is synchronous and non-blocking; receiving runs on a DispatchSourceRead on the caller's
/// queue. The file descriptor is owned here and closed by `close()` (or when the read source is
/// cancelled).
public final class VRRPSocket: Sendable {
    /// How a socket is opened.
    public struct Configuration: Sendable, Equatable {
        /// The interface name (SO_BINDTODEVICE and group membership).
        public var interface: String
        /// true: an IPv6 socket; false: IPv4.
        public var isIPv6: Bool
        /// IP protocol: 112 (VRRP) or 51 (AH, IPv4 only).
        public var ipProtocol: Int32
        /// The group to join in multicast mode; nil means 224.0.0.18 / ff02::12.
        public var multicastGroup: IPAddress?
        /// Non-empty: unicast mode, adverts go to each of these and no group is joined.
        public var unicastPeers: [IPAddress]
        /// `unicast_src_ip` (IPv6: sent as IPV6_PKTINFO source; IPv4: the codec puts it in the header).
        public var unicastSource: IPAddress?
        /// IPv4: IP_HDRINCL (the caller supplies the IPv4 header). Default true.
        public var headerIncluded: Bool
        /// IPv6: let the kernel fill/verify the checksum at this offset (IPV6_CHECKSUM); nil = the codec does.
        public var kernelChecksumOffset: Int?

        public init(interface: String, isIPv6: Bool, ipProtocol: Int32 = VRRPSocket.vrrpProtocol,
                    multicastGroup: IPAddress? = nil, unicastPeers: [IPAddress] = [],
                    unicastSource: IPAddress? = nil, headerIncluded: Bool = true,
                    kernelChecksumOffset: Int? = nil) {
            self.interface = interface
            self.isIPv6 = isIPv6
            self.ipProtocol = ipProtocol
            self.multicastGroup = multicastGroup
            self.unicastPeers = unicastPeers
            self.unicastSource = unicastSource
            self.headerIncluded = headerIncluded
            self.kernelChecksumOffset = kernelChecksumOffset
        }

        /// Unicast mode: there are peers to send to.
        public var isUnicast: Bool { !unicastPeers.isEmpty }

        /// The group adverts go to in multicast mode.
        public var group: IPAddress { multicastGroup ?? (isIPv6 ? VRRPSocket.ipv6Group : VRRPSocket.ipv4Group) }
    }

    /// IP protocol number of VRRP.
    public static let vrrpProtocol: Int32 = 112
    /// IP protocol number of IPsec AH (VRRPv2 `auth_type AH`).
    public static let authenticationHeaderProtocol: Int32 = 51
    /// 224.0.0.18.
    public static let ipv4Group = IPAddress.v4(0xE000_0012)
    /// ff02::12.
    public static let ipv6Group = IPAddress.v6(0xFF02_0000_0000_0000, 0x12)

    public let configuration: Configuration
    /// The interface's index, resolved when opening.
    public let interfaceIndex: Int32
    private let owned: OwnedDescriptor

    /// Opens and configures the socket in the calling thread's network namespace.
    public init(_ configuration: Configuration) throws(VRRPIOError) {
        let operation = "open VRRP socket on \(configuration.interface)"
        let index = if_nametoindex(configuration.interface)
        guard index != 0 else { throw VRRPIOError(operation: operation, code: ENODEV) }
        let group: IPAddress? = configuration.isUnicast ? nil : configuration.group
        let result: Int32
        if configuration.isIPv6 {
            let groupBytes = group.map(IOAddressBytes.bytes(of:))
            result = Self.withOptionalBytes(groupBytes) { groupPointer in
                kad_vrrp_open6(configuration.interface, Int32(index), configuration.ipProtocol, groupPointer,
                               Int32(configuration.kernelChecksumOffset ?? -1))
            }
        } else {
            var groupValue: UInt32 = 0
            if case .v4(let value) = group { groupValue = value.bigEndian }
            result = kad_vrrp_open4(configuration.interface, Int32(index), configuration.ipProtocol, groupValue,
                                    configuration.headerIncluded ? 1 : 0)
        }
        guard result >= 0 else { throw VRRPIOError(operation: operation, negativeErrno: Int(result)) }
        self.configuration = configuration
        self.interfaceIndex = Int32(index)
        self.owned = OwnedDescriptor(result)
    }

    /// Where adverts go: each unicast peer, or the multicast group.
    public var advertisementDestinations: [IPAddress] {
        configuration.isUnicast ? configuration.unicastPeers : [configuration.group]
    }

    /// Sends one datagram (IPv4: header included; IPv6: the VRRP payload) to `destination`.
    /// Never blocks: a full send buffer is an EAGAIN error.
    public func send(_ bytes: [UInt8], to destination: IPAddress) throws(VRRPIOError) {
        let destinationBytes = IOAddressBytes.bytes(of: destination)
        let sourceBytes = configuration.isIPv6 ? configuration.unicastSource.map(IOAddressBytes.bytes(of:)) : nil
        let family = configuration.isIPv6 ? AF_INET6 : AF_INET
        let index = configuration.isIPv6 ? interfaceIndex : 0
        let result = owned.whileOpen { descriptor -> Int in
            bytes.withUnsafeBytes { payload in
                destinationBytes.withUnsafeBufferPointer { destinationPointer in
                    Self.withOptionalBytes(sourceBytes) { sourcePointer in
                        kad_vrrp_send(descriptor, family, payload.baseAddress, payload.count,
                                      destinationPointer.baseAddress, sourcePointer, index)
                    }
                }
            }
        } ?? -Int(EBADF)
        guard result >= 0 else {
            throw VRRPIOError(operation: "send VRRP packet to \(destination) on \(configuration.interface)",
                              negativeErrno: result)
        }
    }

    /// Starts delivering received datagrams to `handler` on `queue`. Reads never block; each wake-up
    /// drains what is queued (at most 64 datagrams, the rest on the next wake-up). Call once.
    public func startReceiving(on queue: DispatchQueue, handler: @escaping @Sendable (VRRPReceivedPacket) -> Void) {
        let descriptor = owned.descriptor
        owned.startReading(on: queue) {
            for _ in 0..<64 {
                guard let packet = Self.receiveOne(descriptor) else { break }
                handler(packet)
            }
        }
    }

    /// Stops receiving and closes the socket. Further sends fail with EBADF.
    public func close() { owned.close() }

    /// Reads one datagram, or nil when none is queued (or on a read error).
    static func receiveOne(_ descriptor: Int32) -> VRRPReceivedPacket? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var info = kad_vrrp_recv_info()
        let length = buffer.withUnsafeMutableBytes { kad_vrrp_recv(descriptor, $0.baseAddress, $0.count, &info) }
        guard length >= 0 else { return nil }
        let addressLength = info.family == AF_INET6 ? 16 : 4
        guard let source = IOAddressBytes.address(fromTuple: info.source, count: addressLength) else { return nil }
        var destination = IOAddressBytes.address(fromTuple: info.destination, count: addressLength)
        if destination == .v4(0) || destination == .v6(0, 0) { destination = nil }
        return VRRPReceivedPacket(
            bytes: Array(buffer[0..<length]),
            source: source,
            destination: destination,
            hopLimit: info.hop_limit >= 0 ? Int(info.hop_limit) : nil,
            interfaceIndex: info.ifindex
        )
    }

    private static func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafePointer<UInt8>?) -> R) -> R {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
