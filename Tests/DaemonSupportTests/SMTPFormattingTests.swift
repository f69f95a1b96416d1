import ConfParser
import HealthCheck
import Testing
import VRRP
@testable import DaemonSupport

/// The alert texts, the message as sent after DATA, the Date header, the settings' defaults and the
/// policy deciding which events are mailed. Golden strings are what keepalived 2.2.7 sent in a
/// network namespace for the same events.
@Suite struct SMTPFormattingTests {
    @Test func vrrpInstanceAlertsMatchKeepalived() {
        let master = SMTPAlert.vrrpInstance(routerID: "test_rid", instance: "VI_1", state: .master)
        #expect(master.subject == "[test_rid] VRRP Instance VI_1 - Entering MASTER state")
        #expect(master.body == "=> VRRP Instance is now owning VRRP VIPs <=")
        let backup = SMTPAlert.vrrpInstance(routerID: "test_rid", instance: "VI_1", state: .backup)
        #expect(backup.subject == "[test_rid] VRRP Instance VI_1 - Entering BACKUP state")
        #expect(backup.body == "=> VRRP Instance is no longer owning VRRP VIPs <=")
        let fault = SMTPAlert.vrrpInstance(routerID: "test_rid", instance: "VI_1", state: .fault)
        #expect(fault.subject == "[test_rid] VRRP Instance VI_1 - Entering FAULT state")
        #expect(fault.body == "=> VRRP Instance is no longer owning VRRP VIPs <=")
    }

    @Test func syncGroupAlertsMatchKeepalived() {
        let master = SMTPAlert.vrrpSyncGroup(routerID: "test_rid", group: "G1", state: .master)
        #expect(master.subject == "[test_rid] VRRP Group G1 - Entering MASTER state")
        #expect(master.body == "=> All VRRP group instances are now in MASTER state <=")
        let fault = SMTPAlert.vrrpSyncGroup(routerID: "test_rid", group: "G1", state: .fault)
        #expect(fault.subject == "[test_rid] VRRP Group G1 - Entering FAULT state")
        #expect(fault.body == "=> All VRRP group instances are now in FAULT state <=")
    }

    @Test func realServerAlerts() {
        let rs = LVSFormat.service(IPAddress("192.0.2.1")!, .tcp, 80)
        let vs = LVSFormat.service(IPAddress("192.0.2.10")!, .tcp, 80)
        let down = SMTPAlert.realServer(routerID: "lb1", realServer: rs, virtualServer: vs, isUp: false,
                                        body: "=> TCP CHECK failed on service <=")
        #expect(down.subject == "[lb1] Realserver [192.0.2.1]:tcp:80 of virtual server [192.0.2.10]:tcp:80 - DOWN")
        #expect(down.body == "=> TCP CHECK failed on service <=")
        let up = SMTPAlert.realServer(routerID: "lb1", realServer: rs, virtualServer: vs, isUp: true,
                                      body: "=> CHECK succeed on service <=")
        #expect(up.subject.hasSuffix(" - UP"))
    }

    @Test func quorumAlertsCarryKeepalivedsWordsAndNumbers() {
        let vs = "[192.0.2.10]:tcp:80"
        func alert(up: Bool, starting: Bool, threshold: Int, weight: Int) -> SMTPAlert {
            .quorum(routerID: "lb1", virtualServer: vs, notice: QuorumNotice(
                virtualServer: 0, isUp: up, starting: starting, quorum: 2, hysteresis: 1, threshold: threshold, weight: weight))
        }
        let lost = alert(up: false, starting: false, threshold: 1, weight: 0)
        #expect(lost.subject == "[lb1] Virtualserver [192.0.2.10]:tcp:80 - DOWN")
        // The mail says Q+H=T <= W even when the quorum was lost (the log line says Q-H=T > W).
        #expect(lost.body == "=> Lost quorum 2+1=1 <= 0 <=")
        let gained = alert(up: true, starting: false, threshold: 3, weight: 3)
        #expect(gained.subject == "[lb1] Virtualserver [192.0.2.10]:tcp:80 - UP")
        #expect(gained.body == "=> Gained quorum 2+1=3 <= 3 <=")
        #expect(alert(up: true, starting: true, threshold: 3, weight: 4).body == "=> Starting with quorum up 2+1=3 <= 4 <=")
        #expect(alert(up: false, starting: true, threshold: 3, weight: 0).body == "=> Starting with quorum down 2+1=3 <= 0 <=")
    }

