import Prometheus
import Synchronization

/// keepalivedd's Prometheus metrics: the one owner of the collector registry.
///
/// Two kinds of input:
/// - samples taken at scrape time (VRRP instances, health state), through providers the daemon sets
///   after init; counters in VRRP samples are absolute totals and are turned into increases here;
/// - events the engines report as they happen (check results, IPVS operations); these are cheap
///   (a lock and an atomic add) and may be called from any queue.
///
/// ``render()`` calls the providers, applies their samples and returns the text exposition.
public final class DaemonMetrics: Sendable {
    /// Provides a sample of every VRRP instance.
    public typealias VRRPSampleProvider = @Sendable () -> [VRRPMetricsSample]
    /// Provides a sample of every virtual server and its real servers.
    public typealias HealthSampleProvider = @Sendable () -> [VirtualServerMetricsSample]

    /// The registry the metrics live in (for tests or for adding more collectors).
    public let registry: PrometheusCollectorRegistry

    private struct Providers {
        var vrrp: VRRPSampleProvider?
        var health: HealthSampleProvider?
    }

    /// What the sample side remembers between scrapes.
    private struct SampleState {
        var totals = CounterTotals()
        var instances: Set<String> = []
        var realServers: Set<RealServerKey> = []
        var virtualServers: Set<String> = []
    }

    private struct RealServerKey: Hashable {
        var virtualServer: String
        var realServer: String
    }

    private let providers = Mutex(Providers())
    /// Held for a whole scrape (providers and apply), so samples are applied in the order taken.
    private let sampleState = Mutex(SampleState())

    /// Creates the metrics with an empty registry; `keepalivedd_ipvs_errors_total` starts at 0.
    public init() {
        registry = PrometheusCollectorRegistry()
        _ = registry.makeCounter(descriptor: MetricNames.ipvsErrors.descriptor)
    }

    /// The VRRP sample provider, called at each scrape; nil for none (no VRRP metrics).
    public var vrrpSampleProvider: VRRPSampleProvider? {
        get { providers.withLock { $0.vrrp } }
        set { providers.withLock { $0.vrrp = newValue } }
    }

    /// The health sample provider, called at each scrape; nil for none.
    public var healthSampleProvider: HealthSampleProvider? {
        get { providers.withLock { $0.health } }
        set { providers.withLock { $0.health = newValue } }
    }

    // MARK: Events

    /// Records one finished health check: its duration, and a failure if it failed.
    public func checkFinished(
        virtualServer: String, realServer: String, checker: String, succeeded: Bool, duration: Duration
    ) {
        checkSeries(virtualServer: virtualServer, realServer: realServer, checker: checker)
            .record(succeeded: succeeded, duration: duration)
    }

    /// The series of one checker, looked up once: recording through it costs no registry lookup,
    /// which matters at thousands of checks per second.
    public func checkSeries(virtualServer: String, realServer: String, checker: String) -> CheckSeries {
        let labels = [("virtual_server", virtualServer), ("real_server", realServer), ("checker", checker)]
        return CheckSeries(
            duration: registry.makeDurationHistogram(descriptor: MetricNames.checkDuration.descriptor, labels: labels,
                                                     buckets: MetricNames.checkDurationBuckets),
            failures: registry.makeCounter(descriptor: MetricNames.checkFailures.descriptor, labels: labels))
    }

    /// Counts IPVS operations of one kind (for example `"add_service"`, `"edit_dest"`).
    public func ipvsOperations(count: Int, kind: String) {
        guard count > 0 else { return }
        registry.makeCounter(descriptor: MetricNames.ipvsOperations.descriptor, labels: [("kind", kind)])
            .increment(by: Int64(count))
    }

    /// Counts IPVS operations the kernel refused.
    public func ipvsErrors(count: Int) {
        guard count > 0 else { return }
        registry.makeCounter(descriptor: MetricNames.ipvsErrors.descriptor).increment(by: Int64(count))
    }

    // MARK: Samples

    /// Applies VRRP samples: sets the state gauges, adds counter increases since the previous sample,
    /// and removes the series of instances no longer reported.
    public func apply(vrrp samples: [VRRPMetricsSample]) {
        sampleState.withLock { state in apply(vrrp: samples, to: &state) }
    }

    /// Applies health samples: sets up, weight and quorum gauges, and removes the series of servers
    /// no longer reported.
    public func apply(health samples: [VirtualServerMetricsSample]) {
        sampleState.withLock { state in apply(health: samples, to: &state) }
    }

