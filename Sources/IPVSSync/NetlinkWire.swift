/// Netlink wire format (linux/netlink.h, linux/genetlink.h) as plain bytes, written and read in
/// Swift so the IPVS messages are pure values that unit tests compare byte for byte.
///
/// Netlink integers are in the host's byte order (little-endian on every platform keepalivedd
/// runs on); ports and IPv4 netmasks inside IPVS attributes are big-endian, as the kernel wants.
public enum NetlinkConstants {
    /// sizeof(struct nlmsghdr).
    public static let headerLength = 16
    /// sizeof(struct genlmsghdr).
    public static let genlHeaderLength = 4
    /// sizeof(struct nlattr).
    public static let attributeHeaderLength = 4

    public static let flagRequest: UInt16 = 0x0001
    public static let flagMulti: UInt16 = 0x0002
    public static let flagAck: UInt16 = 0x0004
    /// NLM_F_ROOT | NLM_F_MATCH.
    public static let flagDump: UInt16 = 0x0300
    /// NLM_F_CAPPED in an error message: the echoed request is the header only.
    public static let flagCapped: UInt16 = 0x0100
    /// NLM_F_ACK_TLVS in an error message: extended-ack attributes follow.
    public static let flagAckTLVs: UInt16 = 0x0200

    public static let typeNoop: UInt16 = 1
    public static let typeError: UInt16 = 2
    public static let typeDone: UInt16 = 3

    /// NLMSGERR_ATTR_MSG: the kernel's extended-ack message text.
    public static let errorAttributeMessage: UInt16 = 1
    /// NLA_F_NESTED | NLA_F_NET_BYTEORDER: bits of nla_type that are not the attribute number.
    public static let attributeTypeMask: UInt16 = 0x3fff

    /// Rounds up to netlink's 4-byte alignment (NLMSG_ALIGN / NLA_ALIGN).
    @inline(__always)
    public static func align(_ length: Int) -> Int { (length + 3) & ~3 }
}

/// Builds one netlink message: header, generic netlink header, attributes (nested ones included),
/// with lengths filled in and padding zeroed.
public struct NetlinkMessageWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var openNests: [Int] = []

    /// Starts a generic netlink message for `family` (the resolved family id, the nlmsg_type).
    public init(family: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32 = 0, command: UInt8, version: UInt8) {
        bytes.reserveCapacity(128)
        appendInteger(UInt32(0))  // nlmsg_len, set by `finish`
        appendInteger(family)
        appendInteger(flags)
        appendInteger(sequence)
        appendInteger(portID)
        bytes.append(command)
        bytes.append(version)
        appendInteger(UInt16(0))  // reserved
    }

    private mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    private mutating func setUInt16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(truncatingIfNeeded: value)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    /// An attribute with raw payload bytes.
    public mutating func put(_ type: UInt16, bytes payload: some Collection<UInt8>) {
        appendInteger(UInt16(NetlinkConstants.attributeHeaderLength + payload.count))
        appendInteger(type)
        bytes.append(contentsOf: payload)
        pad()
    }

    public mutating func put(_ type: UInt16, u8 value: UInt8) { put(type, bytes: CollectionOfOne(value)) }

    /// A native-order 16-bit attribute (NLA_U16).
    public mutating func put(_ type: UInt16, u16 value: UInt16) {
        put(type, bytes: [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)])
    }

    /// A big-endian 16-bit attribute (ports).
    public mutating func put(_ type: UInt16, be16 value: UInt16) {
        put(type, bytes: [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }

    /// A native-order 32-bit attribute (NLA_U32).
    public mutating func put(_ type: UInt16, u32 value: UInt32) {
        put(type, bytes: withUnsafeBytes(of: value.littleEndian) { Array($0) })
    }

    /// A big-endian 32-bit attribute (IPv4 netmask).
    public mutating func put(_ type: UInt16, be32 value: UInt32) {
        put(type, bytes: withUnsafeBytes(of: value.bigEndian) { Array($0) })
    }

    /// A NUL-terminated string attribute (NLA_NUL_STRING / NLA_STRING as libnl's nla_put_string).
    public mutating func put(_ type: UInt16, string: String) {
        put(type, bytes: Array(string.utf8) + [0])
    }

    /// Opens a nested attribute; close it with `endNest()`.
    public mutating func beginNest(_ type: UInt16) {
        openNests.append(bytes.count)
        appendInteger(UInt16(0))
        appendInteger(type)
    }

    public mutating func endNest() {
        let start = openNests.removeLast()
        setUInt16(UInt16(bytes.count - start), at: start)
    }

    /// The finished message with nlmsg_len set.
    public func finish() -> [UInt8] {
        precondition(openNests.isEmpty, "unclosed netlink nest")
        var message = bytes
        let length = UInt32(message.count)
        for index in 0..<4 { message[index] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(index))) }
        return message
    }
}

