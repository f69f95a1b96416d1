import ConfParser
import Dispatch
import Synchronization
import TrackFiles
#if canImport(Glibc)
import Glibc
#endif

/// The running VRRP half of keepalivedd: wires the instance / sync group machines to raw sockets,
/// rtnetlink (VIPs, link events), gratuitous ARP, vrrp_script / track_file tracking and notify
/// scripts.
///
/// One serial queue owns everything: machines, sockets' read handlers, the single state timer
/// (armed at the earliest machine deadline, zero leeway), child-process watchers. Nothing on it
/// blocks: scripts are child processes watched asynchronously.
///
/// Use: `start()`, then `reload(_:)` on SIGHUP and `stop(completion:)` on SIGTERM.
public final class VRRPShell: @unchecked Sendable {
    // @unchecked Sendable: every `var` below is read and written only on `queue` (entry points
    // hop onto it; handlers of the sources it creates run on it). `published` and `observer`
    // are behind a Mutex for other threads.
    let queue = DispatchQueue(label: "keepalivedd.vrrp")
    let log: VRRPShellLogger
    let options: VRRPShellOptions
    let namespace: VRRPNamespaceScope

    var config: Config
    var runners: [String: VRRPInstanceRunner] = [:]
    var units: [VRRPMachineUnit] = []
    var sockets: [VRRPSocketKey: VRRPSocket] = [:]
    var interfaces: [String: InterfaceInfo] = [:]
    var linkUp: [String: Bool] = [:]
    var scripts: [String: VRRPScriptTracker] = [:]
    var trackFileValues: [String: Int] = [:]
    var identification = VRRPIPv4IdentificationCounter()
    var addressManager: VirtualAddressManager?
    var gratuitousSender: GratuitousARPSender?
    var linkMonitor: LinkMonitor?
    /// inotify on the directories of the used track files (besides the one-second poll).
    var trackFileWatcher: TrackFileWatcher?
    var stateTimer: (any DispatchSourceTimer)?
    var housekeeping: (any DispatchSourceTimer)?
    var running = false
    /// Errors already logged once (missing source address, socket failures), to avoid floods.
    var reportedProblems: Set<String> = []
    /// Bumped whenever instances start or stop, so the lookup tables below are rebuilt: with a
    /// thousand instances, scanning them all for every received advert made the CPU grow with the
    /// square of the instance count.
    var structureGeneration = 0
    var routes = VRRPLookupTable<VRRPRoute, String>()
    var unitPositions = VRRPLookupTable<String, Int>()
    /// Each unit's next deadline, kept as units handle events, so arming the timer reads plain
    /// numbers instead of every machine (rebuilt when units start or stop).
    var unitDeadlines: [VRRPInstant?] = []
    var unitDeadlinesGeneration = -1

    let published = Mutex<[String: VRRPMachineState]>([:])
    let observer = Mutex<(@Sendable (String, VRRPMachineState, VRRPMachineState) -> Void)?>(nil)
    let groupObserver = Mutex<(@Sendable (String, VRRPMachineState, VRRPMachineState) -> Void)?>(nil)

    public init(config: Config, options: VRRPShellOptions = VRRPShellOptions(), log: VRRPShellLogger) {
        self.config = config
        self.options = options
        self.log = log
        self.namespace = VRRPNamespaceScope(path: options.namespacePath)
    }

    /// Called on the shell's queue for every state change: instance, from, to.
    public func onStateChange(_ handler: @escaping @Sendable (String, VRRPMachineState, VRRPMachineState) -> Void) {
        observer.withLock { $0 = handler }
    }

    /// Called on the shell's queue when a sync group changes state: group, from, to.
    public func onSyncGroupStateChange(_ handler: @escaping @Sendable (String, VRRPMachineState, VRRPMachineState) -> Void) {
        groupObserver.withLock { $0 = handler }
    }

    /// Every instance's current state (from any thread).
    public func states() -> [String: VRRPMachineState] {
        published.withLock { $0 }
    }

    /// The drop counters of every instance (waits for the queue).
    public func dropCounters() -> [String: VRRPDropCounters] {
        queue.sync { runners.mapValues(\.drops) }
    }

    /// Starts every instance (asynchronously on the shell's queue).
    public func start() {
        queue.async { self.startOnQueue() }
    }

    /// Stops every instance (MASTERs send priority 0 and remove their VIPs unless
    /// `dontReleaseVRRP`), runs notify_stop, closes everything, then calls `completion` on the queue.
    public func stop(completion: @escaping @Sendable () -> Void) {
        queue.async {
            self.stopOnQueue()
            completion()
        }
    }

    // MARK: Start and stop

