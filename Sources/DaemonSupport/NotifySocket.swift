import Foundation

/// The datagram destination named by `$NOTIFY_SOCKET`: a filesystem path (`/run/systemd/notify`)
/// or a Linux abstract socket name (`@name`, sent with a leading NUL byte).
///
/// Each ``send(_:)`` opens an `AF_UNIX`/`SOCK_DGRAM` socket, sends one datagram with `sendto(2)`
/// and closes it, so the value holds no descriptor and is freely shareable.
public struct NotifySocket: Sendable, Equatable {
    /// The address bytes placed in `sun_path` (abstract names start with a NUL byte).
    public let pathBytes: [UInt8]

    /// Parses `$NOTIFY_SOCKET`. Only absolute paths and `@` abstract names are accepted
    /// (as systemd documents); anything else, or a name too long for `sun_path`, yields nil.
    public init?(environmentValue value: String) {
        var bytes = Array(value.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        guard bytes.count > 1 || first == UInt8(ascii: "/") else { return nil }
        if first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard !bytes.dropFirst().contains(0) else { return nil }
        let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        // A filesystem path needs room for its terminating NUL; an abstract name does not.
        guard bytes.count + (bytes[0] == 0 ? 0 : 1) <= capacity else { return nil }
        self.pathBytes = bytes
    }

    /// Whether this is an abstract-namespace address.
    public var isAbstract: Bool { pathBytes.first == 0 }

    /// Sends `payload` as one datagram; true when the kernel accepted all of it.
    public func send(_ payload: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        // Abstract names are exactly their bytes long; paths carry their NUL terminator.
        let length = socklen_t(pathOffset + pathBytes.count + (isAbstract ? 0 : 1))
        let bytes = Array(payload.utf8)
        let sent = bytes.withUnsafeBytes { body in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    sendto(fd, body.baseAddress, body.count, Int32(MSG_NOSIGNAL), generic, length)
                }
            }
        }
        return sent == bytes.count
    }
}
