import ConfParser
import Foundation
import Testing
@testable import VRRP

/// VirtualAddressManager against the kernel in a test namespace, checked with `ip -o addr`
/// (NEEDS ROOT).
@Suite("VRRPIO virtual addresses (needs root)", .serialized)
struct VRRPIOAddressTests {
    /// The virtual_ipaddress lines of a one-instance configuration, as ConfParser types them.
    static func addresses(_ lines: [String]) throws -> [VirtualAddress] {
        let text = """
        vrrp_instance VI_1 {
            interface vioa0
            virtual_router_id 51
            virtual_ipaddress {
        \(lines.map { "        " + $0 }.joined(separator: "\n"))
            }
        }
        """
        let result = ConfigLoader.load(text: text)
        let instance = try #require(result.config.vrrpInstances.first)
        return instance.virtualAddresses
    }

    static func show(_ network: VRRPIOTestNetwork) throws -> String {
        try VRRPIOTestNetwork.ip("-n", network.namespaceA, "-o", "addr", "show", "dev", network.interfaceA)
    }

    /// The `ip -o addr` line holding `address`.
    static func line(for address: String, in output: String) -> String? {
        output.split(separator: "\n").map(String.init).first { $0.contains(" \(address)/") }
    }

    @Test("root: IPv4 VIPs with brd, scope and label are added, listed and deleted like keepalived")
    func ipv4LifeCycle() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let vips = try Self.addresses(["10.201.0.100/24 brd + label vioa0:1",
                                       "10.201.5.7/32 brd 10.201.5.255 scope link"])
        try #require(vips.count == 2)
        try network.inside(network.namespaceA) {
            let manager = try VirtualAddressManager()
            #expect(try manager.add(vips[0], on: network.interfaceA) == .changed)
            #expect(try manager.add(vips[1], on: network.interfaceA) == .changed)
            #expect(try manager.add(vips[0], on: network.interfaceA) == .alreadyPresent)

            let output = try Self.show(network)
            let first = try #require(Self.line(for: "10.201.0.100", in: output))
            #expect(first.contains("inet 10.201.0.100/24 brd 10.201.0.255 scope global secondary vioa0:1"))
            let second = try #require(Self.line(for: "10.201.5.7", in: output))
            #expect(second.contains("inet 10.201.5.7/32 brd 10.201.5.255 scope link vioa0"))

            let listed = try manager.addresses(on: network.interfaceA)
            let entry = try #require(listed.first { $0.address == vips[0].address })
            #expect(entry.prefixLength == 24)
            #expect(entry.label == "vioa0:1")
            #expect(entry.scope == 0)
            #expect(entry.broadcast == IPAddress("10.201.0.255"))
            #expect(entry.isSecondary)
            #expect(listed.first { $0.address == vips[1].address }?.scope == 253)
            #expect(listed.contains { $0.address == IPAddress(network.addressA) && !$0.isSecondary })

            #expect(try manager.delete(vips[0], on: network.interfaceA) == .changed)
            #expect(try manager.delete(vips[0], on: network.interfaceA) == .alreadyAbsent)
            #expect(Self.line(for: "10.201.0.100", in: try Self.show(network)) == nil)
            #expect(Self.line(for: "10.201.5.7", in: try Self.show(network)) != nil)
        }
    }

    @Test("root: IPv6 VIP with -nodad carries the nodad flag")
    func ipv6NoDAD() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let vips = try Self.addresses(["fd00:201::100/64 -nodad", "fd00:201::200/64"])
        try network.inside(network.namespaceA) {
            let manager = try VirtualAddressManager()
            for vip in vips { #expect(try manager.add(vip, on: network.interfaceA) == .changed) }
            let output = try Self.show(network)
            let noDAD = try #require(Self.line(for: "fd00:201::100", in: output))
            #expect(noDAD.contains("inet6 fd00:201::100/64 scope global nodad"))
            let plain = try #require(Self.line(for: "fd00:201::200", in: output))
            #expect(!plain.contains("nodad"))
            let listed = try manager.addresses(on: network.interfaceA)
            #expect(listed.first { $0.address == vips[0].address }?.isNoDAD == true)
            #expect(listed.first { $0.address == vips[1].address }?.isNoDAD == false)
            #expect(try manager.delete(vips[0], on: network.interfaceA) == .changed)
            #expect(Self.line(for: "fd00:201::100", in: try Self.show(network)) == nil)
        }
    }

    @Test("root: kernel errors come back typed with the kernel's message")
    func kernelErrors() throws {
        let network = try VRRPIOTestNetwork()
        defer { network.close() }
        let vip = try #require(try Self.addresses(["10.201.0.100/24"]).first)
        try network.inside(network.namespaceA) {
            let manager = try VirtualAddressManager()
            do {
                try manager.add(vip, interfaceIndex: 9999)
                Issue.record("adding on a missing interface succeeded")
            } catch let error as VRRPIOError {
                #expect(error.code == ENODEV)
                #expect(error.message == "No such device")
                #expect(error.description.contains("add address 10.201.0.100/24"))
            }
            #expect(throws: VRRPIOError.self) { try manager.add(vip, on: "nosuchvio0") }
            // A secondary in the primary's subnet with another scope: the kernel refuses (EINVAL)
            // and says why in its extended ACK on kernels that send one.
            let linkScoped = try #require(try Self.addresses(["10.201.0.101/24 scope link"]).first)
            do {
                try manager.add(linkScoped, on: network.interfaceA)
                Issue.record("the kernel accepted a secondary with another scope")
            } catch let error as VRRPIOError {
                #expect(error.code == EINVAL)
                #expect(error.message == "Invalid argument")
                #expect(error.kernelDetail?.contains("scope") ?? true)
            }
        }
    }

    @Test("brd + and - set and clear the host bits; option flags map to IFA_F_*")
    func pureHelpers() throws {
        let vips = try Self.addresses(["192.168.7.9/22 brd +", "192.168.7.9/22 brd -"])
            + Self.addresses(["fd00::1/64 -nodad home noprefixroute"])
        try #require(vips.count == 3)
        #expect(VirtualAddressManager.broadcast(of: vips[0]) == IPAddress("192.168.7.255"))
        #expect(VirtualAddressManager.broadcast(of: vips[1]) == IPAddress("192.168.4.0"))
        #expect(VirtualAddressManager.broadcast(of: vips[2]) == nil)
        #expect(VirtualAddressManager.flags(of: vips[2]) == 0x02 | 0x10 | 0x200)
        #expect(VirtualAddressManager.flags(of: vips[0]) == 0)
    }
}
