import Foundation
import Testing
@testable import ConfParser

/// A reload that re-reads only changed blocks must give exactly what a whole read gives.
@Suite struct IncrementalConfigLoaderTests {
    static let path = "/etc/keepalived/incremental-test.conf"
    static let head = """
        ! test configuration
        global_defs {
            router_id incremental
        }

        vrrp_instance VI_1 {
            state MASTER
            interface eth0
            virtual_router_id 51
            priority 100
            virtual_ipaddress {
                10.0.0.100/24
            }
        }

        """

    static func service(_ index: Int, weight: Int = 1, extraReal: Bool = false, braceOnNextLine: Bool = false) -> String {
        let extra = extraReal ? "    real_server 172.16.\(index).9 80 {\n        weight 9\n        TCP_CHECK {\n            connect_timeout 5\n        }\n    }\n" : ""
        let opening = braceOnNextLine ? "virtual_server 10.1.0.\(index) 80\n{" : "virtual_server 10.1.0.\(index) 80 {"
        return """
            \(opening)
                delay_loop 5
                lb_algo wrr
                lb_kind DR
                protocol TCP
                real_server 172.16.\(index).1 80 {
                    weight \(weight)
                    notify_up "/bin/true up \(index)"
                    TCP_CHECK {
                        connect_timeout 3
                    }
                }
            \(extra)}
            ! end of \(index)

            """
    }

    static func text(_ services: [String], tail: String = "") -> String { head + services.joined() + tail }

    static func services(_ count: Int) -> [String] { (1...count).map { service($0) } }

    /// The configuration as JSON; `ignoringLines` blanks the line numbers of kept blocks.
    static func json(_ config: Config, ignoringLines: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(config), as: UTF8.self)
        guard ignoringLines else { return text }
        return text.replacingOccurrences(of: #"\.conf:[0-9]+""#, with: ".conf:L\"", options: .regularExpression)
    }

    /// Loads `text` through `loader` and checks it against a whole read of the same text.
    @discardableResult
    static func reload(_ loader: IncrementalConfigLoader, _ text: String, ignoringLines: Bool = false,
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> IncrementalConfigLoader.Report {
        let (result, report) = loader.load(path: path, options: ParseOptions(configID: "test"), source: MemorySource([path: text]))
        let whole = ConfigLoader.load(path: path, options: ParseOptions(configID: "test"), source: MemorySource([path: text]))
        #expect(try json(result.config, ignoringLines: ignoringLines) == json(whole.config, ignoringLines: ignoringLines),
                sourceLocation: sourceLocation)
        #expect(result.diagnostics.items.map(\.description) == whole.diagnostics.items.map(\.description), sourceLocation: sourceLocation)
        #expect(result.scripts.map(\.name) == whole.scripts.map(\.name), sourceLocation: sourceLocation)
        #expect(result.scripts.map(\.location.line) == whole.scripts.map(\.location.line), sourceLocation: sourceLocation)
        #expect(result.interfaces == whole.interfaces, sourceLocation: sourceLocation)
        return report
    }

    @Test func aChangedWeightRereadsOnlyItsBlock() throws {
        let loader = IncrementalConfigLoader()
        var services = Self.services(20)
        let start = try Self.reload(loader, Self.text(services))
        #expect(!start.incremental && start.parts == 22)
        services[9] = Self.service(10, weight: 50)
        let report = try Self.reload(loader, Self.text(services))
        #expect(report == .init(incremental: true, parts: 22, partsRead: 1))
        let (result, _) = loader.load(path: Self.path, options: ParseOptions(configID: "test"),
                                      source: MemorySource([Self.path: Self.text(services)]))
        #expect(result.config.virtualServers[9].realServers[0].weight == 50)
    }

    @Test func anUnchangedFileReadsNothing() throws {
        let loader = IncrementalConfigLoader()
        try Self.reload(loader, Self.text(Self.services(5)))
        #expect(try Self.reload(loader, Self.text(Self.services(5))) == .init(incremental: true, parts: 7, partsRead: 0))
    }

    @Test func addedLinesMoveTheBlocksAfterThemAndKeepTheNewLinesExact() throws {
        let loader = IncrementalConfigLoader()
        var services = Self.services(10)
        try Self.reload(loader, Self.text(services))
        services[2] = Self.service(3, extraReal: true)
        #expect(try Self.reload(loader, Self.text(services), ignoringLines: true).incremental)
        // The next change, after the moved blocks, is read at its new lines.
        services[7] = Self.service(8, weight: 7, extraReal: true)
        #expect(try Self.reload(loader, Self.text(services), ignoringLines: true).partsRead == 1)
        let (result, report) = loader.load(path: Self.path, options: ParseOptions(configID: "test"),
                                           source: MemorySource([Self.path: Self.text(services)]))
        #expect(report.partsRead == 0)
        let whole = ConfigLoader.load(path: Self.path, options: ParseOptions(configID: "test"),
                                      source: MemorySource([Self.path: Self.text(services)]))
        #expect(result.config.virtualServers[7].location == whole.config.virtualServers[7].location)
        #expect(result.config.virtualServers[7].realServers[1].location == whole.config.virtualServers[7].realServers[1].location)
        #expect(result.scripts.map(\.location) == whole.scripts.map(\.location))
    }

