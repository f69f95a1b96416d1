import Testing
@testable import ConfParser

@Suite struct KeywordTreeTests {
    func tree(_ text: String) -> ([ConfNode], Diagnostics) {
        let lines = preprocess(text).raw
        let built = KeywordTreeBuilder.build(lines)
        return (built.nodes, built.diagnostics)
    }

    /// A compact rendering: `kw args{children}`.
    func render(_ nodes: [ConfNode]) -> String {
        nodes.map { node in
            let head = node.tokens.joined(separator: " ")
            guard let children = node.children else { return head }
            return head + "{" + render(children) + "}"
        }.joined(separator: ";")
    }

    @Test func braceOnTheSameOrNextLine() {
        let (same, _) = tree("vrrp_instance VI_1 {\n  priority 100\n}")
        let (next, _) = tree("vrrp_instance VI_1\n{\n  priority 100\n}")
        #expect(render(same) == "vrrp_instance VI_1{priority 100}")
        #expect(render(next) == render(same))
    }

    @Test func textBeforeAndAfterBracesIsItsOwnStatement() {
        let (nodes, diagnostics) = tree("vrrp_instance VI_1 { interface eth0\n virtual_ipaddress { 10.0.0.1 10.0.0.2 }\n track_script { a } priority 5 }\nglobal_defs{}")
        #expect(render(nodes) == "vrrp_instance VI_1{interface eth0;virtual_ipaddress{10.0.0.1 10.0.0.2};track_script{a};priority 5};global_defs{}")
        #expect(diagnostics.items.isEmpty)
        #expect(nodes[0].children?[1].children?[0].location.line == 2)
    }

    @Test func nestedOneLineBlocks() {
        let (nodes, _) = tree("virtual_server 10.0.0.1 80 { real_server 10.0.0.2 80 { TCP_CHECK { connect_timeout 3 } } }")
        #expect(render(nodes) == "virtual_server 10.0.0.1 80{real_server 10.0.0.2 80{TCP_CHECK{connect_timeout 3}}}")
    }

    @Test func missingCloseBraceIsAnErrorAtTheOpeningLine() {
        let (nodes, diagnostics) = tree("global_defs {\n router_id A\n")
        #expect(render(nodes) == "global_defs{router_id A}")
        #expect(diagnostics.items.count == 1)
        #expect(diagnostics.items[0].severity == .error)
        #expect(diagnostics.items[0].location?.line == 1)
        #expect(diagnostics.items[0].message.contains("missing '}'"))
    }

    @Test func extraCloseBraceAndStrayOpenBrace() {
        let (nodes, diagnostics) = tree("a\n}\n{ b }\n")
        #expect(render(nodes) == "a")
        let (nodes2, diagnostics2) = tree("x {}\n}\n")
        #expect(render(nodes2) == "x{}")
        #expect(diagnostics2.items.map(\.message) == ["Extra '}' found"])
        #expect(diagnostics2.items[0].location?.line == 2)
        #expect(diagnostics.items.map(\.message) == ["Extra '}' found", "Unexpected '{' - ignoring"])
    }
}
