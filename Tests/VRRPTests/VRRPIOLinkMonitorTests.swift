import ConfParser
import Dispatch
import Foundation
import Testing
@testable import VRRP

/// LinkMonitor events and InterfaceInfo queries in a test namespace (NEEDS ROOT).
@Suite("VRRPIO link monitor and interface info (needs root)", .serialized)
struct VRRPIOLinkMonitorTests {
    @Test("root: link down and up are seen as events with name and flags")
    func downAndUp() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let events = VRRPIOCollector<LinkMonitor.Event>()
        let (monitor, index) = try network.inside(network.namespaceA) {
            (try LinkMonitor(), Int32(if_nametoindex(network.interfaceA)))
        }
        defer { monitor.close() }
        monitor.start(on: DispatchQueue(label: "vrrpio.test.link")) { events.append($0) }

        try VRRPIOTestNetwork.ip("-n", network.namespaceA, "link", "set", network.interfaceA, "down")
        let down = try #require(events.wait(timeout: 3) { $0.name == network.interfaceA && !$0.isUp })
        #expect(down.interfaceIndex == index)
        #expect(!down.isRunning)
        #expect(!down.isDeleted)

        try VRRPIOTestNetwork.ip("-n", network.namespaceA, "link", "set", network.interfaceA, "up")
        let up = try #require(events.wait(timeout: 3) { $0.name == network.interfaceA && $0.isUp && $0.isRunning })
        #expect(up.interfaceIndex == index)

        try VRRPIOTestNetwork.ip("-n", network.namespaceA, "link", "add", "viox0", "type", "veth", "peer", "name", "vioy0")
        #expect(events.wait(timeout: 3) { $0.name == "viox0" && !$0.isDeleted } != nil)
        try VRRPIOTestNetwork.ip("-n", network.namespaceA, "link", "del", "viox0")
        #expect(events.wait(timeout: 3) { $0.name == "viox0" && $0.isDeleted } != nil)
    }

    @Test("root: interface query gives index, MAC, state, primary IPv4 and link-local IPv6")
    func query() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        try VRRPIOTestNetwork.ip("-n", network.namespaceA, "addr", "add", "10.201.0.50/24", "dev", network.interfaceA)
        let linkText = try VRRPIOTestNetwork.ip("-n", network.namespaceA, "-o", "link", "show", "dev", network.interfaceA)
        let addressText = try VRRPIOTestNetwork.ip("-n", network.namespaceA, "-o", "-6", "addr", "show", "dev",
                                                   network.interfaceA, "scope", "link")
        let info = try network.inside(network.namespaceA) { try InterfaceInfo.query(network.interfaceA) }
        #expect(info.name == network.interfaceA)
        #expect(linkText.hasPrefix("\(info.index): \(network.interfaceA)@"))
        #expect(linkText.contains("link/ether \(info.macText) "))
        #expect(info.mac.count == 6)
        #expect(info.isUp)
        #expect(info.isRunning)
        #expect(info.primaryIPv4 == IPAddress(network.addressA))
        let linkLocal = try #require(info.linkLocalIPv6)
        #expect(addressText.contains("inet6 \(linkLocal)/64 scope link"))

        try VRRPIOTestNetwork.ip("-n", network.namespaceB, "link", "set", network.interfaceB, "down")
        let noCarrier = try network.inside(network.namespaceA) { try InterfaceInfo.query(network.interfaceA) }
        #expect(noCarrier.isUp)
        #expect(!noCarrier.isRunning)
    }

    @Test("root: querying a missing interface fails with ENODEV")
    func missing() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let error = try network.inside(network.namespaceA) { () -> VRRPIOError? in
            do {
                _ = try InterfaceInfo.query("nosuchvio0")
                return nil
            } catch let error as VRRPIOError {
                return error
            } catch {
                return nil
            }
        }
        #expect(error?.code == ENODEV)
    }

    @Test("netlink parsing: RTM_NEWLINK with IFLA_IFNAME gives index, name and flags")
    func parse() {
        // nlmsghdr(16) + ifinfomsg(16) + rtattr IFLA_IFNAME "eth7\0" padded to 8.
        var message: [UInt8] = []
        func le32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        func le16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        message += le32(44) + le16(16) + le16(0) + le32(0) + le32(0)       // RTM_NEWLINK
        message += [0, 0] + le16(1) + le32(7) + le32(0x1 | 0x40) + le32(0)  // AF_UNSPEC, ether, index 7, UP|RUNNING
        message += le16(9) + le16(3) + Array("eth7".utf8) + [0, 0, 0, 0]    // IFLA_IFNAME
        let events = LinkMonitor.parse(message)
        #expect(events == [LinkMonitor.Event(interfaceIndex: 7, name: "eth7", isUp: true, isRunning: true, isDeleted: false)])
        #expect(LinkMonitor.parse(Array(message.prefix(20))).isEmpty)
    }
}
