import Testing
@testable import ConfParser

@Suite struct TokenizerTests {
    @Test func splitsWordsQuotesAndBraces() {
        let tokens = Tokenizer.tokens(ArraySlice(Array("vrrp_instance VI_1{ script \"/bin/x a b\" }".utf8)))
        #expect(tokens == ["vrrp_instance", "VI_1", "{", "script", "/bin/x a b", "}"])
    }

    @Test func commentsEndTheLineOutsideQuotes() {
        let line = Tokenizer.stripComment(Array("  priority 100 # the priority ! again".utf8))
        #expect(String(decoding: line, as: UTF8.self) == "priority 100")
        let quoted = Tokenizer.stripComment(Array("script \"echo # not a comment\" ! comment".utf8))
        #expect(String(decoding: quoted, as: UTF8.self) == "script \"echo # not a comment\"")
    }

    @Test func emptyQuotedTokenIsKept() {
        #expect(Tokenizer.tokens(ArraySlice(Array("auth_pass \"\"".utf8))) == ["auth_pass", ""])
    }
}
