import ConfParser
import Dispatch
import Foundation

/// Carrying out the machines' actions: adverts, VIPs, gratuitous ARP / NA, notify scripts.
extension VRRPShell {
    func perform(_ actions: [VRRPGroupAction]) {
        for tagged in actions {
            switch tagged.action {
            case .sendAdvert(let priority):
                if let name = tagged.instance { sendAdvert(instance: name, priority: priority) }
            case .addVirtualAddresses:
                if let name = tagged.instance { setVirtualAddresses(instance: name, present: true) }
            case .removeVirtualAddresses:
                if let name = tagged.instance { setVirtualAddresses(instance: name, present: false) }
            case .sendGratuitous(let count):
                if let name = tagged.instance { sendGratuitous(instance: name, rounds: count) }
            case .notify(let run):
                runNotify(run)
            case .log(let line):
                if line.detailOnly { log.detail(line.text) } else { log.info(line.text) }
            case .stateChanged(let from, let to):
                guard let name = tagged.instance else { break }
                published.withLock { $0[name] = to }
                runners[name]?.traffic.recordTransition(from: from, to: to, at: Date())
                let handler = observer.withLock { $0 }
                handler?(name, from, to)
            case .syncRequest:
                break  // answered inside VRRPSyncGroupMachine
            case .syncGroupStateChanged(let group, let from, let to):
                groupObserver.withLock { $0 }?(group, from, to)
            }
        }
    }

    /// One advert per destination (each unicast peer gets its own packet).
    func sendAdvert(instance name: String, priority: Int) {
        guard var runner = runners[name] else { return }
        let key = runner.socketKey
        guard let socket = sockets[key] else {
            log.detail("(\(name)) no socket on \(runner.instance.interface) yet - advert not sent")
            return
        }
        guard let source = runner.sourceAddress(interface: interfaces[runner.instance.interface]) else {
            reportOnce("source-\(name)", "(\(name)) no \(runner.family == .ipv6 ? "link-local IPv6" : "IPv4") address "
                       + "on \(runner.instance.interface) to send adverts from")
            return
        }
        clearProblem("source-\(name)")
        var sent = false
        for destination in runner.destinations {
            do {
                let bytes = try runner.encode(priority: priority, source: source, destination: destination,
                                              identification: &identification)
                try socket.send(bytes, to: destination)
                sent = true
                clearProblem("send-\(name)-\(destination)")
            } catch let error as VRRPEncodingError {
                reportOnce("encode-\(name)", "(\(name)) cannot build an advert: \(error)")
            } catch {
                reportOnce("send-\(name)-\(destination)", "(\(name)) \(error)")
            }
        }
        if sent { runner.traffic.recordSent(priority: priority) }
        runners[name] = runner
    }

    /// Adds or removes the instance's virtual_ipaddress and virtual_ipaddress_excluded.
    func setVirtualAddresses(instance name: String, present: Bool) {
        guard let runner = runners[name] else { return }
        changeAddresses(runner.allVirtualAddresses, defaultInterface: runner.instance.interface,
                        present: present, instance: name)
    }

    func changeAddresses(_ addresses: [VirtualAddress], defaultInterface: String, present: Bool, instance name: String) {
        guard let manager = addressManager else { return }
        for vip in addresses {
            let device = vip.device ?? defaultInterface
            let failure: String? = namespace.run { () -> String? in
                do {
                    if present { try manager.add(vip, on: device) } else { try manager.delete(vip, on: device) }
                    return nil
                } catch {
                    return "\(error)"
                }
            } ?? "cannot enter network namespace \(options.networkNamespace ?? "")"
            if let failure {
                log.error("(\(name)) cannot \(present ? "add" : "remove") VIP \(vip.address)/\(vip.prefixLength) "
                          + "on \(device): \(failure)")
            }
        }
    }

    /// At start: any of the instance's addresses still on an interface (an earlier run died) go.
    func removeLeftoverAddresses(_ instance: VRRPInstance) {
        guard let manager = addressManager else { return }
        let vips = instance.virtualAddresses + instance.excludedAddresses
        let devices = Set(vips.map { $0.device ?? instance.interface })
        for device in devices {
            let present: [InterfaceAddress] = namespace.run { (try? manager.addresses(on: device)) ?? [] } ?? []
            let leftovers = vips.filter { vip in
                (vip.device ?? instance.interface) == device
                    && present.contains { $0.address == vip.address && $0.prefixLength == vip.prefixLength }
            }
            if !leftovers.isEmpty {
                log.info("(\(instance.name)) removing \(leftovers.count) VIP(s) left over from an earlier run on \(device)")
                changeAddresses(leftovers, defaultInterface: instance.interface, present: false, instance: instance.name)
            }
        }
    }

    /// `rounds` gratuitous ARPs / unsolicited NAs for every address the instance set.
    func sendGratuitous(instance name: String, rounds: Int) {
        guard let runner = runners[name], let sender = gratuitousSender, rounds > 0 else { return }
        let targets = runner.allVirtualAddresses.filter { !$0.address.isIPv6 || !isLinkLocal($0.address) }
        // Each device is looked up once per burst (not once per frame: with a thousand instances
        // the per-frame netlink queries held the queue, and the adverts, for seconds).
        var devices: [String: (info: InterfaceInfo, forwardsIPv6: Bool)?] = [:]
        for vip in targets {
            let device = vip.device ?? runner.instance.interface
            guard devices[device] == nil else { continue }
            let found: (InterfaceInfo, Bool)?? = namespace.run {
                guard let info = try? InterfaceInfo.query(device) else { return nil }
                return (info, GratuitousARPSender.isForwardingIPv6(device))
            }
            devices[device] = .some(found ?? nil)
        }
        for _ in 0..<rounds {
            for vip in targets {
                let device = vip.device ?? runner.instance.interface
                let failure: String?
                if let entry = devices[device] ?? nil {
                    do {
                        try sender.send(on: entry.info, for: vip.address, router: vip.address.isIPv6 && entry.forwardsIPv6)
                        failure = nil
                    } catch {
                        failure = "\(error)"
                    }
                } else {
                    failure = "cannot find interface \(device)"
                }
                if let failure {
                    reportOnce("garp-\(device)-\(vip.address)", "(\(name)) \(failure)")
                } else {
                    let kind = vip.address.isIPv6 ? "unsolicited neighbour advert" : "gratuitous ARP"
                    log.detail("Sending \(kind) on \(device) for \(vip.address)")
                }
            }
        }
    }

    private func isLinkLocal(_ address: IPAddress) -> Bool {
        if case .v6(let high, _) = address { return high >> 54 == 0x3fa }
        return false
    }

    /// Runs a notify script in the background (as its user, else script_user).
    func runNotify(_ run: VRRPNotifyRun) {
        let identity = VRRPScriptCommand.identity(user: run.script.user, group: run.script.group, globals: config.globalDefs)
        let argv = VRRPScriptCommand.argv(command: run.script.command, arguments: run.arguments,
                                          user: identity.user, group: identity.group)
        guard !argv.isEmpty else { return }
        let log = self.log
        let line = argv.joined(separator: " ")
        log.detail("Executing notify script: \(line)")
        namespace.run {
            VRRPChildProcess.run(argv, timeout: nil, queue: queue) { outcome in
                switch outcome {
                case .exited(0): break
                case .spawnFailed(let code):
                    log.error("Failed to exec notify script \(line): errno \(code)")
                default:
                    log.detail("Notify script \(line) ended: \(outcome)")
                }
            }
        }
    }
}
