import ConfParser
import IPVSSync

/// Turning one probe result into a checker verdict (keepalived's per-checker epilogues).
extension HealthCore {
    mutating func finish(_ id: CheckerID, _ result: ProbeResult, at now: Duration, into actions: inout [HealthAction]) {
        // One hash lookup: the slot is then reached by its index (a value's index stays valid
        // while no key is added or removed).
        guard phase == .running, let index = slots.index(forKey: id), slots.values[index].progress.inFlight else { return }
        var progress = slots.values[index].progress
        let firstAttempt = !progress.hasRun
        let counts = progress.isUp || firstAttempt
        let retry = slots.values[index].settings.retry
        progress.inFlight = false
        var verdict: Bool?
        let delay: Duration

        if result.succeeded {
            if slots.values[index].settings.miscDynamic {
                applyDynamicWeight(result.dynamicWeight, of: id.realServer, into: &actions)
            }
            progress.retryCount = 0
            if !progress.isUp || firstAttempt {
                actions += CheckerWording.upLines(slots.values[index].settings, result, wasUp: progress.isUp).map(HealthAction.log)
                verdict = true
            }
            delay = slots.values[index].settings.delayLoop
        } else if counts && progress.retryCount < retry {
            progress.retryCount += 1
            actions += CheckerWording.failureLines(slots.values[index].settings, result, isFinal: false, hasRun: !firstAttempt)
                .map(HealthAction.log)
            delay = slots.values[index].settings.delayBeforeRetry
        } else {
            if counts {
                actions += CheckerWording.failureLines(slots.values[index].settings, result, isFinal: true, hasRun: !firstAttempt)
                    .map(HealthAction.log)
                verdict = false
            } else {
                actions += CheckerWording.quietFailureLines(result).map(HealthAction.log)
            }
            progress.retryCount = 0
            delay = slots.values[index].settings.delayLoop
        }

        // MISC_CHECK counts from the start of the attempt (never in the past), the others from now.
        let base = slots.values[index].settings.kind == .misc ? (progress.attemptStart ?? now) : now
        progress.attemptStart = nil
        let next = max(base + delay, now)
        progress.nextAttempt = next
        progress.hasRun = true
        slots.values[index].progress = progress
        agenda.schedule(id, at: next)
        if let verdict {
            let settings = slots.values[index].settings
            let checkerWasUp = progress.isUp
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
