import ConfParser
import IPVSSync

/// A FILE_CHECK: which track_file it follows and how its value counts.
struct FileTracking: Sendable, Equatable {
    var trackFile: String
    /// The checker's weight (its track_file's when it has none of its own).
    var weight: Int
    var reverse: Bool

    init(_ check: FileCheck) {
        trackFile = check.trackFile
        weight = check.weight
        reverse = check.reverse
    }

    /// What a value of the file means for the real server (keepalived's track file status): nil
    /// is FAULT (the checker is down), otherwise the weight the file adds to the real server's.
    /// With weight 0 a non-zero value is a fault (with `reverse`, zero is); otherwise the value
    /// times the weight (negated with `reverse`) is added, a fault only at or below `INT_MIN`.
    func status(of value: Int) -> Int? {
        if weight == 0 { return (value != 0) != reverse ? nil : 0 }
        let product = Int64(value) * Int64(weight) * (reverse ? -1 : 1)
        if product <= Int64(Int32.min) { return nil }
        return Int(min(product, Int64(Int32.max)))
    }
}

/// FILE_CHECK: real servers follow the numbers in their track files (keepalived's
/// `process_update_checker_track_file_status`). The files are read outside (inotify) and their
/// values come in as `HealthEvent.trackFile`; before start they only set the initial state.
extension HealthCore {
    /// keepalived's largest weight for a real server.
    static let maximumWeight = Int(Int32.max)

    /// The value last reported for a track file (0 before any).
    public func trackFileValue(_ name: String) -> Int { trackFileValues[name] ?? 0 }

    /// A track file now holds `value`: each FILE_CHECK following it enters or leaves FAULT (the
    /// checker goes down or up) or changes its real server's weight. Before start the state is
    /// set without log lines or scripts; after stop nothing happens.
    mutating func setTrackFile(_ name: String, value: Int, into actions: inout [HealthAction]) {
        guard phase != .stopped else { return }
        let previous = trackFileValue(name)
        trackFileValues[name] = value
        guard previous != value else { return }
        for id in fileChecksByName[name] ?? [] {
            guard let tracking = fileChecks[id] else { continue }
            let before = tracking.status(of: previous)
            let after = tracking.status(of: value)
            guard before != after else { continue }
            let ref = id.realServer
            guard phase == .running else {
                slots[id]?.progress.isUp = after != nil
                refreshFileWeight(of: ref)
                let alive = allCheckersUp(ref)
                servers[ref]?.alive = alive
                continue
            }
            let serviceName = names(of: ref).service
            if after == nil {
                actions.append(.log(HealthLogLine("(\(serviceName)): tracked file \(name) now FAULT state", showsWithDetailFlag: true)))
            } else if before == nil {
                actions.append(.log(HealthLogLine("(\(serviceName)): tracked file \(name) leaving FAULT state", showsWithDetailFlag: true)))
            }
            if refreshFileWeight(of: ref) {
                actions.append(.healthChanged)
                updateQuorum(of: ref.virtualServer, into: &actions)
            }
            if (after != nil) != slots[id]?.progress.isUp {
                setChecker(id, up: after != nil, firstAttempt: false, into: &actions)
            }
        }
    }

    /// Sets the weight the real server's FILE_CHECKs add (faults add nothing); true when it
    /// changed the weight the server has in the table.
    @discardableResult
    mutating func refreshFileWeight(of ref: RealServerRef) -> Bool {
        guard var status = servers[ref] else { return false }
        var total = 0
        for id in slots.ids(of: ref) {
            guard let tracking = fileChecks[id], let added = tracking.status(of: trackFileValue(tracking.trackFile)) else { continue }
            total += added
        }
        let before = status.effectiveWeight
        status.fileWeight = total
        servers[ref] = status
        return status.effectiveWeight != before
    }

    /// Registers the FILE_CHECKs of a new core and sets their state from the values known.
    mutating func setUpFileChecks() {
        for id in fileChecks.keys.sorted() {
            guard let tracking = fileChecks[id] else { continue }
            fileChecksByName[tracking.trackFile, default: []].append(id)
            let isUp = tracking.status(of: trackFileValue(tracking.trackFile)) != nil
            slots[id]?.progress.isUp = isUp
        }
        for ref in Set(fileChecks.keys.map(\.realServer)) {
            refreshFileWeight(of: ref)
            let alive = allCheckersUp(ref)
            servers[ref]?.alive = alive
        }
    }
}