/// One netlink message inside a received buffer.
public struct NetlinkMessageView: Sendable {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    public var portID: UInt32
    /// Everything after the 16-byte header.
    public var payload: ArraySlice<UInt8>
}

/// Reading integers and attributes from netlink bytes (host order unless named big-endian).
public enum NetlinkRead {
    @inline(__always)
    public static func u16(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    @inline(__always)
    public static func u32(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    /// Splits a buffer into messages; stops at a truncated or malformed one.
    public static func messages(_ buffer: [UInt8]) -> [NetlinkMessageView] {
        var result: [NetlinkMessageView] = []
        let all = buffer[...]
        var offset = 0
        while offset + NetlinkConstants.headerLength <= buffer.count {
            let length = Int(u32(all, at: offset))
            guard length >= NetlinkConstants.headerLength, offset + length <= buffer.count else { break }
            result.append(NetlinkMessageView(
                type: u16(all, at: offset + 4), flags: u16(all, at: offset + 6),
                sequence: u32(all, at: offset + 8), portID: u32(all, at: offset + 12),
                payload: all[(offset + NetlinkConstants.headerLength)..<(offset + length)]))
            offset += NetlinkConstants.align(length)
        }
        return result
    }

    /// The attributes in `bytes` by attribute number (flags masked off); the last one wins.
    public static func attributes(_ bytes: ArraySlice<UInt8>) -> [UInt16: ArraySlice<UInt8>] {
        var result: [UInt16: ArraySlice<UInt8>] = [:]
        var offset = bytes.startIndex
        while offset + NetlinkConstants.attributeHeaderLength <= bytes.endIndex {
            let length = Int(u16(bytes, at: offset))
            guard length >= NetlinkConstants.attributeHeaderLength, offset + length <= bytes.endIndex else { break }
            let type = u16(bytes, at: offset + 2) & NetlinkConstants.attributeTypeMask
            result[type] = bytes[(offset + NetlinkConstants.attributeHeaderLength)..<(offset + length)]
            offset += NetlinkConstants.align(length)
        }
        return result
    }
}

extension ArraySlice where Element == UInt8 {
    /// The payload as a native-order integer when it is exactly that long.
    var netlinkU8: UInt8? { count == 1 ? self[startIndex] : nil }
    var netlinkU16: UInt16? { count >= 2 ? NetlinkRead.u16(self, at: startIndex) : nil }
    var netlinkU32: UInt32? { count >= 4 ? NetlinkRead.u32(self, at: startIndex) : nil }
    /// A big-endian 16-bit payload (ports).
    var netlinkBE16: UInt16? { count >= 2 ? UInt16(self[startIndex]) << 8 | UInt16(self[startIndex + 1]) : nil }
    /// A big-endian 32-bit payload (IPv4 netmask).
    var netlinkBE32: UInt32? {
        guard count >= 4 else { return nil }
        let start = startIndex
        return UInt32(self[start]) << 24 | UInt32(self[start + 1]) << 16 | UInt32(self[start + 2]) << 8 | UInt32(self[start + 3])
    }
    /// A string payload up to its first NUL.
    var netlinkString: String {
        let end = firstIndex(of: 0) ?? endIndex
        return String(decoding: self[startIndex..<end], as: UTF8.self)
    }
}
