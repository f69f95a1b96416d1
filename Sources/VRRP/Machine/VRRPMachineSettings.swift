import ConfParser

/// A tracked interface as the machine sees it.
public struct VRRPTrackedInterfaceSetting: Sendable, Equatable {
    public var name: String
    /// 0: FAULT while down (or while up with `reverse`); otherwise a priority adjustment.
    public var weight: Int
    public var reverse: Bool

    public init(name: String, weight: Int = 0, reverse: Bool = false) {
        self.name = name
        self.weight = weight
        self.reverse = reverse
    }
}

/// A tracked `vrrp_script` as the machine sees it.
public struct VRRPTrackedScriptSetting: Sendable, Equatable {
    public var name: String
    public var weight: Int
    public var reverse: Bool
    /// `init_fail`: counts as failed until it first succeeds (otherwise neutral until its first result).
    public var initiallyFailed: Bool

    public init(name: String, weight: Int = 0, reverse: Bool = false, initiallyFailed: Bool = false) {
        self.name = name
        self.weight = weight
        self.reverse = reverse
        self.initiallyFailed = initiallyFailed
    }
}

/// A tracked `track_file` as the machine sees it.
public struct VRRPTrackedFileSetting: Sendable, Equatable {
    public var name: String
    /// Multiplier of the value read; 0: any non-zero value is a FAULT.
    public var weight: Int
    public var reverse: Bool
    /// The value assumed until the shell reports one.
    public var initialValue: Int

    public init(name: String, weight: Int = 1, reverse: Bool = false, initialValue: Int = 0) {
        self.name = name
        self.weight = weight
        self.reverse = reverse
        self.initialValue = initialValue
    }
}

/// Gratuitous ARP / NA settings of an instance, durations in microseconds.
public struct VRRPGratuitousSettings: Sendable, Equatable {
    /// Delay of the second burst after becoming MASTER (0: none).
    public var masterDelay: Int64 = 5_000_000
    /// Packets per address in each burst after becoming MASTER.
    public var masterRepeat: Int = 5
    /// Period of refresh bursts while MASTER (0: none).
    public var refresh: Int64 = 0
    public var refreshRepeat: Int = 1
    /// Delay / repeat of the bursts after a lower-priority advert received as MASTER.
    public var lowerPriorityDelay: Int64 = 5_000_000
    public var lowerPriorityRepeat: Int = 5

    public init() {}
}

/// Where a gratuitous ARP / NA burst goes, for keepalived's -D log line.
public struct VRRPGratuitousTarget: Sendable, Equatable {
    public var interface: String
    public var address: IPAddress

    public init(interface: String, address: IPAddress) {
        self.interface = interface
        self.address = address
    }
}

/// Everything a `VRRPInstanceMachine` needs from the configuration, durations in microseconds.
public struct VRRPMachineSettings: Sendable, Equatable {
    public var name: String
    public var interface: String
    public var virtualRouterID: Int
    /// Configured priority, 1...255 (255: address owner).
    public var priority: Int
    /// Configured `state`; only MASTER with priority 255 makes a difference at start.
    public var initialState: VRRPState
    /// Our advertisement interval in microseconds.
    public var advertInterval: Int64
    public var version: Int
    public var nopreempt: Bool
    /// 0: none.
    public var preemptDelay: Int64
    /// Our address in adverts (unicast_src_ip or the interface's primary address), for the
    /// equal-priority tie break; nil when unknown (ties then keep the current master).
    public var primaryAddress: IPAddress?
    public var unicast: Bool
    public var downTimerAdverts: Int
    public var lowerPriorityNoAdvert: Bool
    public var higherPrioritySendAdvert: Bool
    /// The instance's own interface going down does not cause FAULT.
    public var dontTrackPrimary: Bool
    public var gratuitous = VRRPGratuitousSettings()
    /// One entry per virtual address, for the -D "Sending/queueing" lines.
    public var gratuitousTargets: [VRRPGratuitousTarget] = []
    public var trackedInterfaces: [VRRPTrackedInterfaceSetting] = []
    public var trackedScripts: [VRRPTrackedScriptSetting] = []
    public var trackedFiles: [VRRPTrackedFileSetting] = []
    public var notify = NotifyScripts()
    /// The sync group this instance belongs to: it then asks the group before MASTER / leaving FAULT.
    public var syncGroup: String?

    /// Plain settings with keepalived's defaults, for building by hand (tests, tools).
    public init(name: String, interface: String = "eth0", virtualRouterID: Int = 1, priority: Int = 100,
                initialState: VRRPState = .backup, advertInterval: Int64 = 1_000_000, version: Int = 2) {
        self.name = name
        self.interface = interface
        self.virtualRouterID = virtualRouterID
        self.priority = priority
        self.initialState = initialState
        self.advertInterval = advertInterval
        self.version = version
        self.nopreempt = false
        self.preemptDelay = 0
        self.primaryAddress = nil
        self.unicast = false
        self.downTimerAdverts = 3
        self.lowerPriorityNoAdvert = false
        self.higherPrioritySendAdvert = false
        self.dontTrackPrimary = false
    }