    @Test func quorumMailsFollowTheVirtualServerThenGlobalDefs() throws {
        func due(global: String, vs: String) throws -> Bool {
            let config = ConfigLoader.load(text: """
                global_defs {
                  \(global)
                }
                virtual_server 192.0.2.10 80 {
                  \(vs)
                  real_server 192.0.2.1 80 {
                    smtp_alert
                    TCP_CHECK {
                    }
                  }
                }
                """).config
            let server = try #require(config.virtualServers.first)
            return SMTPAlertPolicy.isDue(virtualServer: server, globalDefs: config.globalDefs)
        }
        // A real server's smtp_alert does not make its virtual server's quorum mailed.
        #expect(try !due(global: "", vs: ""))
        #expect(try due(global: "smtp_alert", vs: ""))
        #expect(try due(global: "smtp_alert_checker", vs: ""))
        #expect(try !due(global: "smtp_alert\n  smtp_alert_checker off", vs: ""))
        #expect(try due(global: "", vs: "smtp_alert"))
        #expect(try !due(global: "smtp_alert", vs: "smtp_alert off"))
    }

    @Test func vrrpStateOfAMachineState() {
        #expect(SMTPAlert.VRRPState(.master) == .master)
        #expect(SMTPAlert.VRRPState(.backup) == .backup)
        #expect(SMTPAlert.VRRPState(.fault) == .fault)
        #expect(SMTPAlert.VRRPState(.initial) == nil)
    }

