import Prometheus

/// The names, help texts and histogram buckets of keepalivedd's Prometheus metrics.
enum MetricNames {
    static let vrrpState = descriptor("keepalivedd_vrrp_state", "VRRP instance state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.")
    static let vrrpTransitions = descriptor("keepalivedd_vrrp_transitions_total", "VRRP instance state changes.")
    static let vrrpAdvertsSent = descriptor("keepalivedd_vrrp_adverts_sent_total", "VRRP adverts sent.")
    static let vrrpAdvertsReceived = descriptor("keepalivedd_vrrp_adverts_received_total", "VRRP adverts received.")
    static let vrrpDropped = descriptor("keepalivedd_vrrp_dropped_total", "VRRP packets dropped, by reason.")

    static let checkDuration = descriptor("keepalivedd_check_duration_seconds", "Health check duration.")
    static let checkFailures = descriptor("keepalivedd_check_failures_total", "Health checks that failed.")
    static let realServerUp = descriptor("keepalivedd_real_server_up", "Real server in service (1) or not (0).")
    static let realServerWeight = descriptor("keepalivedd_real_server_weight", "Real server current weight.")
    static let virtualServerQuorum = descriptor("keepalivedd_virtual_server_quorum", "Virtual server quorum met (1) or not (0).")

    static let ipvsOperations = descriptor("keepalivedd_ipvs_operations_total", "IPVS operations sent to the kernel, by kind.")
    static let ipvsErrors = descriptor("keepalivedd_ipvs_errors_total", "IPVS operations the kernel refused.")

    /// Health check duration buckets: 1 ms to 10 s.
    static let checkDurationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10),
    ]

    private static func descriptor(_ name: String, _ help: String) -> MetricName {
        MetricName(name: name, help: help)
    }
}

/// A metric's full name and help text (Sendable, unlike `MetricNameDescriptor`).
struct MetricName: Sendable {
    let name: String
    let help: String

    /// The descriptor the registry takes.
    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
