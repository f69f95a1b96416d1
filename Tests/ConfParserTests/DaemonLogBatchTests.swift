import KeepalivedCLI
import Testing

@Suite("DaemonLog: many lines at once")
struct DaemonLogBatchTests {
    @Test("600 lines are three messages of at most 256 lines")
    func manyLinesMakeBoundedMessages() {
        #expect(DaemonLog.linesPerWrite == 256)
        #expect(DaemonLog.messageRanges(lineCount: 600) == [0..<256, 256..<512, 512..<600])
        #expect(DaemonLog.messageRanges(lineCount: 256) == [0..<256])
        #expect(DaemonLog.messageRanges(lineCount: 1) == [0..<1])
        #expect(DaemonLog.messageRanges(lineCount: 0).isEmpty)
    }

    @Test("every line is logged once, in order")
    func everyLineIsLoggedInOrder() {
        let log = DaemonLog(identity: .checkers, console: false, detail: false, facility: nil, syslog: false, record: true)
        let lines = (0..<600).map { "Activating healthchecker for service [10.0.\($0 / 256).\($0 % 256)]:tcp:80 for VS [10.0.0.1]:tcp:80" }
        log.info(lines: lines)
        #expect(log.lines == lines)
        log.info(lines: [])
        #expect(log.lines == lines)
    }
}