    /// Settings of a completed `vrrp_instance`.
    ///
    /// - Parameters:
    ///   - config: the loaded configuration (scripts, track files and sync groups are looked up in it).
    ///   - primaryAddress: our source address when `unicast_src_ip` is not set (the interface's
    ///     primary address, which only the shell knows).
    public init(instance: VRRPInstance, config: Config, primaryAddress: IPAddress? = nil) {
        self.init(name: instance.name, interface: instance.interface, virtualRouterID: instance.virtualRouterID,
                  priority: instance.priority, initialState: instance.state,
                  advertInterval: Self.microseconds(seconds: instance.advertInterval), version: instance.version)
        nopreempt = instance.nopreempt
        preemptDelay = Self.microseconds(seconds: instance.preemptDelay)
        self.primaryAddress = instance.unicastSourceIP ?? instance.multicastSourceIP ?? primaryAddress
        unicast = instance.isUnicast
        downTimerAdverts = instance.downTimerAdverts
        lowerPriorityNoAdvert = instance.lowerPriorityNoAdvert
        higherPrioritySendAdvert = instance.higherPrioritySendAdvert
        dontTrackPrimary = instance.dontTrackPrimary
        gratuitous.masterDelay = Int64(instance.garpMasterDelay) * 1_000_000
        gratuitous.masterRepeat = instance.garpMasterRepeat
        gratuitous.refresh = Int64(instance.garpMasterRefresh) * 1_000_000
        gratuitous.refreshRepeat = instance.garpMasterRefreshRepeat
        gratuitous.lowerPriorityDelay = Int64(instance.garpLowerPriorityDelay) * 1_000_000
        gratuitous.lowerPriorityRepeat = instance.garpLowerPriorityRepeat
        gratuitousTargets = (instance.virtualAddresses + instance.excludedAddresses).map {
            VRRPGratuitousTarget(interface: $0.device ?? instance.interface, address: $0.address)
        }
        notify = instance.notify
        syncGroup = instance.syncGroup
        addTracking(instance.tracking, config: config, forceUnweighted: false)
        if let groupName = instance.syncGroup, let group = config.syncGroups.first(where: { $0.name == groupName }) {
            addTracking(group.tracking, config: config, forceUnweighted: !group.trackingWeight)
        }
    }

    /// Adds `tracking` (the instance's own, or its sync group's) to the tracked objects.
    private mutating func addTracking(_ tracking: VRRPTracking, config: Config, forceUnweighted: Bool) {
        for entry in tracking.interfaces where !trackedInterfaces.contains(where: { $0.name == entry.name }) {
            trackedInterfaces.append(VRRPTrackedInterfaceSetting(
                name: entry.name, weight: forceUnweighted ? 0 : entry.weight, reverse: entry.reverse))
        }
        for entry in tracking.scripts where !trackedScripts.contains(where: { $0.name == entry.name }) {
            let script = config.vrrpScripts.first { $0.name == entry.name }
            trackedScripts.append(VRRPTrackedScriptSetting(
                name: entry.name, weight: forceUnweighted ? 0 : entry.weight, reverse: entry.reverse,
                initiallyFailed: script?.initFail ?? false))
        }
        for entry in tracking.files where !trackedFiles.contains(where: { $0.name == entry.name }) {
            let file = config.trackFiles.first { $0.name == entry.name }
            trackedFiles.append(VRRPTrackedFileSetting(
                name: entry.name, weight: forceUnweighted ? 0 : entry.weight, reverse: entry.reverse,
                initialValue: file?.initFile?.value ?? 0))
        }
    }

    /// Seconds as written in the configuration to whole microseconds (v3 intervals are centiseconds).
    static func microseconds(seconds: Double) -> Int64 {
        Int64((seconds * 1_000_000).rounded())
    }

    /// Whether the instance is the address owner (priority 255).
    public var isAddressOwner: Bool { priority == 255 }
}

/// keepalived's timer arithmetic, in microseconds.
public enum VRRPTimers {
    /// Skew_Time for `priority`: v2 (RFC 3768) `(256 - P) / 256` s; v3 (RFC 5798)
    /// `((256 - P) * Master_Adver_Interval) / 256`, computed as keepalived does on whole centiseconds
    /// (`(256 - P) * centis * 625 / 16`).
    public static func skew(priority: Int, masterAdvertInterval: Int64, version: Int) -> Int64 {
        let weight = Int64(256 - priority)
        if version == 3 {
            return weight * (masterAdvertInterval / 10_000) * 625 / 16
        }
        return weight * 1_000_000 / 256
    }

    /// Master_Down_Interval: `adverts * Master_Adver_Interval + Skew_Time`.
    public static func masterDown(priority: Int, masterAdvertInterval: Int64, version: Int, adverts: Int = 3) -> Int64 {
        Int64(adverts) * masterAdvertInterval
            + skew(priority: priority, masterAdvertInterval: masterAdvertInterval, version: version)
    }
}