    @Test func messageLinesInKeepalivedOrder() {
        let message = SMTPMessage(
            from: "kd@example.com", recipients: ["ops@example.com", "dev@example.com"],
            alert: SMTPAlert.vrrpInstance(routerID: "test_rid", instance: "VI_1", state: .master),
            date: "Sun, 22 Nov 2026 22:34:54 +0000")
        #expect(message.lines == [
            "Date: Sun, 22 Nov 2026 22:34:54 +0000",
            "From: kd@example.com",
            "Subject: [test_rid] VRRP Instance VI_1 - Entering MASTER state",
            "X-Mailer: Keepalived",
            "To: ops@example.com, dev@example.com",
            "",
            "=> VRRP Instance is now owning VRRP VIPs <=",
            "",
        ])
        #expect(message.envelopeFrom == "kd@example.com")
    }

    @Test func displayNameSenderKeepsHeaderAndStripsEnvelope() {
        let message = SMTPMessage(from: "Load Balancer <lb@example.com>", recipients: ["a@example.com"],
                                  alert: SMTPAlert(subject: "s", body: "line1\r\nline2\nline3"), date: "d")
        #expect(message.envelopeFrom == "lb@example.com")
        #expect(message.lines[1] == "From: Load Balancer <lb@example.com>")
        #expect(Array(message.lines.suffix(4)) == ["line1", "line2", "line3", ""])
    }

    @Test func rfc5322Dates() {
        #expect(RFC5322Date.format(secondsSinceEpoch: 1_795_386_894, utcOffset: 0) == "Sun, 22 Nov 2026 22:34:54 +0000")
        #expect(RFC5322Date.format(secondsSinceEpoch: 0, utcOffset: 0) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(RFC5322Date.format(secondsSinceEpoch: 0, utcOffset: -5 * 3600) == "Wed, 31 Dec 1969 19:00:00 -0500")
        #expect(RFC5322Date.format(secondsSinceEpoch: 951_782_400, utcOffset: 5400) == "Tue, 29 Feb 2000 01:30:00 +0130")
        #expect(RFC5322Date.now().count == 31)
    }

    @Test func settingsDefaultToTheHostName() {
        let bare = SMTPSettings(globalDefs: GlobalDefs(), hostName: "lb1")
        #expect(bare.routerID == "lb1")
        #expect(bare.heloName == "lb1")
        #expect(bare.from == "keepalived@lb1")
        #expect(bare.connectTimeout == 30)
        #expect(!bare.isEnabled)

        let config = ConfigLoader.load(text: """
            global_defs {
              router_id test_rid
              notification_email {
                ops@example.com
              }
              notification_email_from kd@example.com
              smtp_server 127.0.0.1 2525
              smtp_helo_name mx.example.com
              smtp_connect_timeout 7
            }
            """).config
        let set = SMTPSettings(globalDefs: config.globalDefs, hostName: "lb1")
        #expect(set == SMTPSettings(server: SMTPServer(host: "127.0.0.1", address: IPAddress("127.0.0.1"), port: 2525),
                                    routerID: "test_rid", heloName: "mx.example.com", from: "kd@example.com",
                                    recipients: ["ops@example.com"], connectTimeout: 7))
        #expect(set.isEnabled)
        #expect(!SMTPSettings.localHostName().isEmpty)
    }

    @Test func vrrpPolicyFollowsResolvedSmtpAlertAndNoEmailFaults() throws {
        let config = ConfigLoader.load(text: Self.vrrpConfig(global: "smtp_alert\n  no_email_faults", instance: "")).config
        let instance = try #require(config.vrrpInstances.first)
        let group = try #require(config.syncGroups.first)
        #expect(SMTPAlertPolicy.isDue(instance: instance, entering: .master, globalDefs: config.globalDefs))
        #expect(!SMTPAlertPolicy.isDue(instance: instance, entering: .fault, globalDefs: config.globalDefs))
        #expect(SMTPAlertPolicy.isDue(syncGroup: group, entering: .backup, globalDefs: config.globalDefs))
        #expect(!SMTPAlertPolicy.isDue(syncGroup: group, entering: .fault, globalDefs: config.globalDefs))

        let off = ConfigLoader.load(text: Self.vrrpConfig(global: "smtp_alert_vrrp off\n  smtp_alert", instance: "")).config
        #expect(!SMTPAlertPolicy.isDue(instance: try #require(off.vrrpInstances.first), entering: .master, globalDefs: off.globalDefs))
        let own = ConfigLoader.load(text: Self.vrrpConfig(global: "", instance: "smtp_alert")).config
        #expect(SMTPAlertPolicy.isDue(instance: try #require(own.vrrpInstances.first), entering: .fault, globalDefs: own.globalDefs))
    }

    @Test func realServerPolicyFallsBackToVirtualServerThenGlobals() throws {
        func due(global: String, vs: String, rs: String) throws -> Bool {
            let config = ConfigLoader.load(text: """
                global_defs {
                  \(global)
                }
                virtual_server 192.0.2.10 80 {
                  protocol TCP
                  lb_kind NAT
                  \(vs)
                  real_server 192.0.2.1 80 {
                    \(rs)
                    TCP_CHECK {
                    }
                  }
                }
                """).config
            let server = try #require(config.virtualServers.first)
            let real = try #require(server.realServers.first)
            return SMTPAlertPolicy.isDue(realServer: real, of: server, globalDefs: config.globalDefs)
        }
        #expect(try !due(global: "", vs: "", rs: ""))
        #expect(try due(global: "smtp_alert", vs: "", rs: ""))
        #expect(try !due(global: "smtp_alert\n  smtp_alert_checker off", vs: "", rs: ""))
        #expect(try due(global: "smtp_alert off\n  smtp_alert_checker", vs: "", rs: ""))
        #expect(try due(global: "", vs: "smtp_alert", rs: ""))
        #expect(try !due(global: "smtp_alert", vs: "smtp_alert off", rs: ""))
        #expect(try due(global: "", vs: "smtp_alert off", rs: "smtp_alert"))
        #expect(try !due(global: "smtp_alert", vs: "smtp_alert", rs: "smtp_alert off"))
    }

    static func vrrpConfig(global: String, instance: String) -> String {
        """
        global_defs {
          \(global)
        }
        vrrp_sync_group G1 {
          group {
            VI_1
            VI_2
          }
        }
        vrrp_instance VI_1 {
          interface eth0
          virtual_router_id 51
          priority 100
          \(instance)
          virtual_ipaddress {
            192.0.2.1
          }
        }
        vrrp_instance VI_2 {
          interface eth1
          virtual_router_id 52
          priority 100
          virtual_ipaddress {
            192.0.2.2
          }
        }
        """
    }
}
