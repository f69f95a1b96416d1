/// The rise / fall state of one `vrrp_script`, shared by every instance that tracks it.
///
/// keepalived keeps a counter `result` in `0 ..< rise + fall`: the script is OK while
/// `result >= rise`. A success moves the counter up one step while KO, or straight to the top
/// once `rise` successes are reached; a failure moves it down one step while OK, or straight to 0
/// once `fall` failures are reached. Before its first result the script is neither (unless
/// `init_fail`, which starts it KO).
public struct VRRPTrackedScriptState: Sendable, Equatable {
    /// The status trackers see.
    public enum Status: Sendable, Equatable {
        /// No result yet: neither adds nor subtracts a weight, and causes no FAULT.
        case initial
        case up
        case down
    }

    /// What one result changed.
    public struct Transition: Sendable, Equatable {
        /// The new status to pass on as `VRRPMachineEvent.trackedScript(name:up:)`.
        public var up: Bool
        /// keepalived's log line for it.
        public var log: VRRPLogLine
    }

    public let name: String
    public let rise: Int
    public let fall: Int
    public private(set) var status: Status
    /// keepalived's counter (meaningful once a result was recorded or with init_fail).
    public private(set) var result: Int

    public init(name: String, rise: Int = 1, fall: Int = 1, initFail: Bool = false) {
        self.name = name
        self.rise = max(rise, 1)
        self.fall = max(fall, 1)
        status = initFail ? .down : .initial
        result = initFail ? 0 : self.rise - 1
    }

    /// Records one run's outcome; returns the transition when the status changed.
    public mutating func record(_ outcome: VRRPScriptOutcome) -> Transition? {
        if outcome.succeeded {
            if status != .up && (status == .initial || result >= rise - 1) {
                result = rise + fall - 1
                status = .up
                return Transition(up: true, log: VRRPLogLine("VRRP_Script(\(name)) succeeded"))
            }
            if status == .up {
                result = rise + fall - 1
            } else {
                result += 1
            }
            return nil
        }
        if status != .down && (status == .initial || result <= rise) {
            result = 0
            status = .down
            return Transition(up: false, log: VRRPLogLine("VRRP_Script(\(name)) \(Self.failure(outcome))"))
        }
        if status == .down {
            result = 0
        } else {
            result -= 1
        }
        return nil
    }

    /// keepalived's wording of a failed run.
    static func failure(_ outcome: VRRPScriptOutcome) -> String {
        switch outcome {
        case .exited(let status): "failed (exited with status \(status))"
        case .timedOut: "timed_out"
        case .signalled(let signal): "failed (due to signal \(signal))"
        }
    }
}
