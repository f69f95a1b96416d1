import CRawSocket
import Foundation
import Synchronization
import Testing
@testable import VRRP

/// Two fresh network namespaces joined by a veth pair, for the VRRP I/O tests (NEEDS ROOT).
/// Side A: `vioa0` 10.201.0.1/24; side B: `viob0` 10.201.0.2/24; IPv6 DAD off so link-local
/// addresses are usable at once. `close()` deletes both namespaces (and so the veth pair).
final class VRRPIOTestNetwork {
    static let counter = Mutex(0)

    let namespaceA: String
    let namespaceB: String
    let interfaceA = "vioa0"
    let interfaceB = "viob0"
    let addressA = "10.201.0.1"
    let addressB = "10.201.0.2"

    init() throws {
        let serial = Self.counter.withLock { value -> Int in
            value += 1
            return value
        }
        let tag = "vio-\(getpid())-\(serial)"
        namespaceA = tag + "a"
        namespaceB = tag + "b"
        do {
            for namespace in [namespaceA, namespaceB] {
                try Self.ip("netns", "add", namespace)
                try Self.ip("-n", namespace, "link", "set", "lo", "up")
                try Self.run("/usr/sbin/ip", "netns", "exec", namespace, "/bin/sh", "-c",
                             "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad; " +
                             "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad")
            }
            try Self.ip("link", "add", interfaceA, "netns", namespaceA, "type", "veth",
                        "peer", "name", interfaceB, "netns", namespaceB)
            try Self.ip("-n", namespaceA, "addr", "add", addressA + "/24", "dev", interfaceA)
            try Self.ip("-n", namespaceB, "addr", "add", addressB + "/24", "dev", interfaceB)
            try Self.ip("-n", namespaceA, "link", "set", interfaceA, "up")
            try Self.ip("-n", namespaceB, "link", "set", interfaceB, "up")
            try waitForIPv6(namespace: namespaceA, interface: interfaceA)
            try waitForIPv6(namespace: namespaceB, interface: interfaceB)
        } catch {
            close()
            throw error
        }
    }

    /// Waits (up to 5 s) until the interface has a usable link-local address: before that the
    /// kernel has not finished bringing IPv6 up on it and multicast joins can miss datagrams.
    private func waitForIPv6(namespace: String, interface: String) throws {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let output = try Self.ip("-n", namespace, "-6", "-o", "addr", "show", "dev", interface, "scope", "link")
            if output.contains("fe80:") && !output.contains("tentative") { return }
            usleep(20_000)
        }
        throw VRRPIOTestFailure(command: "wait for IPv6 on \(interface)", output: "no link-local address")
    }

    /// Deletes both namespaces; safe to call twice.
    func close() {
        for namespace in [namespaceA, namespaceB] { _ = try? Self.ip("netns", "del", namespace) }
    }

    /// Runs `body` on this thread inside `namespace`, then returns the thread to where it was.
    /// Tests using it are synchronous so the thread cannot change under them.
    func inside<T>(_ namespace: String, _ body: () throws -> T) throws -> T {
        let saved = kad_vrrp_netns_enter("/run/netns/" + namespace)
        guard saved >= 0 else { throw VRRPIOError(operation: "enter namespace \(namespace)", code: -saved) }
        defer {
            let restored = kad_vrrp_netns_restore(saved)
            precondition(restored == 0, "could not return to the original network namespace")
        }
        return try body()
    }

    /// `ip ARGS` in the test's own namespace; returns standard output, throws on failure.
    @discardableResult
    static func ip(_ arguments: String...) throws -> String {
        try run(["/usr/sbin/ip"] + arguments)
    }

    @discardableResult
    static func run(_ arguments: String...) throws -> String { try run(arguments) }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw VRRPIOTestFailure(command: arguments.joined(separator: " "),
                                    output: String(decoding: errorData, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads frames from an AF_PACKET capture socket until `accept` takes one or `timeout` passes.
    static func captureFrame(_ descriptor: Int32, timeout: Double, accept: ([UInt8]) -> Bool) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 2048)
        while Date() < deadline {
            let length = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if length > 0 {
                let frame = Array(buffer[0..<length])
                if accept(frame) { return frame }
            } else {
                usleep(5_000)
            }
        }
        return nil
    }
}

/// A command of the test fixture failed.
struct VRRPIOTestFailure: Error, CustomStringConvertible {
    var command: String
    var output: String
    var description: String { "\(command) failed: \(output)" }
}

/// Collects values delivered on a dispatch queue and lets a synchronous test wait for them.
final class VRRPIOCollector<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) { values.withLock { $0.append(value) } }

    /// Waits up to `timeout` seconds for a value matching `predicate`.
    func wait(timeout: Double, where predicate: (Value) -> Bool) -> Value? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = values.withLock({ $0.first(where: predicate) }) { return found }
            usleep(5_000)
        }
        return nil
    }
}

/// The fixture itself: namespaces really isolate what the code under test sees (NEEDS ROOT).
@Suite("VRRPIO fixture (needs root)", .serialized)
struct VRRPIOFixtureTests {
    @Test("root: entering a test namespace shows its veth and leaves the host untouched")
    func namespaceSwitching() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let insideA = try network.inside(network.namespaceA) { HostInterfaces.exists(network.interfaceA) }
        let insideB = try network.inside(network.namespaceB) { HostInterfaces.exists(network.interfaceA) }
        #expect(insideA)
        #expect(!insideB)
        #expect(!HostInterfaces.exists(network.interfaceA))
    }
}
