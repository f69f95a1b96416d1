import ConfParser

/// Received advertisements: the BACKUP and MASTER rules of RFC 3768 / 5798 as keepalived applies them.
extension VRRPInstanceMachine {
    mutating func backupReceived(_ advert: VRRPReceivedAdvert, at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        if advert.priority == 0 {
            log("Backup received priority 0 advertisement", detail: true, &actions)
            armDownTimer(skewTime, at: now)
            return
        }
        let tolerated = preemptDelayRunning(at: now)
        guard settings.nopreempt || advert.priority >= effectivePriority || tolerated else {
            // Preempting: let the down timer run out.
            log("received lower priority (\(advert.priority)) advert from \(advert.source) - discarding", &actions)
            masterSource = advert.source
            return
        }
        if settings.version == 3 {
            learnAdvertInterval(advert, suffix: "by master", &actions)
        }
        masterSource = advert.source
        masterPriority = advert.priority
        if settings.preemptDelay > 0 {
            if advert.priority >= effectivePriority {
                if preemptUntil != nil {
                    log("stop preempt delay", detail: true, &actions)
                    preemptUntil = nil
                }
            } else if preemptUntil == nil {
                let delay = settings.preemptDelay
                let fraction = String(delay % 1_000_000)
                let padded = String(repeating: "0", count: max(0, 6 - fraction.count)) + fraction
                log("start preempt delay (\(delay / 1_000_000).\(padded))", detail: true, &actions)
                preemptUntil = now.adding(microseconds: delay)
            }
        }
        wantState = .backup
        armDownTimer(masterDownInterval, at: now)
    }

    /// preempt_delay: a lower-priority master is tolerated until `preemptUntil` (or, before the
    /// first such advert, the delay starts now).
    private func preemptDelayRunning(at now: VRRPInstant) -> Bool {
        guard settings.preemptDelay > 0 else { return false }
        guard let until = preemptUntil else { return true }
        return until > now
    }

    mutating func masterReceived(_ advert: VRRPReceivedAdvert, at now: VRRPInstant, _ actions: inout [VRRPMachineAction]) {
        let comparison = compareWithOurAddress(advert.source)
        let priority = advert.priority
        let better = priority > effectivePriority || (priority == effectivePriority && comparison > 0)
        if priority == 0 || (settings.higherPrioritySendAdvert && better) {
            actions.append(.sendAdvert(priority: effectivePriority))
            if priority == 0 {
                log("Master received priority 0 message", detail: true, &actions)
                stateDeadline = now.adding(microseconds: settings.advertInterval)
                return
            }
        }
        if priority == effectivePriority {
            if comparison == 0 && settings.primaryAddress != nil {
                log("WARNING - equal priority advert received from remote host with our IP address.", &actions)
            } else if effectivePriority == 255 {
                log("CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, "
                    + "please fix - reducing local priority", &actions)
                effectivePriority = 254
                basePriority = 254
            }
        }
        if priority < effectivePriority || (priority == effectivePriority && comparison < 0) {
            let election = settings.lowerPriorityNoAdvert ? "" : ", forcing new election"
            log("Received advert from \(advert.source) with lower priority \(priority), ours \(effectivePriority)\(election)",
                &actions)
            if !settings.lowerPriorityNoAdvert {
                actions.append(.sendAdvert(priority: effectivePriority))
                stateDeadline = now.adding(microseconds: settings.advertInterval)
            }
            sendGratuitous(gratuitous.lowerPriorityAdvert(at: now), &actions)
            if let script = settings.notify.masterRxLowerPriority {
                actions.append(.notify(VRRPNotifyRun(script: script)))
            }
            return
        }
        guard priority > effectivePriority || (priority == effectivePriority && comparison > 0) else { return }
        if priority > effectivePriority {
            log("Master received advert from \(advert.source) with higher priority \(priority), ours \(effectivePriority)",
                &actions)
        } else {
            log("Master received advert from \(advert.source) with same priority \(priority) but higher IP address than ours",
                &actions)
        }
        if settings.version == 3 {
            learnAdvertInterval(advert, suffix: "by new master", &actions)
        }
        masterSource = advert.source
        masterPriority = priority
        leaveMaster(for: .backup, at: now, &actions)
    }

    /// RFC 5798: Master_Adver_Interval := the interval in the master's advert.
    private mutating func learnAdvertInterval(_ advert: VRRPReceivedAdvert, suffix: String,
                                              _ actions: inout [VRRPMachineAction]) {
        let learnt = Int64(advert.advertIntervalCentiseconds & 0x0FFF) * 10_000
        guard learnt != masterAdvertInterval else { return }
        log("advertisement interval updated from \(masterAdvertInterval / 1000)ms to \(learnt / 1000)ms \(suffix)",
            detail: true, &actions)
        masterAdvertInterval = learnt
    }

    /// -1, 0 or 1 as the sender's address is lower, equal or higher than ours (0 when ours is unknown
    /// or of the other family).
    private func compareWithOurAddress(_ source: IPAddress) -> Int {
        guard let ours = settings.primaryAddress, ours.isIPv6 == source.isIPv6 else { return 0 }
        if source < ours { return -1 }
        return source == ours ? 0 : 1
    }
}
