import ConfParser

/// A virtual server's quorum as keepalived keeps it (ipwrapper.c `update_quorum_state`): held
/// while the weight of its live real servers stays at or above `quorum - hysteresis`, regained
/// at `quorum + hysteresis`; the sorry server is in the pool while the quorum is lost.
struct QuorumState: Sendable, Equatable {
    var isUp: Bool
    /// The sorry server replaces the real servers (quorum lost and a sorry server configured).
    var sorryServerActive: Bool

    /// The state at start-up (or for a virtual server new in a reload), with keepalived's
    /// start-up evaluation: a virtual server without its quorum that has a sorry server logs
    /// `Starting with quorum down ...` and runs quorum_down. A virtual server kept across a
    /// reload starts from `previous` and is re-evaluated the same way.
    static func start(_ vs: VirtualServer, index: Int, aliveWeight: Int,
                      previous: QuorumState?) -> (QuorumState, [HealthAction]) {
        // keepalived starts every virtual server with its quorum down and evaluates it at once, so
        // one that has its quorum logs `Gained quorum Q+H=T <= W` (and runs quorum_up) at start.
        var state = previous ?? QuorumState(isUp: false, sorryServerActive: false)
        if vs.sorryServer == nil { state.sorryServerActive = false }
        let actions = state.evaluate(vs, index: index, aliveWeight: aliveWeight, starting: true)
        return (state, actions)
    }

    /// Re-evaluates after a real server changed state or weight.
    mutating func update(_ vs: VirtualServer, index: Int, aliveWeight: Int) -> [HealthAction] {
        evaluate(vs, index: index, aliveWeight: aliveWeight, starting: false)
    }

    private mutating func evaluate(_ vs: VirtualServer, index: Int, aliveWeight weight: Int, starting: Bool) -> [HealthAction] {
        let threshold = vs.quorum + (isUp ? -vs.hysteresis : vs.hysteresis)
        if !isUp && weight >= threshold {
            isUp = true
            sorryServerActive = false
            var actions: [HealthAction] = [
                .log(HealthLogLine("Gained quorum \(vs.quorum)+\(vs.hysteresis)=\(threshold) <= \(weight) for VS \(vs.displayName)")),
            ]
            if let script = vs.quorumUp { actions.append(.runScript(script, .quorumUp(virtualServer: index))) }
            actions.append(.quorumChanged(notice(vs, index: index, starting: starting, threshold: threshold, weight: weight)))
            actions.append(.healthChanged)
            return actions
        }
        let lost = isUp && (weight == 0 || weight < threshold)
        let startingWithoutSorryServer = starting && !isUp && vs.sorryServer != nil && !sorryServerActive
        guard lost || startingWithoutSorryServer else { return [] }
        isUp = false
        sorryServerActive = vs.sorryServer != nil
        // keepalived prints the threshold it compared with, under a "Q-H" label even when
        // starting down (where the threshold is Q+H).
        let what = starting ? "Starting with quorum down" : "Lost quorum"
        var actions: [HealthAction] = [
            .log(HealthLogLine("\(what) \(vs.quorum)-\(vs.hysteresis)=\(threshold) > \(weight) for VS \(vs.displayName)")),
        ]
        if let script = vs.quorumDown { actions.append(.runScript(script, .quorumDown(virtualServer: index))) }
        actions.append(.quorumChanged(notice(vs, index: index, starting: starting, threshold: threshold, weight: weight)))
        actions.append(.healthChanged)
        return actions
    }

    private func notice(_ vs: VirtualServer, index: Int, starting: Bool, threshold: Int, weight: Int) -> QuorumNotice {
        QuorumNotice(virtualServer: index, isUp: isUp, starting: starting, quorum: vs.quorum,
                     hysteresis: vs.hysteresis, threshold: threshold, weight: weight)
    }
}
