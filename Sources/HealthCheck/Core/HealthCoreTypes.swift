import ConfParser
import IPVSSync

/// A checker of the configuration: its real server and its index in that server's `checkers`.
public struct CheckerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var realServer: RealServerRef
    public var index: Int

    public init(realServer: RealServerRef, index: Int) {
        self.realServer = realServer
        self.index = index
    }

    public init(virtualServer: Int, realServer: Int, index: Int) {
        self.init(realServer: RealServerRef(virtualServer: virtualServer, realServer: realServer), index: index)
    }

    /// Configuration order.
    public static func < (lhs: CheckerID, rhs: CheckerID) -> Bool {
        (lhs.realServer.virtualServer, lhs.realServer.realServer, lhs.index)
            < (rhs.realServer.virtualServer, rhs.realServer.realServer, rhs.index)
    }

    public var description: String { "\(realServer)/CK#\(index)" }

    /// One word into the hasher instead of three (the daemon's metrics look a checker's series up
    /// at every attempt, and a reload matches thousands of checkers by id). Equal ids give equal
    /// words; the rare others that do only share a bucket.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(realServer.virtualServer &<< 40 ^ realServer.realServer &<< 16 ^ index)
    }
}

/// A line for the log, as keepalived's healthchecker process words it.
public struct HealthLogLine: Sendable, Hashable, CustomStringConvertible {
    public var text: String
    /// A detail line keepalived only logs with `-D` (e.g. why an attempt failed while the
    /// failure is still being retried and `log_all_failures` is off).
    public var isDetail: Bool
    /// A detail line keepalived does log with `-D` (e.g. a FILE_CHECK entering FAULT state).
    public var showsWithDetailFlag: Bool

    public init(_ text: String, isDetail: Bool = false, showsWithDetailFlag: Bool = false) {
        self.text = text
        self.isDetail = isDetail || showsWithDetailFlag
        self.showsWithDetailFlag = showsWithDetailFlag
    }

    public var description: String { isDetail ? "(detail) \(text)" : text }
}

/// Why a notify script runs.
public enum HealthScriptReason: Sendable, Hashable {
    /// `notify_up` of a real server that came up.
    case realServerUp(RealServerRef)
    /// `notify_down` of a real server that went down (or, with `omega`, at shutdown).
    case realServerDown(RealServerRef)
    /// `quorum_up` of a virtual server that gained its quorum.
    case quorumUp(virtualServer: Int)
    /// `quorum_down` of a virtual server that lost its quorum (or started without it, or, with
    /// `omega`, at shutdown).
    case quorumDown(virtualServer: Int)
}

/// What the health core is told. Time comes with `HealthCore.handle(_:at:)`.
public enum HealthEvent: Sendable {
    /// The checkers start: first attempts are scheduled after the bootstrap delay and warmup.
    case start
    /// The clock reached `nextDeadline`: due attempts start.
    case timer
    /// A probe started by `HealthAction.runProbe` finished.
    case probeFinished(CheckerID, ProbeResult)
    /// `ha_suspend`: the address of a virtual server was added to (or removed from) this host.
    case virtualAddress(virtualServer: Int, isLocal: Bool)
    /// FILE_CHECK: a track file (by name) now holds this value (0 for a missing file). Before
    /// start it sets the initial state quietly.
    case trackFile(name: String, value: Int)
    /// Shutdown: with `omega`, notify_down of live real servers and quorum_down run.
    case stop
}

/// What the health core asks its shell to do, in order. The seldom cases with large payloads are
/// boxed (`indirect`), so an action takes 32 bytes: a timer event at 10,000 checkers returns one
/// `runProbe` per checker due.
public enum HealthAction: Sendable, Hashable {
    /// Run one attempt of the checker and report it with `HealthEvent.probeFinished`.
    case runProbe(CheckerID)
    case log(HealthLogLine)
    /// keepalived's activation line of every checker, in configuration order
    /// (`HealthCore.activationLines`), worded by the shell a batch at a time: as 10,000 lines of
    /// text in the start's actions they took 1.7 MB at once, the peak of the start.
    case logActivationLines
    case runScript(LVSScript, HealthScriptReason)
    /// `HealthCore.snapshot` changed (real server alive/weight or a quorum): recompute the table.
    case healthChanged
    /// A virtual server's quorum was decided (at start or reload) or changed: what keepalived
    /// mails about when the virtual server's `smtp_alert` is on.
    indirect case quorumChanged(QuorumNotice)
    /// A checker's verdict that keepalived mails about (when its real server's `smtp_alert` is on).
    indirect case checkerAlert(CheckerAlert)
    /// A reload removed a live real server (`ref` in the previous configuration): keepalived mails
    /// `=> Removing <=` about it when its `smtp_alert` is on.
    case realServerRemoved(RealServerRef)
}

/// A checker went up or down (or, for MISC_CHECK, gave its first verdict): keepalived's per-checker
/// alert mail, whose subject carries the real server's state after the change.
public struct CheckerAlert: Sendable, Hashable {
    public var checker: CheckerID
    /// The real server is up after the change (the subject says UP or DOWN).
    public var realServerUp: Bool
    /// The real server changed state with it; when not, `no_checker_emails` holds the mail back.
    public var realServerChanged: Bool
    /// The mail's text, e.g. `=> TCP CHECK failed on service <=`.
    public var body: String

    public init(checker: CheckerID, realServerUp: Bool, realServerChanged: Bool, body: String) {
        self.checker = checker
        self.realServerUp = realServerUp
        self.realServerChanged = realServerChanged
        self.body = body
    }
}

/// A virtual server's quorum decision, with the numbers keepalived puts in its log line and mail.
public struct QuorumNotice: Sendable, Hashable {
    public var virtualServer: Int
    /// The quorum is held now.
    public var isUp: Bool
    /// Decided when the virtual server was (re)initialised at start or reload, not by a change
    /// of a real server (keepalived then says "Starting with quorum up/down").
    public var starting: Bool
    /// `quorum` and `hysteresis` of the virtual server.
    public var quorum: Int
    public var hysteresis: Int
    /// The weight the live real servers were compared with, and their weight.
    public var threshold: Int
    public var weight: Int

    public init(virtualServer: Int, isUp: Bool, starting: Bool, quorum: Int, hysteresis: Int,
                threshold: Int, weight: Int) {
        self.virtualServer = virtualServer
        self.isUp = isUp
        self.starting = starting
        self.quorum = quorum
        self.hysteresis = hysteresis
        self.threshold = threshold
        self.weight = weight
    }
}
