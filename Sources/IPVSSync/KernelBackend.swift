import CNetlink
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's IPVS table over generic netlink (family "IPVS"), through libnl-genl for the socket
/// and family resolution; the messages themselves are IPVSNetlinkMessages' bytes.
///
/// Kernel errors come back as `IPVSError` with the positive errno and the kernel's extended-ack
/// message when it gives one (strerror otherwise). Whether EEXIST / ENOENT count as success is the
/// caller's rule (`IPVSSync.apply`), as in keepalived. Requests are serialised by a lock: one
/// outstanding request per socket.
public final class KernelBackend: IPVSBackend {
    /// The resolved id of the "IPVS" generic netlink family.
    public let familyID: UInt16
    private let connection: Mutex<NetlinkConnection>

    /// Opens a generic netlink socket and resolves the IPVS family; when the family is missing and
    /// `loadModule` is set, runs `modprobe ip_vs` once and retries (keepalived does the same).
    public init(loadModule: Bool = true) throws {
        let socket = try NetlinkConnection()
        var family = genl_ctrl_resolve(socket.socket, IPVSConstants.genlName)
        if family < 0 && loadModule {
            KernelBackend.runModprobe()
            family = genl_ctrl_resolve(socket.socket, IPVSConstants.genlName)
        }
        guard family > 0 else {
            throw IPVSError(code: IPVSConstants.errnoEPROTONOSUPPORT,
                            message: "IPVS generic netlink family not found (is the ip_vs module loaded?): \(NetlinkConnection.libnlError(family))")
        }
        familyID = UInt16(family)
        connection = Mutex(socket)
    }

    private static func runModprobe() {
        let process = Process()
        let candidates = ["/sbin/modprobe", "/usr/sbin/modprobe", "/bin/modprobe", "/usr/bin/modprobe"]
        guard let path = candidates.first(where: { access($0, X_OK) == 0 }) else { return }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["ip_vs"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return }
        process.waitUntilExit()
    }

    // MARK: IPVSBackend

    public func apply(_ operation: IPVSOperation) throws {
        try connection.withLock { connection in
            let sequence = connection.nextSequence()
            let request = IPVSNetlinkMessages.request(operation, family: familyID, sequence: sequence)
            _ = try connection.transact(request, sequence: sequence, family: familyID, mode: .acknowledged)
        }
    }

    /// Several operations in one netlink write: the kernel handles the messages in order and
    /// acknowledges each, so a plan of thousands of operations costs one send per batch instead of
    /// one round trip per operation. The result has one entry per operation (nil = done).
    public func apply(batch operations: [IPVSOperation]) -> [(any Error)?] {
        connection.withLock { connection in
            var sequences: [UInt32] = []
            var buffer: [UInt8] = []
            sequences.reserveCapacity(operations.count)
            for operation in operations {
                let sequence = connection.nextSequence()
                sequences.append(sequence)
                buffer += IPVSNetlinkMessages.request(operation, family: familyID, sequence: sequence)
                buffer += repeatElement(0, count: NetlinkConstants.align(buffer.count) - buffer.count)
            }
            do {
                let errors = try connection.transactBatch(buffer, sequences: sequences)
                return sequences.map { sequence in errors[sequence].map { $0 as any Error } ?? nil }
            } catch {
                return sequences.map { _ in error }
            }
        }
    }

    public func dump() throws -> IPVSTable {
        var table = IPVSTable(timeouts: try timeouts(), syncDaemons: try syncDaemons())
        for service in try services() {
            table.upsert(IPVSServiceEntry(service: service, destinations: try destinations(of: service.key)))
        }
        return table
    }

    // MARK: Reading

    /// Every virtual service (IPVS_CMD_GET_SERVICE dump), in the kernel's order.
    public func services() throws -> [IPVSService] {
        try dumpMessages { IPVSNetlinkMessages.dumpServices(family: familyID, sequence: $0) }.compactMap { message in
            IPVSNetlinkDecode.topLevelAttributes(message)[IPVSAttribute.cmdService].flatMap(IPVSNetlinkDecode.service)
        }
    }

