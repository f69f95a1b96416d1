#if canImport(Glibc)
import Glibc
#endif

/// A failed system or netlink call of the VRRP I/O shell, with the kernel's errno and message.
public struct VRRPIOError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What was being done, e.g. `open VRRP socket on eth0`.
    public var operation: String
    /// The errno value (positive).
    public var code: Int32
    /// The kernel's text for `code` (strerror), e.g. `File exists`.
    public var message: String
    /// The kernel's extended ACK text for a netlink request, e.g. `ipv4: Invalid scope value.`
    public var kernelDetail: String?

    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        self.message = String(cString: strerror(code))
    }

    /// Builds the error from a shim result of `-errno`.
    init(operation: String, negativeErrno: Int) {
        self.init(operation: operation, code: Int32(truncatingIfNeeded: -negativeErrno))
    }

    public var description: String {
        let detail = kernelDetail.map { " - \($0)" } ?? ""
        return "\(operation): \(message)\(detail) (errno \(code))"
    }
}
