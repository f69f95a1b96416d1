import Testing
@testable import DaemonSupport

/// The pure SMTP client: reply parsing and the command sequence, against golden lines.
@Suite struct SMTPConversationTests {
    static let message = SMTPMessage(
        from: "kd@example.com", recipients: ["ops@example.com", "dev@example.com"],
        alert: SMTPAlert(subject: "[rid] test", body: ".starts with a dot\n..two\nplain"),
        date: "Sun, 22 Nov 2026 22:34:54 +0000")

    @Test func parsesSingleAndMultiLineReplies() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.consume("220 ready") == SMTPReply(code: 220, lines: ["ready"]))
        #expect(try parser.consume("250-mx.example.com") == nil)
        #expect(try parser.consume("250-PIPELINING") == nil)
        #expect(try parser.consume("250 HELP") == SMTPReply(code: 250, lines: ["mx.example.com", "PIPELINING", "HELP"]))
        #expect(try parser.consume("354") == SMTPReply(code: 354, lines: [""]))
    }

    @Test func rejectsMalformedReplies() {
        for bad in ["", "25", "abc ok", "250xok"] {
            var parser = SMTPReplyParser()
            #expect(throws: SMTPError.malformedReply(bad)) { try parser.consume(bad) }
        }
        var mixed = SMTPReplyParser()
        #expect(throws: SMTPError.malformedReply("251 other")) {
            _ = try mixed.consume("250-first")
            _ = try mixed.consume("251 other")
        }
    }

    @Test func fullExchangeSendsKeepalivedsSequence() {
        var conversation = SMTPConversation(heloName: "lb1", message: Self.message)
        #expect(conversation.receive(line: "220-mx ESMTP") == [])
        #expect(conversation.receive(line: "220 mx ready") == [.send(["HELO lb1"])])
        #expect(conversation.receive(line: "250-mx") == [])
        #expect(conversation.receive(line: "250 HELP") == [.send(["MAIL FROM:<kd@example.com>"])])
        #expect(conversation.receive(line: "250 ok") == [.send(["RCPT TO:<ops@example.com>"])])
        #expect(conversation.receive(line: "250 ok") == [.send(["RCPT TO:<dev@example.com>"])])
        #expect(conversation.receive(line: "251 will forward") == [.send(["DATA"])])
        #expect(conversation.receive(line: "354 go ahead") == [.send([
            "Date: Sun, 22 Nov 2026 22:34:54 +0000",
            "From: kd@example.com",
            "Subject: [rid] test",
            "X-Mailer: Keepalived",
            "To: ops@example.com, dev@example.com",
            "",
            "..starts with a dot",
            "...two",
            "plain",
            "",
            ".",
        ])])
        #expect(conversation.receive(line: "250 queued") == [.delivered, .send(["QUIT"])])
        #expect(!conversation.isFinished)
        #expect(conversation.receive(line: "221 bye") == [.close])
        #expect(conversation.isFinished)
        #expect(conversation.receive(line: "250 late") == [])
    }

    @Test func rejectedRecipientFailsThenQuits() {
        var conversation = SMTPConversation(heloName: "lb1", message: Self.message)
        _ = conversation.receive(line: "220 ready")
        _ = conversation.receive(line: "250 hi")
        _ = conversation.receive(line: "250 ok")
        #expect(conversation.receive(line: "550 no such user") == [.failed(.rejected(.rcpt, code: 550)), .send(["QUIT"])])
        #expect(conversation.receive(line: "221 bye") == [.close])
    }

    @Test func unexpectedCodesAtEachStepFail() {
        let script = ["220 ready", "250 hi", "250 ok", "250 ok", "250 ok", "354 go", "250 queued"]
        let stages: [SMTPStage] = [.greeting, .helo, .mail, .rcpt, .rcpt, .data, .dot]
        for (index, stage) in stages.enumerated() {
            var conversation = SMTPConversation(heloName: "lb1", message: Self.message)
            for line in script.prefix(index) { _ = conversation.receive(line: line) }
            #expect(conversation.receive(line: "451 try later") == [.failed(.rejected(stage, code: 451)), .send(["QUIT"])])
        }
    }

    @Test func closedConnectionAndGarbageFail() {
        var closed = SMTPConversation(heloName: "lb1", message: Self.message)
        _ = closed.receive(line: "220 ready")
        #expect(closed.connectionClosed() == [.failed(.connectionClosed), .close])
        #expect(closed.isFinished)

        var garbage = SMTPConversation(heloName: "lb1", message: Self.message)
        #expect(garbage.receive(line: "hello?") == [.failed(.malformedReply("hello?")), .close])
    }

    @Test func logLinesNameTheServer() {
        let server = "[127.0.0.1]:25"
        #expect(SMTPError.rejected(.rcpt, code: 550).logLine(server: server)
                == "Error processing RCPT cmd on SMTP server [127.0.0.1]:25. SMTP status code = 550")
        #expect(SMTPError.readTimeout.logLine(server: server) == "Timeout reading data to remote SMTP server [127.0.0.1]:25.")
        #expect(SMTPError.connectTimeout.logLine(server: server) == "Timeout connecting SMTP server [127.0.0.1]:25.")
        #expect(SMTPError.connectFailed("refused").logLine(server: server).contains(server))
    }
}
