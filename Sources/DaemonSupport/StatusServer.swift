import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why the status socket could not be set up.
public enum StatusServerError: Error, Sendable, CustomStringConvertible {
    /// Another process answers on the path (a keepalivedd already running).
    case alreadyRunning(socketPath: String)
    /// Binding, restricting or moving the socket into place failed.
    case setupFailed(socketPath: String, reason: String)

    public var description: String {
        switch self {
        case .alreadyRunning(let path): "another process already answers on the status socket \(path)"
        case .setupFailed(let path, let reason): "cannot create the status socket \(path): \(reason)"
        }
    }
}

/// The daemon's side of `keepalivedd status`: a Unix stream socket, root-only through its mode
/// 0600, that answers every connection with the provider's `StatusReport` as JSON and closes.
///
/// The socket is bound under a temporary name, restricted to 0600 and only then renamed to
/// `socketPath`, so it never appears with a wider mode. Connections are accepted by a Dispatch
/// read source; each report is made and written on a global Dispatch queue, never on the engines'
/// queues. No event loop is kept for it: a daemon whose checkers do not use NIO runs no NIO thread.
public final class StatusServer: Sendable {
    /// keepalivedd's default status socket.
    public static let defaultSocketPath = "/run/keepalivedd.sock"
    /// How long a client that stops reading may hold a reply's writer.
    static let writeTimeoutSeconds = 5

    public let socketPath: String
    private let provider: @Sendable () -> StatusReport
    private let queue = DispatchQueue(label: "keepalivedd.status")
    private let listener = Mutex<ListeningSource?>(nil)

    /// The accepting source (Dispatch sources may be used from any thread; the type does not say so).
    private struct ListeningSource: @unchecked Sendable {
        let source: any DispatchSourceRead
    }

    /// - Parameters:
    ///   - socketPath: where the socket is created (and removed on `stop()`).
    ///   - provider: asked for a fresh report on each connection.
    public init(socketPath: String = StatusServer.defaultSocketPath, provider: @escaping @Sendable () -> StatusReport) {
        self.socketPath = socketPath
        self.provider = provider
    }

    /// Creates the socket and starts answering.
    public func start() throws(StatusServerError) {
        if StatusClient.isAnswering(socketPath: socketPath) {
            throw .alreadyRunning(socketPath: socketPath)
        }
        let temporary = socketPath + ".\(getpid()).new"
        guard let address = UnixSocketAddress(path: temporary) else {
            throw .setupFailed(socketPath: socketPath, reason: "path longer than \(UnixSocketAddress.capacity - 1) bytes")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .setupFailed(socketPath: socketPath, reason: String(cString: strerror(errno))) }
        unlink(temporary)
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0, listen(fd, 32) == 0,
              chmod(temporary, 0o600) == 0, rename(temporary, socketPath) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw .setupFailed(socketPath: socketPath, reason: reason)
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let provider = self.provider
        source.setEventHandler {
            // Accepted sockets block (O_NONBLOCK is not inherited on Linux); the write has a timeout.
            while case let connection = accept(fd, nil, nil), connection >= 0 {
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                DispatchQueue.global().async { Self.reply(on: connection, with: provider) }
            }
        }
        source.setCancelHandler { close(fd) }
        listener.withLock { $0 = ListeningSource(source: source) }
        source.resume()
    }

    /// Stops answering and removes the socket file.
    public func stop() {
        let listening = listener.withLock { current -> ListeningSource? in
            defer { current = nil }
            return current
        }
        guard let listening else { return }
        listening.source.cancel()
        unlink(socketPath)
    }

    /// Writes one report on a new connection, then closes it; whatever the client sends is ignored.
    private static func reply(on connection: Int32, with provider: @Sendable () -> StatusReport) {
        defer { close(connection) }
        var limit = timeval(tv_sec: writeTimeoutSeconds, tv_usec: 0)
        _ = setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var bytes = (try? provider().jsonData()) ?? Data()
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = send(connection, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