    /// Takes fresh samples from the providers, applies them and returns the Prometheus text
    /// exposition (format 0.0.4).
    public func render() -> String {
        let current = providers.withLock { $0 }
        sampleState.withLock { state in
            if let vrrp = current.vrrp { apply(vrrp: vrrp(), to: &state) }
            if let health = current.health { apply(health: health(), to: &state) }
        }
        return registry.emitToString()
    }

    private func apply(vrrp samples: [VRRPMetricsSample], to state: inout SampleState) {
        var seen: Set<String> = []
        for sample in samples {
            seen.insert(sample.instance)
            let instance = [("instance", sample.instance)]
            registry.makeGauge(descriptor: MetricNames.vrrpState.descriptor, labels: instance)
                .set(to: Double(sample.state))
            let counters: [(MetricName, Int)] = [
                (MetricNames.vrrpTransitions, sample.transitions),
                (MetricNames.vrrpAdvertsSent, sample.advertsSent),
                (MetricNames.vrrpAdvertsReceived, sample.advertsReceived),
            ]
            for (metric, total) in counters {
                add(metric, labels: instance, total: total, to: &state.totals)
            }
            for (reason, total) in sample.drops {
                add(MetricNames.vrrpDropped, labels: instance + [("reason", reason)], total: total, to: &state.totals)
            }
        }
        for gone in state.instances.subtracting(seen) {
            removeInstance(gone, totals: &state.totals)
        }
        state.instances = seen
    }

    private func add(
        _ metric: MetricName, labels: [(String, String)], total: Int, to totals: inout CounterTotals
    ) {
        let key = CounterTotals.Key(metric: metric.name, labels: labels.map(\.1))
        let increase = totals.increase(for: key, total: total)
        let counter = registry.makeCounter(descriptor: metric.descriptor, labels: labels)
        if increase > 0 { counter.increment(by: Int64(increase)) }
    }

    private func removeInstance(_ instance: String, totals: inout CounterTotals) {
        registry.unregisterGauge(
            registry.makeGauge(descriptor: MetricNames.vrrpState.descriptor, labels: [("instance", instance)]))
        let metrics = [
            MetricNames.vrrpTransitions, MetricNames.vrrpAdvertsSent, MetricNames.vrrpAdvertsReceived,
            MetricNames.vrrpDropped,
        ]
        for key in totals.keys(whereFirstLabelIs: instance) {
            guard let metric = metrics.first(where: { $0.name == key.metric }) else { continue }
            var labels = [("instance", instance)]
            if key.labels.count == 2 { labels.append(("reason", key.labels[1])) }
            registry.unregisterCounter(registry.makeCounter(descriptor: metric.descriptor, labels: labels))
            totals.forget(key)
        }
    }

    private func apply(health samples: [VirtualServerMetricsSample], to state: inout SampleState) {
        var seenVirtual: Set<String> = []
        var seenReal: Set<RealServerKey> = []
        for sample in samples {
            seenVirtual.insert(sample.virtualServer)
            quorumGauge(sample.virtualServer).set(to: sample.quorumUp ? 1 : 0)
            for real in sample.realServers {
                let key = RealServerKey(virtualServer: sample.virtualServer, realServer: real.realServer)
                seenReal.insert(key)
                upGauge(key).set(to: real.up ? 1 : 0)
                weightGauge(key).set(to: Double(real.weight))
            }
        }
        for gone in state.virtualServers.subtracting(seenVirtual) {
            registry.unregisterGauge(quorumGauge(gone))
        }
        for gone in state.realServers.subtracting(seenReal) {
            registry.unregisterGauge(upGauge(gone))
            registry.unregisterGauge(weightGauge(gone))
        }
        state.virtualServers = seenVirtual
        state.realServers = seenReal
    }

    private func quorumGauge(_ virtualServer: String) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNames.virtualServerQuorum.descriptor, labels: [("virtual_server", virtualServer)])
    }

    private func upGauge(_ key: RealServerKey) -> Gauge {
        registry.makeGauge(descriptor: MetricNames.realServerUp.descriptor, labels: realServerLabels(key))
    }

    private func weightGauge(_ key: RealServerKey) -> Gauge {
        registry.makeGauge(descriptor: MetricNames.realServerWeight.descriptor, labels: realServerLabels(key))
    }

    private func realServerLabels(_ key: RealServerKey) -> [(String, String)] {
        [("virtual_server", key.virtualServer), ("real_server", key.realServer)]
    }
}

/// One checker's duration histogram and failure counter.
public struct CheckSeries: Sendable {
    let duration: DurationHistogram
    let failures: Counter

    /// Records one finished attempt.
    public func record(succeeded: Bool, duration: Duration) {
        self.duration.record(max(duration, .zero))
        if !succeeded { failures.increment() }
    }
}
