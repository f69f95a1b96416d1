import ConfParser
import Foundation
import Synchronization
import Testing
@testable import VRRP

/// Two VRRP shells in two network namespaces on a veth pair (NEEDS ROOT): election, graceful
/// stop, preemption, vrrp_script FAULT, reload. VRRPv3 with 0.2 s adverts keeps them fast.
@Suite("VRRPShell in namespaces (needs root)", .serialized)
struct VRRPShellNetworkTests {
    static let vip = "10.201.0.100"

    static func config(interface: String, priority: Int, extra: String = "", inside: String = "",
                       vips: String = "10.201.0.100/24") -> Config {
        let result = ConfigLoader.load(text: """
        \(extra)
        vrrp_instance VI_1 {
          state BACKUP
          interface \(interface)
          virtual_router_id 61
          version 3
          priority \(priority)
          advert_int 0.2
          virtual_ipaddress { \(vips) }
          \(inside)
        }
        """)
        return result.config
    }

    static func shell(_ config: Config, namespace: String) -> VRRPShell {
        let shell = VRRPShell(config: config, options: VRRPShellOptions(networkNamespace: namespace),
                              log: VRRPShellLogger(info: { _ in }, error: { _ in }, detail: { _ in }))
        shell.start()
        return shell
    }

    static func stop(_ shell: VRRPShell) {
        let done = DispatchSemaphore(value: 0)
        shell.stop { done.signal() }
        _ = done.wait(timeout: .now() + 5)
    }

    /// Waits up to `timeout` seconds for `condition`; returns the seconds it took, nil on timeout.
    static func wait(_ timeout: Double, _ condition: () -> Bool) -> Double? {
        let started = Date()
        while Date().timeIntervalSince(started) < timeout {
            if condition() { return Date().timeIntervalSince(started) }
            usleep(20_000)
        }
        return nil
    }

    static func holds(_ namespace: String, _ address: String) -> Bool {
        let output = (try? VRRPIOTestNetwork.ip("-n", namespace, "-o", "addr", "show")) ?? ""
        return output.contains(" \(address)/")
    }

    @Test("root: the higher priority wins, a graceful stop hands over at once, the better router preempts")
    func electionStopPreempt() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let configA = Self.config(interface: network.interfaceA, priority: 150)
        let configB = Self.config(interface: network.interfaceB, priority: 100)
        var shellA = Self.shell(configA, namespace: network.namespaceA)
        let shellB = Self.shell(configB, namespace: network.namespaceB)
        defer { Self.stop(shellB) }

        #expect(Self.wait(5) { shellA.states()["VI_1"] == .master && shellB.states()["VI_1"] == .backup } != nil)
        #expect(Self.wait(2) { Self.holds(network.namespaceA, Self.vip) } != nil)
        #expect(!Self.holds(network.namespaceB, Self.vip))

        Self.stop(shellA)
        #expect(!Self.holds(network.namespaceA, Self.vip))
        // Priority 0 from the stopping master: the backup waits only Skew_Time (~0.1 s), far below
        // Master_Down_Interval (~0.7 s).
        let takeover = Self.wait(3) { shellB.states()["VI_1"] == .master }
        #expect(takeover != nil)
        #expect((takeover ?? 99) < 0.5)
        #expect(Self.wait(2) { Self.holds(network.namespaceB, Self.vip) } != nil)

        shellA = Self.shell(configA, namespace: network.namespaceA)
        defer { Self.stop(shellA) }
        #expect(Self.wait(5) { shellA.states()["VI_1"] == .master && shellB.states()["VI_1"] == .backup } != nil)
        #expect(Self.wait(2) { Self.holds(network.namespaceA, Self.vip) && !Self.holds(network.namespaceB, Self.vip) } != nil)
    }

    @Test("root: a failing weight-0 vrrp_script puts the master in FAULT and takes its VIP away")
    func scriptFault() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let flag = NSTemporaryDirectory() + "vshell-flag-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        #expect(FileManager.default.createFile(atPath: flag, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: flag) }
        let extra = """
        vrrp_script chk { script "/usr/bin/test -e \(flag)"
          interval 1
          timeout 2 }
        """
        let config = Self.config(interface: network.interfaceA, priority: 150, extra: extra, inside: "track_script { chk }")
        #expect(config.vrrpInstances[0].tracking.scripts.map(\.name) == ["chk"])
        let shell = Self.shell(config, namespace: network.namespaceA)
        defer { Self.stop(shell) }
        #expect(Self.wait(5) { shell.states()["VI_1"] == .master } != nil)
        try FileManager.default.removeItem(atPath: flag)
        #expect(Self.wait(4) { shell.states()["VI_1"] == .fault } != nil)
        #expect(!Self.holds(network.namespaceA, Self.vip))
        #expect(FileManager.default.createFile(atPath: flag, contents: Data()))
        #expect(Self.wait(6) { shell.states()["VI_1"] == .master } != nil)
    }

    @Test("root: a weight-0 track_file written non-zero puts the master in FAULT, back to 0 restores it (inotify)")
    func trackFileFault() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let directory = NSTemporaryDirectory() + "vshell-tf-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/state"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("0\n".utf8)))
        let extra = "track_file tf {\n  file \(file)\n  weight 0\n}"
        let config = Self.config(interface: network.interfaceA, priority: 150, extra: extra, inside: "track_file { tf }")
        #expect(config.vrrpInstances[0].tracking.files.map(\.name) == ["tf"])
        let shell = Self.shell(config, namespace: network.namespaceA)
        defer { Self.stop(shell) }
        #expect(Self.wait(5) { shell.states()["VI_1"] == .master } != nil)
        // Moved in, as tools that write a file atomically do.
        #expect(FileManager.default.createFile(atPath: file + ".new", contents: Data("1\n".utf8)))
        #expect(rename(file + ".new", file) == 0)
        #expect(Self.wait(4) { shell.states()["VI_1"] == .fault } != nil)
        #expect(!Self.holds(network.namespaceA, Self.vip))
        #expect(FileManager.default.createFile(atPath: file + ".new", contents: Data("0\n".utf8)))
        #expect(rename(file + ".new", file) == 0)
        #expect(Self.wait(6) { shell.states()["VI_1"] == .master } != nil)
    }

    @Test("root: a reload that only changes VIPs keeps the MASTER and applies the difference")
    func reloadKeepsState() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let shell = Self.shell(Self.config(interface: network.interfaceA, priority: 150), namespace: network.namespaceA)
        defer { Self.stop(shell) }
        let counter = Mutex(0)
        shell.onStateChange { _, _, _ in counter.withLock { $0 += 1 } }
        #expect(Self.wait(5) { shell.states()["VI_1"] == .master } != nil)
        let changes = counter.withLock { $0 }
        shell.reload(Self.config(interface: network.interfaceA, priority: 150, vips: "10.201.0.101/24\n 10.201.0.102/24"))
        #expect(Self.wait(2) {
            Self.holds(network.namespaceA, "10.201.0.101") && Self.holds(network.namespaceA, "10.201.0.102")
                && !Self.holds(network.namespaceA, Self.vip)
        } != nil)
        #expect(shell.states()["VI_1"] == .master)
        #expect(counter.withLock { $0 } == changes)
    }
}