    /// The destinations of one service (IPVS_CMD_GET_DEST dump).
    public func destinations(of service: IPVSServiceKey) throws -> [IPVSDestination] {
        try dumpMessages { IPVSNetlinkMessages.dumpDestinations(of: service, family: familyID, sequence: $0) }.compactMap { message in
            IPVSNetlinkDecode.topLevelAttributes(message)[IPVSAttribute.cmdDest].flatMap {
                IPVSNetlinkDecode.destination($0, serviceFamily: service.family)
            }
        }
    }

    /// The running connection-sync daemons (IPVS_CMD_GET_DAEMON dump).
    public func syncDaemons() throws -> [IPVSSyncDaemon] {
        try dumpMessages { IPVSNetlinkMessages.dumpDaemons(family: familyID, sequence: $0) }.compactMap { message in
            IPVSNetlinkDecode.topLevelAttributes(message)[IPVSAttribute.cmdDaemon].flatMap(IPVSNetlinkDecode.daemon)
        }
    }

    /// The connection timeouts (IPVS_CMD_GET_CONFIG).
    public func timeouts() throws -> IPVSTimeouts {
        let replies = try connection.withLock { connection in
            let sequence = connection.nextSequence()
            return try connection.transact(IPVSNetlinkMessages.getConfig(family: familyID, sequence: sequence),
                                           sequence: sequence, family: familyID, mode: .reply)
        }
        guard let reply = replies.first else { throw IPVSError(code: EIO, message: "no answer to IPVS_CMD_GET_CONFIG") }
        return IPVSNetlinkDecode.timeouts(IPVSNetlinkDecode.topLevelAttributes(reply))
    }

    /// IPVS version and connection table size (IPVS_CMD_GET_INFO).
    public func info() throws -> IPVSNetlinkDecode.Info {
        let replies = try connection.withLock { connection in
            let sequence = connection.nextSequence()
            return try connection.transact(IPVSNetlinkMessages.getInfo(family: familyID, sequence: sequence),
                                           sequence: sequence, family: familyID, mode: .reply)
        }
        guard let reply = replies.first, let info = IPVSNetlinkDecode.info(IPVSNetlinkDecode.topLevelAttributes(reply)) else {
            throw IPVSError(code: EIO, message: "no answer to IPVS_CMD_GET_INFO")
        }
        return info
    }

    private func dumpMessages(_ build: (UInt32) -> [UInt8]) throws -> [NetlinkMessageView] {
        try connection.withLock { connection in
            let sequence = connection.nextSequence()
            return try connection.transact(build(sequence), sequence: sequence, family: familyID, mode: .dump)
        }
    }
}

/// One libnl generic netlink socket with extended acks enabled; not thread-safe (KernelBackend locks).
final class NetlinkConnection {
    enum Mode {
        /// A command sent with NLM_F_ACK: done at the acknowledgement.
        case acknowledged
        /// A single-message answer (GET_CONFIG, GET_INFO).
        case reply
        /// A multi-part dump, done at NLMSG_DONE.
        case dump
    }

    let socket: OpaquePointer
    private var sequence: UInt32

