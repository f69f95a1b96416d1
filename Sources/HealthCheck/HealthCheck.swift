import ConfParser

/// Health checkers (TCP_CHECK, HTTP_GET, ...) and the per-real-server health record.
///
/// The HealthCheck issue fills this module in; the foundation only names it.
public enum HealthCheckModule {
    /// Checker kinds this build knows about, as spelled in keepalived.conf.
    public static let checkerKeywords = CheckerKind.allCases.map(\.rawValue)
}
