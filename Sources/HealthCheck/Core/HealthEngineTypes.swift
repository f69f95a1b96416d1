import ConfParser
import Dispatch
import IPVSSync

/// The types the health engine works with: its callbacks, and the probes and attempts it keeps.
extension HealthEngine {
    /// Where the core's actions go. All are called on the engine's queue.
    public struct Callbacks: Sendable {
        /// Log lines, consecutive ones together (a start or reload logs one line per checker:
        /// written as one batch, they cost one console write instead of tens of thousands).
        public var onLog: @Sendable ([HealthLogLine]) -> Void
        public var onScript: @Sendable (LVSScript, HealthScriptReason) -> Void
        /// Called when the health state changed (and once at start and after a reload). Changes
        /// that come together (a burst of failures) give one call, with the state after all of them.
        public var onSnapshot: @Sendable (HealthSnapshot) -> Void
        /// Called after every attempt, before the core sees its result: the checker, the result
        /// and how long the attempt took (for status and metrics; keep it cheap).
        public var onAttempt: @Sendable (CheckerID, ProbeResult, Duration) -> Void
        /// A virtual server's quorum was decided or changed (for alert mails), with that virtual
        /// server as the engine's configuration has it.
        public var onQuorum: @Sendable (QuorumNotice, VirtualServer) -> Void
        /// A checker's verdict keepalived mails about, with its virtual server.
        public var onCheckerAlert: @Sendable (CheckerAlert, VirtualServer) -> Void
        /// A reload removed this live real server of this virtual server (both as the previous
        /// configuration had them).
        public var onRealServerRemoved: @Sendable (RealServer, VirtualServer) -> Void

        public init(onLog: @escaping @Sendable ([HealthLogLine]) -> Void = { _ in },
                    onScript: @escaping @Sendable (LVSScript, HealthScriptReason) -> Void = { _, _ in },
                    onSnapshot: @escaping @Sendable (HealthSnapshot) -> Void = { _ in },
                    onAttempt: @escaping @Sendable (CheckerID, ProbeResult, Duration) -> Void = { _, _, _ in },
                    onQuorum: @escaping @Sendable (QuorumNotice, VirtualServer) -> Void = { _, _ in },
                    onCheckerAlert: @escaping @Sendable (CheckerAlert, VirtualServer) -> Void = { _, _ in },
                    onRealServerRemoved: @escaping @Sendable (RealServer, VirtualServer) -> Void = { _, _ in }) {
            self.onLog = onLog
            self.onScript = onScript
            self.onSnapshot = onSnapshot
            self.onAttempt = onAttempt
            self.onQuorum = onQuorum
            self.onCheckerAlert = onCheckerAlert
            self.onRealServerRemoved = onRealServerRemoved
        }
    }

    /// An attempt in flight: its checker, when it started and what runs it.
    struct Attempt {
        var id: CheckerID
        /// When it started, in `DispatchTime` nanoseconds.
        var started: UInt64
        /// What runs it: an attempt on the engine's queue, or a task.
        var running: Running

        enum Running {
            case onQueue(any ProbeAttempt)
            case task(Task<Void, Never>)
        }

        /// Abandons the attempt (cancels it on the queue, or its task).
        func cancel() {
            switch running {
            case .onQueue(let attempt): attempt.cancel()
            case .task(let task): task.cancel()
            }
        }
    }

    /// A checker's probe, sorted once (the dynamic cast is made per probe, not per attempt):
    /// TCP_CHECK's in place (no existential box for each of 10,000 checkers, and started without a
    /// dynamic call), another that runs on the engine's queue, or one that runs in a task.
    enum ProbeEntry: Sendable {
        case tcp(TCPProbe)
        case onQueue(any QueueProbe)
        case inTask(any HealthProbe)

        init(_ probe: any HealthProbe) {
            if let tcp = probe as? TCPProbe {
                self = .tcp(tcp)
            } else if let queueProbe = probe as? any QueueProbe {
                self = .onQueue(queueProbe)
            } else {
                self = .inTask(probe)
            }
        }
    }
}