    @Test func servicesAddedAndRemoved() throws {
        let loader = IncrementalConfigLoader()
        var services = Self.services(6)
        try Self.reload(loader, Self.text(services))
        services.remove(at: 3)
        #expect(try Self.reload(loader, Self.text(services), ignoringLines: true).incremental)
        services.append(Self.service(40))
        services.insert(Self.service(41, braceOnNextLine: true), at: 0)
        let report = try Self.reload(loader, Self.text(services), ignoringLines: true)
        #expect(report.incremental && report.parts == 9)
        services.removeAll()
        services.append(Self.service(42))
        #expect(try Self.reload(loader, Self.text(services), ignoringLines: true).incremental)
    }

    @Test func aChangeOutsideVirtualServersIsReadWhole() throws {
        let loader = IncrementalConfigLoader()
        let services = Self.services(4)
        try Self.reload(loader, Self.text(services))
        let changed = Self.text(services).replacingOccurrences(of: "priority 100", with: "priority 101")
        #expect(try !Self.reload(loader, changed).incremental)
        // A track_file after the services: a service before it cannot name it, so read whole.
        let trackFile = "track_file tf {\n    file /tmp/tf\n}\n"
        try Self.reload(loader, Self.text(services, tail: trackFile))
        var edited = services
        edited[1] = Self.service(2, weight: 3)
        #expect(try !Self.reload(loader, Self.text(edited, tail: trackFile)).incremental)
    }

    @Test func aChangeWithAnErrorIsReadWholeAndReportedAtItsLine() throws {
        let loader = IncrementalConfigLoader()
        var services = Self.services(4)
        try Self.reload(loader, Self.text(services))
        services[2] = Self.service(3).replacingOccurrences(of: "weight 1", with: "weight x")
        #expect(try !Self.reload(loader, Self.text(services)).incremental)
        // The broken load left the last clean basis: fixing it reads only the fixed block.
        services[2] = Self.service(3, weight: 4)
        #expect(try Self.reload(loader, Self.text(services)).partsRead == 1)
        // A load with only warnings runs, so it replaces the basis: the next load reads whole.
        services[2] = Self.service(3, weight: 4).replacingOccurrences(of: "lb_kind DR", with: "lb_kind DR\n    no_such_keyword")
        #expect(try !Self.reload(loader, Self.text(services)).incremental)
        services[2] = Self.service(3, weight: 5)
        #expect(try !Self.reload(loader, Self.text(services)).incremental)
        #expect(try Self.reload(loader, Self.text(services)).incremental)
        // An unclosed block is never taken as a change of one part.
        services[2] = Self.service(3).replacingOccurrences(of: "! end of 3", with: "real_server 1.1.1.1 80 {")
        #expect(try !Self.reload(loader, Self.text(services)).incremental)
    }

    @Test func preprocessingMeansAWholeRead() throws {
        let loader = IncrementalConfigLoader()
        let services = Self.services(3)
        let withDefinition = "$WEIGHT=2\n" + Self.text(services)
        try Self.reload(loader, withDefinition)
        #expect(try !Self.reload(loader, withDefinition.replacingOccurrences(of: "weight 1\n    notify_up \"/bin/true up 2\"", with: "weight 5\n    notify_up \"/bin/true up 2\"")).incremental)
        let clean = Self.text(services)
        try Self.reload(loader, clean)
        var edited = services
        edited[1] = Self.service(2).replacingOccurrences(of: "weight 1", with: "weight $WEIGHT")
        #expect(try !Self.reload(loader, Self.text(edited)).incremental)
    }

    /// Random edits in rounds, each compared with a whole read.
    @Test func randomEditsMatchWholeReads() throws {
        var generator = SplitMix64(seed: 42)
        let loader = IncrementalConfigLoader()
        var services = Self.services(12)
        var next = 100
        try Self.reload(loader, Self.text(services))
        for _ in 0..<40 {
            let index = Int(generator.next() % UInt64(services.count))
            switch generator.next() % 4 {
            case 0: services[index] = Self.service(index + 1, weight: Int(generator.next() % 200))
            case 1: services[index] = Self.service(index + 1, extraReal: true)
            case 2 where services.count > 2: services.remove(at: index)
            default:
                next += 1
                services.insert(Self.service(next, braceOnNextLine: generator.next() % 2 == 0), at: index)
            }
            try Self.reload(loader, Self.text(services), ignoringLines: true)
        }
    }
}
