import ConfParser
import IPVSSync

/// Turning one probe result into a checker verdict (keepalived's per-checker epilogues).
extension HealthCore {
    mutating func finish(_ id: CheckerID, _ result: ProbeResult, at now: Duration, into actions: inout [HealthAction]) {
        guard phase == .running, var slot = slots[id], slot.progress.inFlight else { return }
        let settings = slot.settings
        let firstAttempt = !slot.progress.hasRun
        let counts = slot.progress.isUp || firstAttempt
        slot.progress.inFlight = false
        var verdict: Bool?
        let delay: Duration

        if result.succeeded {
            if settings.miscDynamic { applyDynamicWeight(result.dynamicWeight, of: id.realServer, into: &actions) }
            slot.progress.retryCount = 0
            if !slot.progress.isUp || firstAttempt {
                actions += CheckerWording.upLines(settings, result, wasUp: slot.progress.isUp).map(HealthAction.log)
                verdict = true
            }
            delay = settings.delayLoop
        } else if counts && slot.progress.retryCount < settings.retry {
            slot.progress.retryCount += 1
            actions += CheckerWording.failureLines(settings, result, isFinal: false, hasRun: !firstAttempt).map(HealthAction.log)
            delay = settings.delayBeforeRetry
        } else {
            if counts {
                actions += CheckerWording.failureLines(settings, result, isFinal: true, hasRun: !firstAttempt).map(HealthAction.log)
                verdict = false
            } else {
                actions += CheckerWording.quietFailureLines(result).map(HealthAction.log)
            }
            slot.progress.retryCount = 0
            delay = settings.delayLoop
        }

        // MISC_CHECK counts from the start of the attempt (never in the past), the others from now.
        let base = settings.kind == .misc ? (slot.progress.attemptStart ?? now) : now
        slot.progress.attemptStart = nil
        slots[id] = slot
        setNextAttempt(id, max(base + delay, now))
        if let verdict {
            let checkerWasUp = slot.progress.isUp
            let serverWasAlive = servers[id.realServer]?.alive
            setChecker(id, up: verdict, firstAttempt: firstAttempt, into: &actions)
            // keepalived mails a checker that flipped; MISC_CHECK also its first verdict.
            if checkerWasUp != verdict || (firstAttempt && settings.kind == .misc),
               let body = CheckerWording.alertBody(settings, up: verdict, result),
               let serverAlive = servers[id.realServer]?.alive {
                actions.append(.checkerAlert(CheckerAlert(checker: id, realServerUp: serverAlive,
                                                          realServerChanged: serverWasAlive != serverAlive, body: body)))
            }
        }
        slots[id]?.progress.hasRun = true
    }

    /// keepalived's `update_svr_checker_state`: a checker's verdict, and the real server's state
    /// when it is the first checker to fail or the last to recover.
    mutating func setChecker(_ id: CheckerID, up: Bool, firstAttempt: Bool, into actions: inout [HealthAction]) {
        guard var slot = slots[id] else { return }
        let ref = id.realServer
        if slot.progress.isUp == up {
            // A first verdict that changes nothing still notifies for alpha checkers and failures
            // (e.g. notify_down of an alpha server whose first check fails).
            if firstAttempt && (slot.settings.alpha || !up) { runServerNotify(ref, into: &actions) }
            return
        }
        slot.progress.isUp = up
        slots[id] = slot
        setAlive(ref, allCheckersUp(ref), into: &actions)
    }

    /// Whether every checker of the real server is up (keepalived's alive: no failed checker).
    func allCheckersUp(_ ref: RealServerRef) -> Bool {
        (checkersByServer[ref] ?? []).allSatisfy { slots[$0]?.progress.isUp ?? true }
    }

    /// MISC_CHECK `misc_dynamic`: a success sets the real server's weight (exit status - 2, or
    /// the configured weight for status 0) and may change the quorum.
    mutating func applyDynamicWeight(_ dynamicWeight: Int?, of ref: RealServerRef, into actions: inout [HealthAction]) {
        guard var status = servers[ref] else { return }
        let configured = virtualServers[ref.virtualServer].realServers[ref.realServer].weight
        let weight = max(dynamicWeight ?? configured, 0)
        guard weight != status.weight else { return }
        status.weight = weight
        servers[ref] = status
        actions.append(.healthChanged)
        updateQuorum(of: ref.virtualServer, into: &actions)
    }
}
