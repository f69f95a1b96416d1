import Dispatch
import Foundation
import Testing
@testable import DaemonSupport

@Suite struct SystemdNotifierTests {
    @Test func readySendsExactPayloadToPathSocket() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocketValue])
        #expect(notifier.isEnabled)
        #expect(notifier.ready())
        #expect(listener.receive() == "READY=1")
        #expect(notifier.ready(status: "Running, 2 VRRP instances"))
        #expect(listener.receive() == "READY=1\nSTATUS=Running, 2 VRRP instances")
    }

    @Test func statusTextStaysOnOneLine() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocketValue])
        #expect(notifier.status("two\nlines"))
        #expect(listener.receive() == "STATUS=two lines")
    }

    @Test func stoppingAndWatchdogPayloads() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocketValue])
        #expect(notifier.stopping())
        #expect(listener.receive() == "STOPPING=1")
        #expect(notifier.watchdogPing())
        #expect(listener.receive() == "WATCHDOG=1")
    }

    @Test func reloadingCarriesMonotonicMicroseconds() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocketValue])
        let before = SystemdNotification.monotonicMicroseconds()
        #expect(notifier.reloading())
        let after = SystemdNotification.monotonicMicroseconds()
        let payload = try #require(listener.receive())
        let lines = payload.split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        #expect(lines[0] == "RELOADING=1")
        #expect(lines[1].hasPrefix("MONOTONIC_USEC="))
        let stamp = try #require(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
        #expect(before <= stamp && stamp <= after)
    }

    @Test func abstractSocketNameGetsLeadingNul() throws {
        let name = "keepalivedd-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let listener = try DatagramListener(abstractName: name)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + name])
        #expect(notifier.socket?.isAbstract == true)
        #expect(notifier.socket?.pathBytes == [0] + Array(name.utf8))
        #expect(notifier.ready(status: "abstract"))
        #expect(listener.receive() == "READY=1\nSTATUS=abstract")
    }

    @Test func noSocketMeansEveryCallIsANoOp() {
        let notifier = SystemdNotifier(environment: ["WATCHDOG_USEC": "200000"])
        #expect(!notifier.isEnabled)
        #expect(!notifier.ready(status: "x"))
        #expect(!notifier.reloading())
        #expect(!notifier.stopping())
        #expect(!notifier.watchdogPing())
        #expect(!notifier.startWatchdog(on: DispatchQueue(label: "test.watchdog")))
        #expect(!notifier.isWatchdogRunning)
    }

    @Test func unusableSocketValuesAreIgnored() {
        #expect(NotifySocket(environmentValue: "") == nil)
        #expect(NotifySocket(environmentValue: "relative/path") == nil)
        #expect(NotifySocket(environmentValue: "@") == nil)
        #expect(NotifySocket(environmentValue: "/" + String(repeating: "a", count: 200)) == nil)
        #expect(NotifySocket(environmentValue: "/run/systemd/notify")?.isAbstract == false)
    }

    @Test func sendingToAMissingSocketReportsFailure() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent-\(UUID().uuidString)/notify"])
        #expect(notifier.isEnabled)
        #expect(!notifier.ready())
    }

    @Test func watchdogIntervalParsing() {
        let me = getpid()
        #expect(SystemdNotification.watchdogInterval(environment: ["WATCHDOG_USEC": "200000"], pid: me)
                == .milliseconds(200))
        #expect(SystemdNotification.watchdogInterval(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "\(me)"],
                                                     pid: me) == .milliseconds(200))
        #expect(SystemdNotification.watchdogInterval(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "\(me + 1)"],
                                                     pid: me) == nil)
        #expect(SystemdNotification.watchdogInterval(environment: ["WATCHDOG_USEC": "0"], pid: me) == nil)
        #expect(SystemdNotification.watchdogInterval(environment: ["WATCHDOG_USEC": "soon"], pid: me) == nil)
        #expect(SystemdNotification.watchdogInterval(environment: [:], pid: me) == nil)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "10000000"]).watchdogInterval == .seconds(10))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "1000", "WATCHDOG_PID": "\(me + 1)"]).watchdogInterval
                == nil)
    }

    @Test func watchdogTimerSendsPingsEveryHalfInterval() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocketValue,
                                                     "WATCHDOG_USEC": "200000"])
        #expect(notifier.watchdogInterval == .milliseconds(200))
        let started = ContinuousClock.now
        #expect(notifier.startWatchdog(on: DispatchQueue(label: "test.watchdog")))
        #expect(notifier.isWatchdogRunning)
        #expect(listener.receive() == "WATCHDOG=1")
        #expect(listener.receive() == "WATCHDOG=1")
        #expect(listener.receive() == "WATCHDOG=1")
        // Three pings at a 100 ms period take about 300 ms; far less would mean no timer spacing.
        #expect(ContinuousClock.now - started >= .milliseconds(250))
        notifier.stopWatchdog()
        #expect(!notifier.isWatchdogRunning)
        while listener.receive(timeout: 0.05) != nil {}
        #expect(listener.receive(timeout: 0.4) == nil)
    }
}
