import ConfParser

/// The outcome of one check attempt of one checker (one TCP connect, one HTTP GET of every url,
/// one MISC script run, ...). Retries, alpha, up/down transitions and their log lines are decided
/// by the pure health core from a sequence of these, never by the probe.
public struct ProbeResult: Sendable, Equatable {
    /// Whether the attempt succeeded.
    public var succeeded: Bool
    /// MISC_CHECK with `misc_dynamic`: exit status 2...255 sets the real server's weight to
    /// status - 2 (and counts as success). nil otherwise.
    public var dynamicWeight: Int?
    private var success: ProbeMessage?
    private var failure: ProbeMessage?

    /// keepalived's line for a success, logged when the checker goes up, e.g.
    /// `TCP connection to [10.0.0.2]:tcp:80 success.` or
    /// `HTTP status code success to [10.0.0.2]:tcp:80 url(/)`.
    public var successMessage: String? {
        get { success?.text }
        set { success = newValue.map(ProbeMessage.init) }
    }

    /// Why the attempt failed, as keepalived words it (logged with -D or log_all_failures), e.g.
    /// `TCP connection to [10.0.0.2]:tcp:80 failed.`
    public var failureMessage: String? {
        get { failure?.text }
        set { failure = newValue.map(ProbeMessage.init) }
    }

    /// The message of the outcome (the success message of a success, the failure message of a
    /// failure), not yet put together.
    public var outcomeMessage: ProbeMessage? { succeeded ? success : failure }

    public init(succeeded: Bool, successMessage: String? = nil, failureMessage: String? = nil, dynamicWeight: Int? = nil) {
        self.succeeded = succeeded
        success = successMessage.map(ProbeMessage.init)
        failure = failureMessage.map(ProbeMessage.init)
        self.dynamicWeight = dynamicWeight
    }

    /// A result whose message is put together only when read (a check that runs thousands of
    /// times a second and is rarely logged).
    init(succeeded: Bool, message: ProbeMessage) {
        self.succeeded = succeeded
        if succeeded { success = message } else { failure = message }
    }

    public static func success(_ message: String?, dynamicWeight: Int? = nil) -> ProbeResult {
        ProbeResult(succeeded: true, successMessage: message, dynamicWeight: dynamicWeight)
    }

    public static func failure(_ message: String?) -> ProbeResult {
        ProbeResult(succeeded: false, failureMessage: message)
    }

    public static func == (a: ProbeResult, b: ProbeResult) -> Bool {
        a.succeeded == b.succeeded && a.dynamicWeight == b.dynamicWeight
            && a.successMessage == b.successMessage && a.failureMessage == b.failureMessage
    }
}

/// A probe's message, kept as its parts until it is read: a TCP_CHECK's outcome with the real
/// server's label is worded only when a log line or the status asks for it.
public struct ProbeMessage: Sendable {
    /// How a TCP_CHECK connection ended, in keepalived's words.
    enum TCPOutcome: String, Sendable {
        case success = " success.", timeout = " timeout.", failed = " failed."
    }

    private enum Wording: Sendable {
        case text(String)
        case tcp(TCPOutcome, ServiceLabel)
    }

    private let wording: Wording

    init(_ text: String) {
        wording = .text(text)
    }

    /// `TCP connection to [RIP]:tcp:PORT success.` (or `timeout.`, `failed.`).
    init(tcp outcome: TCPOutcome, to label: ServiceLabel) {
        wording = .tcp(outcome, label)
    }

    /// The message.
    public var text: String {
        switch wording {
        case .text(let text): return text
        case .tcp(let outcome, let label): return "TCP connection to \(label)\(outcome.rawValue)"
        }
    }
}

/// One checker's I/O: performs a single attempt and reports it. Implementations never block a
/// thread (NIO event loops, child processes watched by Dispatch) and finish within their own
/// timeout (`connect_timeout`, `misc_timeout`), so the caller needs no timer of its own.
public protocol HealthProbe: Sendable {
    /// Runs one attempt. Never throws: every error is a failed `ProbeResult`.
    func run() async -> ProbeResult
}
