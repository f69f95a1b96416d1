import ConfParser
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// One ICMP request on a raw socket, watched by a Dispatch read source (no thread waits).
///
/// `@unchecked Sendable`: the mutable state (`finished`, the sources) is touched only on `queue`.
final class ProbeICMPExchange: @unchecked Sendable {
    enum Outcome: Sendable, Equatable { case reply, timeout, socketError }

    private let fd: Int32
    private let matches: @Sendable ([UInt8]) -> Bool
    private let report: @Sendable (Outcome) -> Void
    private let queue = DispatchQueue(label: "keepalivedd.probe.icmp")
    private var finished = false
    private var reader: (any DispatchSourceRead)?
    private var timer: (any DispatchSourceTimer)?

    private init(fd: Int32, matches: @escaping @Sendable ([UInt8]) -> Bool, report: @escaping @Sendable (Outcome) -> Void) {
        self.fd = fd
        self.matches = matches
        self.report = report
    }

    /// Sends `request` to the endpoint's connect address (from its bind address, when given) and
    /// waits up to `timeout` seconds for a packet `matches` accepts.
    static func run(endpoint: ProbeEndpoint, request: [UInt8], timeout: Double,
                    matches: @escaping @Sendable ([UInt8]) -> Bool) async -> Outcome {
        let isIPv6 = endpoint.connectIP.isIPv6
        let fd = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                        Int32(isIPv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
        guard fd >= 0 else { return .socketError }
        if let bind = endpoint.bindIP, !withSocketAddress(bind, { Glibc.bind(fd, $0, $1) == 0 }) {
            close(fd)
            return .socketError
        }
        let sent = withSocketAddress(endpoint.connectIP) { address, length in
            request.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) == request.count }
        }
        guard sent else {
            close(fd)
            return .socketError
        }
        return await withCheckedContinuation { continuation in
            ProbeICMPExchange(fd: fd, matches: matches) { continuation.resume(returning: $0) }.start(timeout: timeout)
        }
    }

    private func start(timeout: Double) {
        queue.async { [self] in
            let reader = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            reader.setEventHandler { [self] in readPackets() }
            reader.setCancelHandler { [fd] in close(fd) }
            self.reader = reader
            reader.resume()
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + max(timeout, 0.001))
            timer.setEventHandler { [self] in finish(.timeout) }
            self.timer = timer
            timer.resume()
        }
    }

    private func readPackets() {
        var buffer = [UInt8](repeating: 0, count: 1500)
        while !finished {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            if matches(Array(buffer[0..<count])) { finish(.reply) }
        }
    }

    private func finish(_ outcome: Outcome) {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        reader?.cancel()
        report(outcome)
    }

    /// Calls `body` with `address` as a sockaddr (port 0).
    static func withSocketAddress<Result>(_ address: IPAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        let text = address.description
        if address.isIPv6 {
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            _ = inet_pton(AF_INET6, text, &storage.sin6_addr)
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        var storage = sockaddr_in()
        storage.sin_family = sa_family_t(AF_INET)
        _ = inet_pton(AF_INET, text, &storage.sin_addr)
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
