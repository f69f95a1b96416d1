import Synchronization
import Testing
@testable import DaemonSupport
import VRRP

/// The lines of an exposition, for exact-line checks (the registry's order is not fixed).
func expositionLines(_ text: String) -> Set<String> {
    Set(text.split(separator: "\n").map(String.init))
}

@Suite struct MetricsRenderTests {
    @Test func stateGaugeAndCountersFollowTwoSamplesIncludingAReset() {
        let metrics = DaemonMetrics()
        metrics.apply(vrrp: [
            VRRPMetricsSample(
                instance: "VI_1", state: 2, transitions: 3, advertsSent: 10, advertsReceived: 7,
                drops: ["auth": 2, "ttl": 1])
        ])
        let first = expositionLines(metrics.render())
        #expect(first.contains(#"keepalivedd_vrrp_state{instance="VI_1"} 2.0"#))
        #expect(first.contains(#"keepalivedd_vrrp_transitions_total{instance="VI_1"} 3"#))
        #expect(first.contains(#"keepalivedd_vrrp_adverts_sent_total{instance="VI_1"} 10"#))
        #expect(first.contains(#"keepalivedd_vrrp_adverts_received_total{instance="VI_1"} 7"#))
        #expect(first.contains(#"keepalivedd_vrrp_dropped_total{instance="VI_1",reason="auth"} 2"#))
        #expect(first.contains("# TYPE keepalivedd_vrrp_state gauge"))
        #expect(first.contains("# TYPE keepalivedd_vrrp_transitions_total counter"))

        // Sent went from 10 to 4: the engine restarted, so counting restarts from 4 (10 + 4).
        metrics.apply(vrrp: [
            VRRPMetricsSample(
                instance: "VI_1", state: 1, transitions: 5, advertsSent: 4, advertsReceived: 9,
                drops: ["auth": 2, "ttl": 4])
        ])
        let second = expositionLines(metrics.render())
        #expect(second.contains(#"keepalivedd_vrrp_state{instance="VI_1"} 1.0"#))
        #expect(second.contains(#"keepalivedd_vrrp_transitions_total{instance="VI_1"} 5"#))
        #expect(second.contains(#"keepalivedd_vrrp_adverts_sent_total{instance="VI_1"} 14"#))
        #expect(second.contains(#"keepalivedd_vrrp_adverts_received_total{instance="VI_1"} 9"#))
        #expect(second.contains(#"keepalivedd_vrrp_dropped_total{instance="VI_1",reason="auth"} 2"#))
        #expect(second.contains(#"keepalivedd_vrrp_dropped_total{instance="VI_1",reason="ttl"} 4"#))
    }

    @Test func providersAreSampledAtEachRenderAndVanishedInstancesDisappear() {
        let metrics = DaemonMetrics()
        let script = VRRPSampleScript([
            [VRRPMetricsSample(instance: "VI_1", state: 2, advertsSent: 1),
             VRRPMetricsSample(instance: "VI_2", state: 3, advertsSent: 5, drops: ["vrid": 1])],
            [VRRPMetricsSample(instance: "VI_1", state: 2, advertsSent: 6)],
        ])
        metrics.vrrpSampleProvider = { script.next() }
        metrics.healthSampleProvider = {
            [VirtualServerMetricsSample(virtualServer: "vs", quorumUp: true, realServers: [])]
        }
        let first = expositionLines(metrics.render())
        #expect(first.contains(#"keepalivedd_virtual_server_quorum{virtual_server="vs"} 1.0"#))
        #expect(first.contains(#"keepalivedd_vrrp_state{instance="VI_2"} 3.0"#))
        #expect(first.contains(#"keepalivedd_vrrp_dropped_total{instance="VI_2",reason="vrid"} 1"#))
        let second = metrics.render()
        #expect(expositionLines(second).contains(#"keepalivedd_vrrp_adverts_sent_total{instance="VI_1"} 6"#))
        #expect(!second.contains("VI_2"))
    }

    @Test func stateValuesMatchTheMachineStates() {
        #expect(VRRPMetricsSample.stateValue(.initial) == 0)
        #expect(VRRPMetricsSample.stateValue(.backup) == 1)
        #expect(VRRPMetricsSample.stateValue(.master) == 2)
        #expect(VRRPMetricsSample.stateValue(.fault) == 3)
    }

    @Test func checkDurationsFillTheHistogramBuckets() {
        let metrics = DaemonMetrics()
        let durations: [(Duration, Bool)] = [
            (.microseconds(500), true), (.milliseconds(3), true), (.milliseconds(20), false),
            (.seconds(2), true), (.seconds(20), false),
        ]
        for (duration, succeeded) in durations {
            metrics.checkFinished(
                virtualServer: "10.0.0.1:80/TCP", realServer: "10.0.0.2:80", checker: "TCP_CHECK",
                succeeded: succeeded, duration: duration)
        }
        let lines = expositionLines(metrics.render())
        let labels = #"virtual_server="10.0.0.1:80/TCP",real_server="10.0.0.2:80",checker="TCP_CHECK""#
        let expected: [(String, Int)] = [
            ("0.001", 1), ("0.005", 2), ("0.01", 2), ("0.025", 3), ("0.05", 3), ("0.1", 3), ("0.25", 3),
            ("0.5", 3), ("1.0", 3), ("2.5", 4), ("5.0", 4), ("10.0", 4), ("+Inf", 5),
        ]
        for (bound, count) in expected {
            #expect(lines.contains("keepalivedd_check_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(count)"))
        }
        #expect(lines.contains("keepalivedd_check_duration_seconds_count{\(labels)} 5"))
        #expect(lines.contains("keepalivedd_check_duration_seconds_sum{\(labels)} 22.0235"))
        #expect(lines.contains("keepalivedd_check_failures_total{\(labels)} 2"))
        #expect(lines.contains("# TYPE keepalivedd_check_duration_seconds histogram"))
    }

