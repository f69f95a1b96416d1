/// When a MASTER sends its gratuitous ARP / unsolicited NA bursts.
///
/// keepalived sends `garp_master_repeat` rounds when it becomes MASTER and again
/// `garp_master_delay` later; with `garp_master_refresh`, a burst of `garp_master_refresh_repeat`
/// goes out with the first advertisement sent at or after each refresh period. After a
/// lower-priority advert, `garp_lower_prio_repeat` rounds go out at once and again
/// `garp_lower_prio_delay` later.
public struct VRRPGratuitousSchedule: Sendable, Equatable {
    public let settings: VRRPGratuitousSettings
    /// The delayed burst after becoming MASTER.
    public private(set) var delayedMasterBurst: VRRPInstant?
    /// The delayed burst after a lower-priority advert.
    public private(set) var delayedLowerPriorityBurst: VRRPInstant?
    /// The refresh is due with the first advert at or after this instant.
    public private(set) var refreshDue: VRRPInstant?

    public init(settings: VRRPGratuitousSettings) {
        self.settings = settings
    }

    /// Becoming MASTER at `now`: the size of the burst to send at once (0: none).
    mutating func becameMaster(at now: VRRPInstant) -> Int {
        delayedMasterBurst = settings.masterDelay > 0 ? now.adding(microseconds: settings.masterDelay) : nil
        refreshDue = settings.refresh > 0 ? now.adding(microseconds: settings.refresh) : nil
        return settings.masterRepeat
    }

    /// A lower-priority advert received as MASTER at `now`: the burst to send at once.
    mutating func lowerPriorityAdvert(at now: VRRPInstant) -> Int {
        guard settings.lowerPriorityRepeat > 0 else { return 0 }
        if settings.lowerPriorityDelay > 0 {
            delayedLowerPriorityBurst = now.adding(microseconds: settings.lowerPriorityDelay)
        }
        return settings.lowerPriorityRepeat
    }

    /// An advert is sent as MASTER at `now`: the refresh burst to send with it (0: none).
    mutating func advertSent(at now: VRRPInstant) -> Int {
        guard let due = refreshDue, now >= due else { return 0 }
        refreshDue = now.adding(microseconds: settings.refresh)
        return settings.refreshRepeat
    }

    /// The delayed bursts due at `now` (their sizes), removed from the schedule.
    mutating func takeDue(at now: VRRPInstant) -> [Int] {
        var bursts: [Int] = []
        if let due = delayedMasterBurst, due <= now {
            delayedMasterBurst = nil
            bursts.append(settings.masterRepeat)
        }
        if let due = delayedLowerPriorityBurst, due <= now {
            delayedLowerPriorityBurst = nil
            bursts.append(settings.lowerPriorityRepeat)
        }
        return bursts
    }

    /// Leaving MASTER: nothing more is sent.
    mutating func cancel() {
        delayedMasterBurst = nil
        delayedLowerPriorityBurst = nil
        refreshDue = nil
    }

    /// The earliest delayed burst, if any (refreshes ride on adverts and need no timer).
    public var nextDeadline: VRRPInstant? {
        [delayedMasterBurst, delayedLowerPriorityBurst].compactMap { $0 }.min()
    }
}
