import ConfParser
import Foundation
import HealthCheck
import IPVSSync

/// The last attempt of a real server's checkers, for `keepalivedd status` and the check dump.
struct CheckRecord: Sendable {
    /// What the attempt said, worded only when status asks for it (a record per real server is
    /// rewritten thousands of times a second).
    var message: ProbeMessage?
    var succeeded: Bool
    /// Failed attempts since the last success.
    var consecutiveFailures: Int32
    var time: Date

    /// What the attempt said.
    var result: String { message?.text ?? (succeeded ? "success" : "failed") }

    /// Takes in the attempt that finished at `time`.
    mutating func record(_ result: ProbeResult, at time: Date) {
        consecutiveFailures = result.succeeded ? 0 : consecutiveFailures + 1
        message = result.outcomeMessage
        succeeded = result.succeeded
        self.time = time
    }
}

/// The check record of every real server of the running configuration, in one array in
/// configuration order (virtual server, then real server): a check reaches its record with two
/// array reads where a dictionary hashed the reference, and the table takes about a third less
/// memory.
struct CheckRecordTable: Sendable {
    /// Where each virtual server's real servers start in `records`.
    private var firstRecord: [Int] = []
    private var records: [CheckRecord?] = []

    init() {}

    /// Room for the real servers of `config`, no record yet.
    init(for config: Config) {
        firstRecord.reserveCapacity(config.virtualServers.count)
        var count = 0
        for vs in config.virtualServers {
            firstRecord.append(count)
            count += vs.realServers.count
        }
        records = Array(repeating: nil, count: count)
    }

    /// The same table for `config`, keeping the records of the real servers that are in both (by
    /// reference: for a reload that kept every checker's id).
    func laidOut(for config: Config) -> CheckRecordTable {
        var table = CheckRecordTable(for: config)
        for (vsIndex, vs) in config.virtualServers.enumerated() {
            for rsIndex in vs.realServers.indices {
                let ref = RealServerRef(virtualServer: vsIndex, realServer: rsIndex)
                if let record = self[ref], let slot = table.slot(of: ref) { table.records[slot] = record }
            }
        }
        return table
    }

    /// The last attempt of the real server's checkers, nil before the first (or for a reference
    /// the table does not have).
    subscript(ref: RealServerRef) -> CheckRecord? {
        slot(of: ref).flatMap { records[$0] }
    }

    /// Takes in an attempt of one of the real server's checkers that finished at `time` (in place;
    /// a reference the table does not have, from before a reload, is dropped).
    mutating func record(_ result: ProbeResult, of ref: RealServerRef, at time: Date) {
        guard let slot = slot(of: ref) else { return }
        if records[slot] == nil {
            records[slot] = CheckRecord(message: nil, succeeded: true, consecutiveFailures: 0, time: time)
        }
        records[slot]!.record(result, at: time)
    }

    private func slot(of ref: RealServerRef) -> Int? {
        guard firstRecord.indices.contains(ref.virtualServer), ref.realServer >= 0 else { return nil }
        let slot = firstRecord[ref.virtualServer] + ref.realServer
        let end = ref.virtualServer + 1 < firstRecord.count ? firstRecord[ref.virtualServer + 1] : records.count
        return slot < end ? slot : nil
    }
}