    @Test func successfulChecksExposeAZeroFailureCounter() {
        let metrics = DaemonMetrics()
        metrics.checkFinished(
            virtualServer: "vs", realServer: "rs", checker: "HTTP_GET", succeeded: true, duration: .milliseconds(2))
        #expect(expositionLines(metrics.render()).contains(
            #"keepalivedd_check_failures_total{virtual_server="vs",real_server="rs",checker="HTTP_GET"} 0"#))
    }

    @Test func healthSampleSetsUpWeightAndQuorumAndDropsRemovedServers() {
        let metrics = DaemonMetrics()
        metrics.apply(health: [
            VirtualServerMetricsSample(virtualServer: "vs1", quorumUp: true, realServers: [
                RealServerMetricsSample(realServer: "rs1", up: true, weight: 3),
                RealServerMetricsSample(realServer: "rs2", up: false, weight: 0),
            ])
        ])
        let lines = expositionLines(metrics.render())
        #expect(lines.contains(#"keepalivedd_virtual_server_quorum{virtual_server="vs1"} 1.0"#))
        #expect(lines.contains(#"keepalivedd_real_server_up{virtual_server="vs1",real_server="rs1"} 1.0"#))
        #expect(lines.contains(#"keepalivedd_real_server_up{virtual_server="vs1",real_server="rs2"} 0.0"#))
        #expect(lines.contains(#"keepalivedd_real_server_weight{virtual_server="vs1",real_server="rs1"} 3.0"#))

        metrics.apply(health: [
            VirtualServerMetricsSample(virtualServer: "vs1", quorumUp: false, realServers: [
                RealServerMetricsSample(realServer: "rs1", up: false, weight: 3)
            ])
        ])
        let after = metrics.render()
        #expect(expositionLines(after).contains(#"keepalivedd_virtual_server_quorum{virtual_server="vs1"} 0.0"#))
        #expect(!after.contains(#"real_server="rs2""#))
    }

    @Test func ipvsOperationsAndErrorsCount() {
        let metrics = DaemonMetrics()
        #expect(expositionLines(metrics.render()).contains("keepalivedd_ipvs_errors_total 0"))
        metrics.ipvsOperations(count: 3, kind: "add_dest")
        metrics.ipvsOperations(count: 2, kind: "add_dest")
        metrics.ipvsOperations(count: 1, kind: "del_service")
        metrics.ipvsErrors(count: 2)
        let lines = expositionLines(metrics.render())
        #expect(lines.contains(#"keepalivedd_ipvs_operations_total{kind="add_dest"} 5"#))
        #expect(lines.contains(#"keepalivedd_ipvs_operations_total{kind="del_service"} 1"#))
        #expect(lines.contains("keepalivedd_ipvs_errors_total 2"))
    }

    @Test func counterTotalsNeverDecrease() {
        var totals = CounterTotals()
        let key = CounterTotals.Key(metric: "m", labels: ["a"])
        #expect(totals.increase(for: key, total: 5) == 5)
        #expect(totals.increase(for: key, total: 5) == 0)
        #expect(totals.increase(for: key, total: 8) == 3)
        #expect(totals.increase(for: key, total: 2) == 2)
        #expect(totals.increase(for: key, total: -1) == 0)
    }
}

/// Hands out a fixed list of samples, one list per call.
final class VRRPSampleScript: Sendable {
    private let remaining: Mutex<[[VRRPMetricsSample]]>

    init(_ samples: [[VRRPMetricsSample]]) {
        remaining = Mutex(samples)
    }

    func next() -> [VRRPMetricsSample] {
        remaining.withLock { $0.isEmpty ? [] : $0.removeFirst() }
    }
}

@Suite struct VRRPMetricsSampleReportTests {
    @Test func reportMapsToASample() {
        let report = VRRPInstanceReport(
            name: "VI_1", interface: "eth0", virtualRouterID: 51, family: "IPv4", state: .backup,
            wantState: .backup, effectivePriority: 100, configuredPriority: 100, masterAddress: nil,
            masterPriority: nil, virtualAddressesSet: false,
            traffic: VRRPTrafficCounters(advertsSent: 4, advertsReceived: 9, becameMaster: 2, releasedMaster: 1),
            packetErrors: VRRPPacketErrorCounts(ttl: 3),
            authenticationErrors: VRRPAuthenticationErrorCounts(failure: 5))
        let sample = VRRPMetricsSample(report: report)
        #expect(sample.instance == "VI_1")
        #expect(sample.state == 1)
        #expect(sample.transitions == 3)
        #expect(sample.advertsSent == 4)
        #expect(sample.advertsReceived == 9)
        #expect(sample.drops["ip_ttl_err"] == 3)
        #expect(sample.drops["auth_failure"] == 5)
        #expect(sample.drops["packet_len_err"] == 0)
    }
}