    init() throws {
        guard let socket = nl_socket_alloc() else { throw IPVSError(code: ENOMEM, message: "cannot allocate a netlink socket") }
        let connected = genl_connect(socket)
        guard connected == 0 else {
            nl_socket_free(socket)
            throw IPVSError(code: EIO, message: "cannot open a generic netlink socket: \(Self.libnlError(connected))")
        }
        self.socket = socket
        sequence = UInt32(truncatingIfNeeded: time(nil))
        nl_socket_enable_msg_peek(socket)
        _ = nl_socket_set_buffer_size(socket, 4 << 20, 1 << 20)
        let fd = nl_socket_get_fd(socket)
        var on: Int32 = 1
        // NETLINK_EXT_ACK (11): error messages carry the kernel's text; NETLINK_CAP_ACK (10): errors
        // do not echo the whole request. SOL_NETLINK is 270.
        _ = setsockopt(fd, 270, 11, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, 270, 10, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { nl_socket_free(socket) }

    static func libnlError(_ code: Int32) -> String {
        guard let text = nl_geterror(code) else { return "libnl error \(code)" }
        return String(cString: text)
    }

    func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    private func send(_ request: [UInt8]) throws {
        let sent = request.withUnsafeBytes { raw in
            nl_sendto(socket, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count)
        }
        guard sent >= 0 else { throw IPVSError(code: EIO, message: "netlink send failed: \(Self.libnlError(sent))") }
    }

    private func receive() throws -> [UInt8] {
        var peer = sockaddr_nl()
        var buffer: UnsafeMutablePointer<UInt8>?
        while true {
            let count = nl_recv(socket, &peer, &buffer, nil)
            defer {
                free(buffer)
                buffer = nil
            }
            if count > 0, let buffer {
                return Array(UnsafeBufferPointer(start: buffer, count: Int(count)))
            }
            if count < 0 {
                throw IPVSError(code: EIO, message: "netlink receive failed: \(Self.libnlError(count))")
            }
        }
    }

    /// Sends `request` and reads until its answer is complete; the family's messages are returned.
    func transact(_ request: [UInt8], sequence: UInt32, family: UInt16, mode: Mode) throws -> [NetlinkMessageView] {
        try send(request)
        var collected: [NetlinkMessageView] = []
        while true {
            for message in NetlinkRead.messages(try receive()) where message.sequence == sequence {
                switch message.type {
                case NetlinkConstants.typeError:
                    let code = Self.errorCode(message)
                    if code != 0 { throw Self.error(from: message, code: code) }
                    return collected
                case NetlinkConstants.typeDone:
                    let code = Self.errorCode(message)
                    if code != 0 { throw Self.error(from: message, code: code) }
                    return collected
                case NetlinkConstants.typeNoop:
                    continue
                default:
                    guard message.type == family else { continue }
                    collected.append(message)
                    if mode == .reply && message.flags & NetlinkConstants.flagMulti == 0 { return collected }
                }
            }
        }
    }

    /// Sends several acknowledged requests in one write and reads until every sequence number in
    /// `sequences` is acknowledged; returns the errors by sequence number (absent = success).
    func transactBatch(_ requests: [UInt8], sequences: [UInt32]) throws -> [UInt32: IPVSError] {
        try send(requests)
        var pending = Set(sequences)
        var errors: [UInt32: IPVSError] = [:]
        while !pending.isEmpty {
            for message in NetlinkRead.messages(try receive()) where message.type == NetlinkConstants.typeError {
                guard pending.remove(message.sequence) != nil else { continue }
                let code = Self.errorCode(message)
                if code != 0 { errors[message.sequence] = Self.error(from: message, code: code) }
            }
        }
        return errors
    }

    /// The positive errno of an NLMSG_ERROR / NLMSG_DONE message (0 for an acknowledgement).
    static func errorCode(_ message: NetlinkMessageView) -> Int32 {
        guard let raw = message.payload.prefix(4).netlinkU32 else { return 0 }
        return -Int32(bitPattern: raw)
    }

    /// An IPVSError with the extended-ack message (NLMSGERR_ATTR_MSG) or strerror's text.
    static func error(from message: NetlinkMessageView, code: Int32) -> IPVSError {
        var text: String?
        if message.type == NetlinkConstants.typeError, message.flags & NetlinkConstants.flagAckTLVs != 0 {
            let payload = message.payload
            let echoed = payload.dropFirst(4)
            var echoedLength = NetlinkConstants.headerLength
            if message.flags & NetlinkConstants.flagCapped == 0, let full = echoed.prefix(4).netlinkU32 {
                echoedLength = Int(full)
            }
            let tlvs = echoed.dropFirst(NetlinkConstants.align(echoedLength))
            text = NetlinkRead.attributes(tlvs)[NetlinkConstants.errorAttributeMessage]?.netlinkString
        }
        let description = text.flatMap { $0.isEmpty ? nil : $0 } ?? String(cString: strerror(code))
        return IPVSError(code: code, message: description)
    }
}
