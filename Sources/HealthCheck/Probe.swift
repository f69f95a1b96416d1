import ConfParser

/// The outcome of one check attempt of one checker (one TCP connect, one HTTP GET of every url,
/// one MISC script run, ...). Retries, alpha, up/down transitions and their log lines are decided
/// by the pure health core from a sequence of these, never by the probe.
public struct ProbeResult: Sendable, Equatable {
    /// Whether the attempt succeeded.
    public var succeeded: Bool
    /// keepalived's line for a success, logged when the checker goes up, e.g.
    /// `TCP connection to [10.0.0.2]:tcp:80 success.` or
    /// `HTTP status code success to [10.0.0.2]:tcp:80 url(/)`.
    public var successMessage: String?
    /// Why the attempt failed, as keepalived words it (logged with -D or log_all_failures), e.g.
    /// `TCP connection to [10.0.0.2]:tcp:80 failed.`
    public var failureMessage: String?
    /// MISC_CHECK with `misc_dynamic`: exit status 2...255 sets the real server's weight to
    /// status - 2 (and counts as success). nil otherwise.
    public var dynamicWeight: Int?

    public init(succeeded: Bool, successMessage: String? = nil, failureMessage: String? = nil, dynamicWeight: Int? = nil) {
        self.succeeded = succeeded
        self.successMessage = successMessage
        self.failureMessage = failureMessage
        self.dynamicWeight = dynamicWeight
    }

    public static func success(_ message: String?, dynamicWeight: Int? = nil) -> ProbeResult {
        ProbeResult(succeeded: true, successMessage: message, dynamicWeight: dynamicWeight)
    }

    public static func failure(_ message: String?) -> ProbeResult {
        ProbeResult(succeeded: false, failureMessage: message)
    }
}

/// One checker's I/O: performs a single attempt and reports it. Implementations never block a
/// thread (NIO event loops, child processes watched by Dispatch) and finish within their own
/// timeout (`connect_timeout`, `misc_timeout`), so the caller needs no timer of its own.
public protocol HealthProbe: Sendable {
    /// Runs one attempt. Never throws: every error is a failed `ProbeResult`.
    func run() async -> ProbeResult
}
