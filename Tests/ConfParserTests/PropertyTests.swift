import Foundation
import Testing
@testable import ConfParser

/// Properties that must hold for any input: the parser never crashes, every diagnostic points at a
/// real line of the input, and the exit status agrees with the worst diagnostic.
@Suite struct PropertyTests {
    /// A small deterministic generator so failures reproduce.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 29)
        }
    }

    static let seedConfig = """
    global_defs {
       router_id LVS_DEVEL
       notification_email { admin@example.com }
       smtp_server 127.0.0.1
    }
    $IF=eth0
    vrrp_script chk { script "/bin/true"
       interval 2 weight -20 }
    vrrp_sync_group VG_1 { group { VI_1 } }
    vrrp_instance VI_1 {
       state MASTER
       interface $IF
       virtual_router_id 51
       priority 100
       advert_int 1
       authentication { auth_type PASS
          auth_pass secret }
       virtual_ipaddress {
          192.168.200.16/24 dev eth0 label eth0:1
          ~SEQ(i, 17, 18) 192.168.200.${i}
       }
       track_script { chk }
    }
    virtual_server_group G { 10.0.0.1-3 80 }
    virtual_server 192.168.200.100 443 {
       delay_loop 6
       lb_algo rr
       lb_kind NAT
       persistence_timeout 50
       protocol TCP
       sorry_server 10.0.0.9 80
       real_server 192.168.201.100 443 {
          weight 1
          SSL_GET { url { path / digest ff20ad2481f97b1754ef3e12ecd3a9cc }
             connect_timeout 3 retry 3 delay_before_retry 3 }
       }
       real_server 192.168.201.101 443 { TCP_CHECK { connect_port 443 } }
    }
    virtual_server fwmark 1 { lb_kind DR real_server 10.0.0.5 0 { MISC_CHECK { misc_path "/bin/true" } } }
    """

    static let vocabulary = [
        "{", "}", "{", "}", "\"", "!", "#", "$X", "${X}", "$X=1", "@main", "@^main", "~SEQ(i,1,3)", "~LST(a,1,2)",
        "include", "vrrp_instance", "virtual_server", "real_server", "global_defs", "TCP_CHECK", "HTTP_GET", "url",
        "virtual_ipaddress", "priority", "256", "-1", "0", "99999999999999999999", "10.0.0.300", "::1", "fe80::1/64",
        "abc", "eth0", "dev", "label", "\\", "weight", "state", "MASTER", "virtual_router_id", "lb_kind", "lb_algo",
        "fwmark", "group", "status_code", "200-299", "sorry_server", "quorum", "authentication", "auth_type", "AH",
        "\n", "\n", "\n", " ", "\t", "\u{0}", "é", "${_RANDOM 5 1}", "${_ENV}", "~SEQx(i,0x10,0xf)",
    ]

    func check(_ text: String, seed: UInt64) {
        let result = ConfigLoader.load(text: text, name: "prop.conf")
        // Count bytes, not Characters: "\r\n" is one Character in Swift but two bytes to the parser.
        let lineCount = text.utf8.filter { $0 == UInt8(ascii: "\n") }.count + 1
        for diagnostic in result.diagnostics.items {
            if let location = diagnostic.location {
                #expect(location.line >= 1 && location.line <= lineCount, "seed \(seed): \(diagnostic)")
                #expect(location.fileName == "prop.conf", "seed \(seed): \(diagnostic)")
            }
            #expect(!diagnostic.message.isEmpty)
        }
        #expect(result.status == ConfigTestStatus(result.diagnostics))
        // The JSON dump must always be producible.
        #expect((try? JSONEncoder().encode(result.config)) != nil, "seed \(seed)")
    }

    @Test(arguments: 0..<8)
    func randomTokenSoupNeverCrashes(batch: Int) {
        var generator = Generator(state: UInt64(batch) &* 0x9E3779B97F4A7C15 &+ 1)
        for round in 0..<150 {
            var text = ""
            for _ in 0..<Int.random(in: 1...120, using: &generator) {
                text += Self.vocabulary.randomElement(using: &generator)!
                text += Bool.random(using: &generator) ? " " : ""
            }
            check(text, seed: UInt64(batch * 1000 + round))
        }
    }

    @Test(arguments: 0..<8)
    func mutatedRealConfigsNeverCrash(batch: Int) {
        var generator = Generator(state: UInt64(batch) &+ 77)
        let base = Array(Self.seedConfig.utf8)
        for round in 0..<150 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let position = Int.random(in: 0..<max(bytes.count, 1), using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0 where !bytes.isEmpty: bytes.remove(at: position)
                case 1: bytes.insert(Array("{}\"!$\\\n~@".utf8).randomElement(using: &generator)!, at: position)
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
                case 3:
                    let word = Array(Self.vocabulary.randomElement(using: &generator)!.utf8)
                    bytes.insert(contentsOf: word, at: position)
                default:
                    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                    var shuffled = Array(lines)
                    let a = Int.random(in: 0..<shuffled.count, using: &generator)
                    let b = Int.random(in: 0..<shuffled.count, using: &generator)
                    shuffled.swapAt(a, b)
                    bytes = Array(shuffled.joined(separator: [UInt8(ascii: "\n")]))
                }
            }
            check(String(decoding: bytes, as: UTF8.self), seed: UInt64(batch * 1000 + round))
        }
    }

    @Test func deepNestingAndLongLinesAreHandled() {
        check(String(repeating: "a {\n", count: 2000), seed: 1)
        check(String(repeating: "}", count: 5000), seed: 2)
        check("router_id " + String(repeating: "x", count: 100_000), seed: 3)
        check("$A=$B $B\n$B=$A $A\nv $A", seed: 4)
        check("~SEQ(i, 1, 1, 10000000) x", seed: 5)
    }
}
