import Foundation

/// An AF_UNIX datagram socket bound to a temp-dir path or an abstract name, standing in for
/// systemd's notify socket in tests.
final class DatagramListener {
    let fd: Int32
    /// The value to put in NOTIFY_SOCKET.
    let notifySocketValue: String
    private let directory: URL?

    /// Binds to `<temp dir>/notify` (or the abstract name `@name` when `abstractName` is given).
    init(abstractName: String? = nil) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var pathBytes: [UInt8]
        if let abstractName {
            directory = nil
            notifySocketValue = "@" + abstractName
            pathBytes = [0] + Array(abstractName.utf8)
        } else {
            let dir = URL(fileURLWithPath: NSTemporaryDirectory())
                .appendingPathComponent("kad-notify-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            directory = dir
            notifySocketValue = dir.appendingPathComponent("notify").path
            pathBytes = Array(notifySocketValue.utf8) + [0]
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard result == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
    }

    deinit {
        close(fd)
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// The next datagram as text, or nil when none arrives within `timeout` seconds.
    func receive(timeout: Double = 2) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
