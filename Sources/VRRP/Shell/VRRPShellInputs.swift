import ConfParser
import Dispatch
import Foundation
import TrackFiles

/// The state of one running `vrrp_script`: its rise/fall counter and its repeating timer.
struct VRRPScriptTracker {
    var script: VRRPScript
    var state: VRRPTrackedScriptState
    var timer: (any DispatchSourceTimer)?
    var running = false
}

/// What reaches the machines from outside: packets, link changes, scripts, track files.
extension VRRPShell {
    // MARK: Sockets and packets

    /// Opens the sockets instances need that are not open yet. IPv6 sockets wait until their
    /// interface has a link-local address (the housekeeping tick and link events retry).
    func openMissingSockets() {
        var needed: [VRRPSocketKey: VRRPInstanceRunner] = [:]
        for runner in runners.values where needed[runner.socketKey] == nil { needed[runner.socketKey] = runner }
        for (key, runner) in needed where sockets[key] == nil {
            if key.isIPv6 && interfaces[key.interface]?.linkLocalIPv6 == nil {
                refreshInterface(key.interface)
                guard interfaces[key.interface]?.linkLocalIPv6 != nil else { continue }
            }
            let configuration = VRRPSocket.Configuration(
                interface: key.interface, isIPv6: key.isIPv6, ipProtocol: key.ipProtocol,
                multicastGroup: key.group, unicastPeers: key.group == nil ? runner.destinations : [],
                unicastSource: key.unicastSource, kernelChecksumOffset: key.isIPv6 ? 6 : nil)
            let opened: Result<VRRPSocket, VRRPIOError>? = namespace.run {
                do throws(VRRPIOError) { return .success(try VRRPSocket(configuration)) } catch { return .failure(error) }
            }
            switch opened {
            case .success(let socket)?:
                sockets[key] = socket
                clearProblem("socket-\(key)")
                socket.startReceiving(on: queue) { [weak self] packet in self?.received(packet, on: key) }
                log.detail("Opened VRRP socket \(key)")
            case .failure(let error)?:
                reportOnce("socket-\(key)", "cannot open VRRP socket \(key): \(error)")
            case nil:
                reportOnce("socket-\(key)", "cannot enter network namespace \(options.networkNamespace ?? "")")
            }
        }
        for key in sockets.keys where needed[key] == nil {
            sockets.removeValue(forKey: key)?.close()
        }
    }

    /// Routes a packet by VRID (and socket: interface, family, protocol) to its instance,
    /// validates it and feeds the machine.
    func received(_ packet: VRRPReceivedPacket, on key: VRRPSocketKey) {
        guard running else { return }
        let vrid: Result<UInt8, VRRPDropReason> = key.isIPv6
            ? VRRPReceiveValidator.virtualRouterID(ipv6Payload: packet.bytes)
            : VRRPReceiveValidator.virtualRouterID(ipv4Datagram: packet.bytes)
        guard case .success(let id) = vrid else {
            if case .failure(let reason) = vrid { log.info(reason.description) }
            return
        }
        guard let name = instanceName(on: key, vrid: Int(id)), var runner = runners[name] else {
            log.detail("Unknown VRID(\(id)) received on interface(\(key.interface)). ignoring...")
            return
        }
        let machine = machine(named: name)
        let wasOld = runner.receiveState.oldUnicastChecksumDetected
        let result = runner.validate(packet, machine: machine)
        if case .success(let advert) = result { runner.traffic.recordReceived(priority: Int(advert.priority)) }
        runners[name] = runner
        if !wasOld && runner.receiveState.oldUnicastChecksumDetected {
            log.info("(\(name)) Setting unicast VRRPv3 checksum to old version")
        }
        switch result {
        case .failure(let reason):
            log.info(reason.logMessage(instance: name))
        case .success(let advert):
            let source = advert.origin?.source ?? packet.source
            let destination = advert.origin?.destination ?? packet.destination
            let received = VRRPReceivedAdvert(
                source: source, priority: Int(advert.priority),
                advertIntervalCentiseconds: advert.advertIntervalCentiseconds,
                viaUnicast: !(destination?.isMulticastAddress ?? true))
            deliver(.advert(received), instance: name)
        }
    }

    // MARK: Links

    /// Re-reads one interface's index, addresses and state (inside the namespace).
    func refreshInterface(_ name: String) {
        let info: InterfaceInfo?? = namespace.run { try? InterfaceInfo.query(name) }
        if let info = info ?? nil {
            interfaces[name] = info
            linkUp[name] = info.isUp && info.isRunning
        } else {
            interfaces[name] = nil
            linkUp[name] = false
        }
    }

    func linkChanged(_ event: LinkMonitor.Event) {
        guard running, linkUp.keys.contains(event.name) else { return }
        let before = linkUp[event.name]
        refreshInterface(event.name)
        if event.isDeleted { linkUp[event.name] = false }
        let after = linkUp[event.name] ?? false
        if before != after {
            log.info("Netlink reports \(event.name) \(after ? "up" : "down")")
            deliver(.interface(name: event.name, up: after))
        }
        openMissingSockets()
    }