    func startOnQueue() {
        guard !running else { return }
        running = true
        namespace.run {
            do {
                addressManager = try VirtualAddressManager()
            } catch {
                log.error("Cannot open rtnetlink for the virtual addresses: \(error)")
            }
            do {
                gratuitousSender = try GratuitousARPSender()
            } catch {
                log.error("Cannot open the gratuitous ARP socket: \(error)")
            }
            do {
                linkMonitor = try LinkMonitor()
            } catch {
                log.error("Cannot watch link changes: \(error)")
            }
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in self?.stateTimerFired() }
        timer.schedule(deadline: .distantFuture, leeway: .nanoseconds(0))
        timer.resume()
        stateTimer = timer
        let tick = DispatchSource.makeTimerSource(queue: queue)
        tick.setEventHandler { [weak self] in self?.housekeepingTick() }
        tick.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(50))
        tick.resume()
        housekeeping = tick
        linkMonitor?.start(on: queue, overflow: { [weak self] in self?.refreshAllLinks() }) { [weak self] event in
            self?.linkChanged(event)
        }
        startInstances(names: config.vrrpInstances.map(\.name), removeLeftovers: true)
        startScripts(previous: [:])
        watchTrackFiles()
    }

    /// Builds, prepares and starts the named instances of `config` (with their sync groups).
    func startInstances(names: [String], removeLeftovers: Bool) {
        structureGeneration &+= 1
        defer { structureGeneration &+= 1 }
        let wanted = Set(names)
        let instances = config.vrrpInstances.filter { wanted.contains($0.name) }
        for instance in instances {
            runners[instance.name] = VRRPInstanceRunner(instance: instance, globals: config.globalDefs)
            for name in watchedInterfaces(of: instance) where interfaces[name] == nil { refreshInterface(name) }
        }
        if removeLeftovers {
            for instance in instances { removeLeftoverAddresses(instance) }
        }
        openMissingSockets()
        readTrackFiles(deliver: false)
        var newUnits: [VRRPMachineUnit] = []
        var grouped: Set<String> = []
        for group in config.syncGroups where group.members.contains(where: { wanted.contains($0.name) }) {
            let machine = VRRPSyncGroupMachine(group: group, config: config, primaryAddresses: primaryAddresses())
            newUnits.append(.group(machine))
            grouped.formUnion(machine.members.map(\.name))
        }
        for instance in instances where !grouped.contains(instance.name) {
            let settings = VRRPMachineSettings(instance: instance, config: config,
                                               primaryAddress: primaryAddress(of: instance))
            newUnits.append(.single(VRRPInstanceMachine(settings: settings)))
        }
        let now = VRRPMonotonicClock.now()
        for var unit in newUnits {
            var actions: [VRRPGroupAction] = []
            // What is already known goes in before .start: links down, track files, scripts.
            for name in unit.memberNames {
                guard let instance = runners[name]?.instance else { continue }
                for interface in watchedInterfaces(of: instance) where linkUp[interface] == false {
                    actions += unit.handle(.interface(name: interface, up: false), instance: name, at: now)
                }
            }
            for (file, value) in trackFileValues {
                actions += unit.handle(.trackedFile(name: file, value: value), instance: nil, at: now)
            }
            for (name, tracker) in scripts where tracker.state.status != .initial {
                actions += unit.handle(.trackedScript(name: name, up: tracker.state.status == .up), instance: nil, at: now)
            }
            actions += unit.handle(.start, instance: nil, at: now)
            units.append(unit)
            structureGeneration &+= 1
            perform(actions)
        }
        publishAll()
        armStateTimer()
    }

    func stopOnQueue() {
        guard running else { return }
        stopUnits(indices: Array(units.indices))
        units = []
        structureGeneration &+= 1
        running = false
        stateTimer?.cancel()
        housekeeping?.cancel()
        for tracker in scripts.values { tracker.timer?.cancel() }
        scripts = [:]
        linkMonitor?.close()
        trackFileWatcher?.cancel()
        trackFileWatcher = nil
        for socket in sockets.values { socket.close() }
        sockets = [:]
    }

    /// Sends `.stop` to the units at `indices` (releasing unless -V) and removes them from `units`.
    func stopUnits(indices: [Int]) {
        let now = VRRPMonotonicClock.now()
        for index in indices {
            var actions = units[index].handle(.stop, instance: nil, at: now)
            if options.dontReleaseVRRP {
                actions.removeAll { action in
                    if case .log(let line) = action.action {
                        return line.text.hasSuffix(") removing VIPs.") || line.text.hasSuffix(") sent 0 priority")
                    }
                    return action.action == .sendAdvert(priority: 0) || action.action == .removeVirtualAddresses
                }
            }
            perform(actions)
        }
        for index in indices.sorted(by: >) {
            for name in units[index].memberNames { published.withLock { _ = $0.removeValue(forKey: name) } }
            units.remove(at: index)
        }
        structureGeneration &+= 1
    }

    // MARK: Timer

    /// Arms the single state timer at the earliest deadline of all machines.
    func armStateTimer() {
        guard let timer = stateTimer else { return }
        refreshUnitDeadlines()
        guard let deadline = unitDeadlines.lazy.compactMap({ $0 }).min() else {
            timer.schedule(deadline: .distantFuture, leeway: .nanoseconds(0))
            return
        }
        let delta = max(0, deadline.microseconds - VRRPMonotonicClock.now().microseconds)
        timer.schedule(deadline: .now() + .microseconds(Int(delta)), leeway: .nanoseconds(0))
    }

    func stateTimerFired() {
        guard running else { return }
        let now = VRRPMonotonicClock.now()
        refreshUnitDeadlines()
        for index in units.indices {
            guard index < unitDeadlines.count, let deadline = unitDeadlines[index], deadline <= now else { continue }
            perform(handleUnit(at: index, .timer, instance: nil, now: now))
        }
        armStateTimer()
    }

    /// Delivers `event` to every unit (or the one holding `instance`) and carries out the actions.
    func deliver(_ event: VRRPMachineEvent, instance: String? = nil) {
        let now = VRRPMonotonicClock.now()
        if let instance {
            if let index = unitIndex(of: instance) { perform(handleUnit(at: index, event, instance: instance, now: now)) }
        } else {
            for index in units.indices { perform(handleUnit(at: index, event, instance: nil, now: now)) }
        }
        armStateTimer()
    }

    /// Feeds one unit and records its new deadline.
    func handleUnit(at index: Int, _ event: VRRPMachineEvent, instance: String?, now: VRRPInstant) -> [VRRPGroupAction] {
        let actions = units[index].handle(event, instance: instance, at: now)
        if unitDeadlinesGeneration == structureGeneration, index < unitDeadlines.count {
            unitDeadlines[index] = units[index].nextDeadline
        }
        return actions
    }

    /// Rebuilds every unit's deadline when units started or stopped since the last build.
    func refreshUnitDeadlines() {
        guard unitDeadlinesGeneration != structureGeneration || unitDeadlines.count != units.count else { return }
        unitDeadlines = units.map(\.nextDeadline)
        unitDeadlinesGeneration = structureGeneration
    }

    /// The position in `units` of the unit holding `instance`.
    func unitIndex(of instance: String) -> Int? {
        let positions = unitPositions.table(generation: structureGeneration) {
            var table: [String: Int] = [:]
            for (index, unit) in units.enumerated() { for name in unit.memberNames { table[name] = index } }
            return table
        }
        return positions[instance]
    }

    /// The instance a packet on `socket` with `vrid` is for.
    func instanceName(on socket: VRRPSocketKey, vrid: Int) -> String? {
        routes.table(generation: structureGeneration) {
            var table: [VRRPRoute: String] = [:]
            for runner in runners.values { table[VRRPRoute(socket: runner.socketKey, vrid: runner.instance.virtualRouterID)] = runner.name }
            return table
        }[VRRPRoute(socket: socket, vrid: vrid)]
    }

    // MARK: Helpers

    /// The machine of `name`.
    func machine(named name: String) -> VRRPInstanceMachine? {
        guard let index = unitIndex(of: name), units.indices.contains(index) else { return nil }
        return units[index].machine(named: name)
    }

    func publishAll() {
        var snapshot: [String: VRRPMachineState] = [:]
        for unit in units {
            for name in unit.memberNames { snapshot[name] = unit.machine(named: name)?.state ?? .initial }
        }
        published.withLock { $0 = snapshot }
    }

    func primaryAddress(of instance: VRRPInstance) -> IPAddress? {
        let info = interfaces[instance.interface]
        return instance.addressFamily == .ipv6 ? info?.linkLocalIPv6 : info?.primaryIPv4
    }

    func primaryAddresses() -> [String: IPAddress] {
        var result: [String: IPAddress] = [:]
        for instance in config.vrrpInstances { result[instance.name] = primaryAddress(of: instance) }
        return result
    }

    /// The instance's own interface and those it (or its sync group) tracks.
    func watchedInterfaces(of instance: VRRPInstance) -> [String] {
        var names = [instance.interface] + instance.tracking.interfaces.map(\.name)
        if let group = config.syncGroups.first(where: { $0.name == instance.syncGroup }) {
            names += group.tracking.interfaces.map(\.name)
        }
        for address in instance.virtualAddresses + instance.excludedAddresses {
            if let device = address.device { names.append(device) }
        }
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }

    /// Logs `message` once per `key` until `clearProblem(key)`.
    func reportOnce(_ key: String, _ message: String) {
        guard reportedProblems.insert(key).inserted else { return }
        log.error(message)
    }

    func clearProblem(_ key: String) { reportedProblems.remove(key) }
}
