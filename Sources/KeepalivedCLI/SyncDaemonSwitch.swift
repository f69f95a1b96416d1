import ConfParser
import Dispatch
import IPVSSync
import Synchronization
import VRRP

/// keepalived's `lvs_sync_daemon IFACE INSTANCE`: the kernel's IPVS connection sync daemon runs
/// as backup from start-up and switches to master while INSTANCE is MASTER (back to backup when
/// it leaves MASTER); both stop when the VRRP half stops. Without an instance both roles run.
/// keepalived does this from its VRRP process, so `keepalivedd -P` does too.
final class SyncDaemonSwitch: Sendable {
    private let queue = DispatchQueue(label: "keepalivedd.vrrp.syncd")
    private let settings: Mutex<LVSSyncDaemonSettings?>
    private let backend: Mutex<(any IPVSBackend)?> = Mutex(nil)
    private let makeBackend: @Sendable () throws -> any IPVSBackend
    private let log: DaemonLog
    /// Set when the VRRP half starts stopping: instances leaving MASTER then switch nothing.
    private let stopping = Mutex(false)

    struct LVSSyncDaemonSettings: Sendable {
        var config: Config
        var instance: String?
    }

    init(config: Config, log: DaemonLog, makeBackend: @escaping @Sendable () throws -> any IPVSBackend = { try KernelBackend() }) {
        self.log = log
        self.makeBackend = makeBackend
        settings = Mutex(config.globalDefs.lvsSyncDaemon.map { LVSSyncDaemonSettings(config: config, instance: $0.instance) })
    }

    /// Start-up: the backup daemon (both without an instance).
    func start() {
        guard let current = settings.withLock({ $0 }) else { return }
        apply(roles: current.instance == nil ? [.master, .backup] : [.backup])
    }

    /// A VRRP state change of `instance`.
    func stateChanged(instance: String, to state: VRRPMachineState) {
        guard !stopping.withLock({ $0 }), let current = settings.withLock({ $0 }), current.instance == instance else { return }
        apply(roles: state == .master ? [.master] : [.backup])
    }

    /// A reload: the new configuration's `lvs_sync_daemon` (none stops the daemons).
    func reload(_ config: Config) {
        let before = settings.withLock { $0 }
        let after = config.globalDefs.lvsSyncDaemon.map { LVSSyncDaemonSettings(config: config, instance: $0.instance) }
        settings.withLock { $0 = after }
        if after == nil, before != nil { apply(roles: [], config: before?.config) }
    }

    /// The VRRP half is about to stop its instances: their state changes switch nothing more.
    func prepareToStop() {
        stopping.withLock { $0 = true }
    }

    /// Stop: both daemons stop; `completion` runs when done.
    func stop(completion: @escaping @Sendable () -> Void) {
        guard let current = settings.withLock({ $0 }) else { return completion() }
        apply(roles: [], config: current.config, completion: completion)
    }

    private func apply(roles: [IPVSSyncDaemon.Role], config: Config? = nil, completion: (@Sendable () -> Void)? = nil) {
        guard let config = config ?? settings.withLock({ $0?.config }) else { completion?(); return }
        queue.async { [self] in
            defer { completion?() }
            do {
                let backend = try connectedBackend()
                let desired = DesiredState.syncDaemons(from: config, roles: roles)
                let plan = Reconciler.daemonOperations(desired: desired, current: try backend.dump().syncDaemons ?? [])
                let result = IPVSSync.apply(plan, to: backend)
                for operation in plan { log.detail("IPVS sync daemon: \(operation)") }
                for failure in result.failures { log.error("IPVS: \(failure.operation): \(failure.error)") }
            } catch {
                log.error("IPVS: cannot switch the sync daemon: \(error)")
            }
        }
    }

    private func connectedBackend() throws -> any IPVSBackend {
        if let existing = backend.withLock({ $0 }) { return existing }
        let made = try makeBackend()
        backend.withLock { $0 = made }
        return made
    }
}