    /// The kernel dropped link events: re-read every watched interface.
    func refreshAllLinks() {
        for name in Array(linkUp.keys) {
            let before = linkUp[name]
            refreshInterface(name)
            if before != linkUp[name] { deliver(.interface(name: name, up: linkUp[name] ?? false)) }
        }
    }

    /// Every second: track files (when inotify could not watch them), sockets still waiting for an
    /// interface address.
    func housekeepingTick() {
        guard running else { return }
        if trackFileWatcher == nil { readTrackFiles(deliver: true) }
        if runners.values.contains(where: { sockets[$0.socketKey] == nil }) {
            for name in Set(runners.values.map(\.instance.interface)) where sockets.keys.contains(where: { $0.interface == name }) == false {
                refreshInterface(name)
            }
            openMissingSockets()
        }
    }

    // MARK: track_file

    /// The track files some instance or sync group tracks.
    var usedTrackFiles: [TrackFile] {
        let names = Set(config.vrrpInstances.flatMap { $0.tracking.files.map(\.name) }
                        + config.syncGroups.flatMap { $0.tracking.files.map(\.name) })
        return config.trackFiles.filter { names.contains($0.name) }
    }

    /// Follows the used track files with inotify, as keepalived does: a file written, moved or
    /// removed is read again at once (without inotify they are read every second).
    func watchTrackFiles() {
        trackFileWatcher?.cancel()
        trackFileWatcher = nil
        let files = usedTrackFiles
        guard !files.isEmpty else { return }
        do {
            let watcher = try TrackFileWatcher(files: files) { [log] event in
                if case .unwatchable(let line) = event { log.error(line) }
            }
            watcher.start(on: queue) { [weak self] _ in
                guard let self, running else { return }
                readTrackFiles(deliver: true)
            }
            trackFileWatcher = watcher
        } catch {
            log.error("track_file: cannot watch the files, reading them every second: \(error)")
        }
    }

    /// Reads every used track file; with `deliver`, changed values go to the machines.
    func readTrackFiles(deliver: Bool) {
        for file in usedTrackFiles {
            if trackFileValues[file.name] == nil { _ = file.writeInitialValue(reloading: false) }
            // keepalived keeps the previous value when the file holds a number outside C's int.
            guard case .value(let value) = TrackFileValue.read(path: file.file) else { continue }
            guard trackFileValues[file.name] != value else { continue }
            trackFileValues[file.name] = value
            if deliver { self.deliver(.trackedFile(name: file.name, value: value)) }
        }
    }

    // MARK: vrrp_script

    /// The scripts some instance or sync group tracks (keepalived runs no others).
    var usedScripts: [VRRPScript] {
        let names = Set(config.vrrpInstances.flatMap { $0.tracking.scripts.map(\.name) }
                        + config.syncGroups.flatMap { $0.tracking.scripts.map(\.name) })
        return config.vrrpScripts.filter { names.contains($0.name) }
    }

    /// Starts a repeating timer per used script; a script whose settings did not change keeps
    /// its rise/fall state from `previous`.
    func startScripts(previous: [String: VRRPScriptTracker]) {
        for script in usedScripts {
            var state = VRRPTrackedScriptState(name: script.name, rise: script.rise, fall: script.fall,
                                               initFail: script.initFail)
            if let old = previous[script.name], old.state.rise == state.rise, old.state.fall == state.fall {
                state = old.state
            }
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let name = script.name
            timer.setEventHandler { [weak self] in self?.runScript(name) }
            timer.schedule(deadline: .now(), repeating: .seconds(max(script.interval, 1)), leeway: .milliseconds(10))
            scripts[name] = VRRPScriptTracker(script: script, state: state, timer: timer)
            timer.resume()
        }
    }

    func runScript(_ name: String) {
        guard running, var tracker = scripts[name], !tracker.running else { return }
        let script = tracker.script
        let identity = VRRPScriptCommand.identity(user: script.user, group: script.group, globals: config.globalDefs)
        let argv = VRRPScriptCommand.argv(command: script.script, user: identity.user, group: identity.group)
        guard !argv.isEmpty else { return }
        tracker.running = true
        scripts[name] = tracker
        let timeout = Double(max(script.timeout, 1))
        namespace.run {
            VRRPChildProcess.run(argv, timeout: timeout, queue: queue) { [weak self] outcome in
                self?.scriptFinished(name, outcome: outcome)
            }
        }
    }

    func scriptFinished(_ name: String, outcome: VRRPChildProcess.Outcome) {
        guard running, var tracker = scripts[name] else { return }
        tracker.running = false
        let transition = tracker.state.record(outcome.scriptOutcome)
        scripts[name] = tracker
        guard let transition else { return }
        log.info(transition.log.text)
        deliver(.trackedScript(name: name, up: transition.up))
    }
}
