import Foundation
import VRRP

/// What `keepalivedd status` shows: every VRRP instance and every virtual server with its real
/// servers. Travels as JSON over the status socket.
public struct StatusReport: Codable, Sendable, Hashable {
    public var vrrpInstances: [VRRPInstanceReport]
    public var virtualServers: [VirtualServerStatus]

    public init(vrrpInstances: [VRRPInstanceReport] = [], virtualServers: [VirtualServerStatus] = []) {
        self.vrrpInstances = vrrpInstances
        self.virtualServers = virtualServers
    }

    /// The report as JSON: sorted keys, ISO 8601 dates, indented.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// The report as JSON text (see `jsonData()`).
    public func jsonText() throws -> String {
        String(decoding: try jsonData(), as: UTF8.self)
    }

    /// Reads a report written by `jsonData()`.
    public static func decode(from data: Data) throws -> StatusReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(StatusReport.self, from: data)
    }
}

/// One `virtual_server` (or virtual_server_group member) and its real servers.
public struct VirtualServerStatus: Codable, Sendable, Hashable {
    /// As keepalived prints it: `[10.0.0.1]:tcp:80` or `FWM 5`.
    public var name: String
    /// Whether the alive real servers' weights reach the quorum.
    public var quorumUp: Bool
    /// Whether the sorry server is in the table instead of the real servers.
    public var sorryServerActive: Bool
    public var realServers: [RealServerStatus]

    public init(name: String, quorumUp: Bool, sorryServerActive: Bool, realServers: [RealServerStatus]) {
        self.name = name
        self.quorumUp = quorumUp
        self.sorryServerActive = sorryServerActive
        self.realServers = realServers
    }
}

/// One real server as its checkers and the kernel see it.
public struct RealServerStatus: Codable, Sendable, Hashable {
    /// As keepalived prints it: `[192.168.1.10]:tcp:80`.
    public var label: String
    public var alive: Bool
    /// The weight in the kernel's IPVS table; nil when the server is not in it.
    public var kernelWeight: Int?
    /// The last check's outcome in words (e.g. "TCP connection failed"); nil before any check.
    public var lastCheckResult: String?
    /// When the last check finished.
    public var lastCheckTime: Date?
    /// Failed checks in a row.
    public var consecutiveFailures: Int

    public init(label: String, alive: Bool, kernelWeight: Int?, lastCheckResult: String?,
                lastCheckTime: Date?, consecutiveFailures: Int) {
        self.label = label
        self.alive = alive
        self.kernelWeight = kernelWeight
        self.lastCheckResult = lastCheckResult
        self.lastCheckTime = lastCheckTime
        self.consecutiveFailures = consecutiveFailures
    }
}
