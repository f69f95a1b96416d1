import Foundation
import Testing
@testable import ConfParser

/// Runs the preprocessor on in-memory text and returns the logical lines as space-joined strings.
func preprocess(_ text: String, configID: String = "main", files: [String: String] = [:],
                environment: [String: String] = [:]) -> (lines: [String], diagnostics: Diagnostics, raw: [LogicalLine]) {
    var all = files
    all["/etc/k/keepalived.conf"] = text
    var preprocessor = Preprocessor(source: MemorySource(all),
                                    options: ParseOptions(configID: configID, environment: environment), collectLines: true)
    _ = preprocessor.run(path: "/etc/k/keepalived.conf")
    let output = preprocessor.output
    return (output.lines.map { $0.tokens.joined(separator: " ") }, output.diagnostics, output.lines)
}

@Suite struct PreprocessorTests {
    @Test func commentsAndBlankLinesVanish() {
        let result = preprocess("""
        ! a comment
        # another

        global_defs {   # trailing
           router_id R1 ! trailing bang
        }
        """)
        #expect(result.lines == ["global_defs {", "router_id R1", "}"])
        #expect(result.raw.map(\.location.line) == [4, 5, 6])
    }

    @Test func conditionalLinesFollowTheConfigID() {
        let text = """
        @main router_id main_router
        @backup router_id backup_router
        @^main priority 50
        @^backup priority 60
        """
        #expect(preprocess(text, configID: "main").lines == ["router_id main_router", "priority 60"])
        #expect(preprocess(text, configID: "backup").lines == ["router_id backup_router", "priority 50"])
        #expect(preprocess(text, configID: "other").lines == ["priority 50", "priority 60"])
    }

    @Test func definitionsAreSubstitutedAtUseTime() {
        let result = preprocess("""
        $ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}
        $ADDRESS_BASE_SUB=0
        ${ADDRESS_BASE}.100/32
        $ADDRESS_BASE_SUB=10
        ${ADDRESS_BASE}.100/32
        $IF=eth0
        interface $IF
        interface $IFX
        """)
        #expect(result.lines == ["10.2.0.100/32", "10.2.10.100/32", "interface eth0", "interface $IFX"])
    }

    @Test func plainDollarNeedsWhitespaceAfterTheName() {
        let result = preprocess("$A=x\nvalue $Ab ${A}b $A")
        #expect(result.lines == ["value $Ab xb x"])
    }

    @Test func definitionsCombineWithConditionals() {
        let text = """
        @main $PRIORITY=240
        @backup $PRIORITY=200
        priority $PRIORITY
        $IF_MAIN=@main
        $IF_MAIN state MASTER
        """
        #expect(preprocess(text, configID: "main").lines == ["priority 240", "state MASTER"])
        #expect(preprocess(text, configID: "backup").lines == ["priority 200"])
    }

    @Test func multiLineDefinitionsExpandIntoLinesAndNest() {
        let result = preprocess("""
        $RS= \\
        real_server 192.168.${VS}.${RS_NUM} 80 { \\
            weight 1 \\

        }
        $VSDEF= \\
        virtual_server 10.0.${VS}.4 80 { \\
            $RS_NUM=1 \\
            $RS \\
            $RS_NUM=2 \\
            $RS \\
        }
        $VS=7
        $VSDEF
        """)
        #expect(result.lines == ["virtual_server 10.0.7.4 80 {", "real_server 192.168.7.1 80 {", "weight 1", "}",
                                 "real_server 192.168.7.2 80 {", "weight 1", "}", "}"])
    }

    @Test func predefinedNames() {
        let result = preprocess("""
        a ${_PWD}
        b ${_INSTANCE}
        c ${_HASH}${_BANG}
        d ${_ENV HOME_DIR}
        e ${_RANDOM 5 5}
        """, configID: "node1", environment: ["HOME_DIR": "/home/x"])
        #expect(result.lines == ["a /etc/k", "b node1", "c #!", "d /home/x", "e 5"])
    }

    @Test func randomStaysInRange() {
        let result = preprocess("~SEQ(i, 1, 50) v ${_RANDOM 10 20}")
        #expect(result.lines.count == 50)
        for line in result.lines {
            let value = Int(line.split(separator: " ")[1])!
            #expect((10...20).contains(value))
        }
    }

    @Test func sequenceForms() {
        #expect(preprocess("~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1").lines
                == ["ip_address 10.0.0.1", "ip_address 10.0.1.1", "ip_address 10.0.2.1", "ip_address 10.0.3.1"])
        #expect(preprocess("~SEQ(i, 3) x$i").lines == ["x1", "x2", "x3"])
        #expect(preprocess("~SEQ(i, 3) x ${i}").lines == ["x 1", "x 2", "x 3"])
        #expect(preprocess("~SEQ(i, 5, -2, 1) x ${i}").lines == ["x 5", "x 3", "x 1"])
        #expect(preprocess("~SEQx(S, 0x90, 0x10, 0xc0) fe80::20:${S}:1").lines
                == ["fe80::20:90:1", "fe80::20:a0:1", "fe80::20:b0:1", "fe80::20:c0:1"])
        #expect(preprocess("~SEQ(IF,0,1) ~SEQ(ID,1,2) v${IF}.${ID}").lines == ["v0.1", "v0.2", "v1.1", "v1.2"])
    }

    @Test func listForms() {
        #expect(preprocess("~LST({IP, IP1}, {10,1},{20,4}) 192.168.${IP}.${IP1}").lines == ["192.168.10.1", "192.168.20.4"])
        #expect(preprocess("~LST(IP, 1, 2) ~LST(IP1, 5,6) 192.169.${IP}.${IP1}").lines
                == ["192.169.1.5", "192.169.1.6", "192.169.2.5", "192.169.2.6"])
        #expect(preprocess("~LST({A, B}, {1,2}) ~SEQ(C,1,2) ${A}${B}${C}").lines == ["121", "122"])
    }

    @Test func badRepetitionsAreErrors() {
        let result = preprocess("~SEQ(i, 1, 0, 3) x\n~LST({A, B}, {1}) y\n~SEQ(i, 1, 2 z")
        #expect(result.lines.isEmpty)
        #expect(result.diagnostics.items.map(\.severity) == [.error, .error, .error])
        #expect(result.diagnostics.items.map { $0.location?.line } == [1, 2, 3])
    }

    @Test func selfReferencingDefinitionStops() {
        let result = preprocess("$A=${A}x\nv $A\n$B=$C $C\n$C=$B $B\nw $B\nlast")
        #expect(result.lines == ["last"])
        #expect(result.diagnostics.items.map(\.severity) == [.error, .error])
        #expect(result.diagnostics.items.map { $0.location?.line } == [2, 5])
    }
}
