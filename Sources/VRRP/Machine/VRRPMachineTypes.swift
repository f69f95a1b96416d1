import ConfParser

/// A point on the monotonic clock the shell reads, in microseconds.
///
/// The state machines never read a clock: every event comes with the instant it happened.
public struct VRRPInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// The instant `microseconds` later than this one.
    public func adding(microseconds delta: Int64) -> VRRPInstant {
        VRRPInstant(microseconds: microseconds + delta)
    }

    public static func < (lhs: VRRPInstant, rhs: VRRPInstant) -> Bool { lhs.microseconds < rhs.microseconds }

    public var description: String { "\(microseconds)us" }
}

/// The RFC state of a VRRP instance or sync group.
public enum VRRPMachineState: String, Sendable, Equatable, CustomStringConvertible {
    case initial = "INIT"
    case backup = "BACKUP"
    case master = "MASTER"
    case fault = "FAULT"

    public var description: String { rawValue }
}

/// What the machine needs to know about a received, already validated advertisement.
///
/// The packet codec (and its checks: VRID, auth, TTL, addresses) lives elsewhere; the shell
/// turns a valid packet into this value.
public struct VRRPReceivedAdvert: Sendable, Equatable {
    /// Source address of the packet (the sender's primary address).
    public var source: IPAddress
    /// Priority field, 0...255 (0: the master is stopping).
    public var priority: Int
    /// Advertisement interval field in centiseconds (v3: the 12-bit field; v2: seconds × 100).
    public var advertIntervalCentiseconds: Int
    /// Whether the packet came by unicast (rather than to the VRRP multicast group).
    public var viaUnicast: Bool

    public init(source: IPAddress, priority: Int, advertIntervalCentiseconds: Int, viaUnicast: Bool = false) {
        self.source = source
        self.priority = priority
        self.advertIntervalCentiseconds = advertIntervalCentiseconds
        self.viaUnicast = viaUnicast
    }
}

/// How one run of a `vrrp_script` ended.
public enum VRRPScriptOutcome: Sendable, Equatable {
    /// The script exited with this status (0 is success).
    case exited(status: Int)
    /// The script did not finish within its timeout.
    case timedOut
    /// The script was killed by this signal.
    case signalled(Int)

    var succeeded: Bool { self == .exited(status: 0) }
}

/// Commands a sync group gives its member instances.
public enum VRRPSyncCommand: Sendable, Equatable {
    /// Become MASTER now (the group agreed).
    case goMaster
    /// Leave MASTER for BACKUP (another member went BACKUP).
    case goBackup
    /// Enter FAULT (another member is in FAULT).
    case goFault
    /// Leave FAULT for BACKUP (every member is healthy again).
    case leaveFault
}

/// What a member instance asks of its sync group instead of acting alone.
public enum VRRPSyncRequest: Sendable, Equatable {
    /// The down timer expired: the instance wants MASTER but waits for the group.
    case master
    /// The instance's own fault conditions cleared: it may leave FAULT when the whole group can.
    case leaveFault
}

/// Inputs of a VRRP instance state machine.
public enum VRRPMachineEvent: Sendable, Equatable {
    /// The daemon starts the instance (after removing left-over addresses).
    case start
    /// A valid advertisement for this instance arrived.
    case advert(VRRPReceivedAdvert)
    /// The shell's timer fired: call at or after `nextDeadline`.
    case timer
    /// An interface (the instance's own or a tracked one) changed link state.
    case interface(name: String, up: Bool)
    /// A tracked `vrrp_script` changed between OK and KO (see `VRRPTrackedScriptState`).
    case trackedScript(name: String, up: Bool)
    /// A tracked `track_file` now holds this value.
    case trackedFile(name: String, value: Int)
    /// The daemon stops (SIGTERM): release everything.
    case stop
    /// A command from the instance's sync group.
    case sync(VRRPSyncCommand)
}

/// One log line, in keepalived's wording.
public struct VRRPLogLine: Sendable, Equatable, CustomStringConvertible {
    public var text: String
    /// Logged only with `-D` (keepalived's LOG_DETAIL).
    public var detailOnly: Bool

    public init(_ text: String, detailOnly: Bool = false) {
        self.text = text
        self.detailOnly = detailOnly
    }

    public var description: String { text }
}

/// A notify script to run: the configured command line plus keepalived's extra arguments.
public struct VRRPNotifyRun: Sendable, Equatable {
    public var script: NotifyScript
    /// Appended to the command line: for `notify`, `INSTANCE|GROUP NAME STATE PRIORITY`.
    public var arguments: [String]

    public init(script: NotifyScript, arguments: [String] = []) {
        self.script = script
        self.arguments = arguments
    }
}

/// Outputs of a VRRP instance state machine, in the order the shell must carry them out.
public enum VRRPMachineAction: Sendable, Equatable {
    /// Send one advertisement with this priority (0: we are leaving MASTER).
    case sendAdvert(priority: Int)
    /// Add the instance's virtual (and excluded) addresses, routes and rules.
    case addVirtualAddresses
    /// Remove the instance's virtual (and excluded) addresses, routes and rules.
    case removeVirtualAddresses
    /// One burst of gratuitous ARPs (IPv4) / unsolicited neighbour adverts (IPv6):
    /// `count` rounds over every virtual address.
    case sendGratuitous(count: Int)
    /// Run a notify script.
    case notify(VRRPNotifyRun)
    case log(VRRPLogLine)
    /// The instance changed state (the shell switches e.g. the IPVS sync daemon role).
    case stateChanged(from: VRRPMachineState, to: VRRPMachineState)
    /// Only for sync group members: a request the group answers with a `VRRPSyncCommand`.
    case syncRequest(VRRPSyncRequest)
    /// Only from a sync group (with no instance): the group itself changed state, where
    /// keepalived runs the group's notifies and sends its mail.
    case syncGroupStateChanged(group: String, from: VRRPMachineState, to: VRRPMachineState)
}
