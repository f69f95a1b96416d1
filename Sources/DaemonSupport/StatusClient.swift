import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why `keepalivedd status` got no report.
public enum StatusClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No socket at the path, or nobody listening on it.
    case notRunning(socketPath: String)
    /// The socket is root-only.
    case permissionDenied(socketPath: String)
    /// Any other socket failure (with the system's words).
    case io(socketPath: String, reason: String)
    /// The daemon answered something that is not a status report.
    case badReply(reason: String)

    public var description: String {
        switch self {
        case .notRunning(let path):
            "keepalivedd is not running (no status socket answers at \(path))"
        case .permissionDenied(let path):
            "permission denied on \(path): the status socket is root-only"
        case .io(let path, let reason):
            "cannot read the status from \(path): \(reason)"
        case .badReply(let reason):
            "the daemon sent an unreadable status report: \(reason)"
        }
    }
}

/// The command's side of the status socket: connect, read to the end, decode.
public enum StatusClient {
    /// Fetches the running daemon's report (blocking, at most `timeout` seconds per read).
    public static func fetch(socketPath: String = StatusServer.defaultSocketPath,
                             timeout: Double = 5) throws(StatusClientError) -> StatusReport {
        let data = try fetchData(socketPath: socketPath, timeout: timeout)
        do {
            return try StatusReport.decode(from: data)
        } catch {
            throw .badReply(reason: "\(error)")
        }
    }

    /// The raw reply (the daemon's JSON).
    public static func fetchData(socketPath: String = StatusServer.defaultSocketPath,
                                 timeout: Double = 5) throws(StatusClientError) -> Data {
        let fd = try connect(socketPath: socketPath, timeout: timeout)
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 {
                return data
            } else if errno != EINTR {
                throw .io(socketPath: socketPath, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// Whether something accepts connections on `socketPath`.
    static func isAnswering(socketPath: String) -> Bool {
        guard let fd = try? connect(socketPath: socketPath, timeout: 1) else { return false }
        close(fd)
        return true
    }

    /// A connected stream socket to `socketPath`, with `timeout` on reads.
    static func connect(socketPath: String, timeout: Double) throws(StatusClientError) -> Int32 {
        guard let address = UnixSocketAddress(path: socketPath) else {
            throw .io(socketPath: socketPath, reason: "path longer than \(UnixSocketAddress.capacity - 1) bytes")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .io(socketPath: socketPath, reason: String(cString: strerror(errno))) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        guard result == 0 else {
            let code = errno
            close(fd)
            switch code {
            case ENOENT, ECONNREFUSED, ENOTDIR: throw .notRunning(socketPath: socketPath)
            case EACCES, EPERM: throw .permissionDenied(socketPath: socketPath)
            default: throw .io(socketPath: socketPath, reason: String(cString: strerror(code)))
            }
        }
        return fd
    }
}
