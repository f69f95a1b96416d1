import Synchronization

/// An IPVS table in memory with the kernel's semantics, for tests and dry runs:
/// - adding an existing service or destination: EEXIST; an unknown scheduler: ENOENT; an IPv6
///   netmask outside 1...128: EINVAL;
/// - anything on a missing service: ESRCH; editing or deleting a missing destination: ENOENT;
/// - a destination of another family than its service unless tunnelled: EINVAL; a lower threshold
///   above the upper one: ERANGE; a GUE tunnel without port: EINVAL;
/// - services are stored with IP_VS_SVC_F_HASHED added, as the kernel does;
/// - starting a daemon of a running role: EEXIST; stopping one not running: ESRCH.
/// Every operation applied (successfully or not) is recorded in `history`.
public final class InMemoryBackend: IPVSBackend {
    struct State {
        var table = IPVSTable(timeouts: .kernelDefaults, syncDaemons: [])
        var history: [IPVSOperation] = []
    }

    private let state: Mutex<State>

    public init(_ table: IPVSTable = IPVSTable()) {
        var initial = State()
        for entry in table.entries { initial.table.upsert(entry) }
        if let timeouts = table.timeouts { initial.table.timeouts = timeouts }
        if let daemons = table.syncDaemons { initial.table.syncDaemons = daemons }
        state = Mutex(initial)
    }

    /// Operations received so far, in order.
    public var history: [IPVSOperation] { state.withLock { $0.history } }

    public func clearHistory() { state.withLock { $0.history.removeAll() } }

    public func dump() throws -> IPVSTable {
        state.withLock { state in
            var table = state.table
            // Dumps carry no log annotations.
            for entry in table.entries {
                table.modify(entry.service.key) { dumped in
                    dumped.service.virtualServerName = nil
                    for dest in dumped.destinations
                    where dest.isSorryServer || dest.isInhibited || dest.isAliveAtWeightZero || dest.logName != nil {
                        var plain = dest
                        plain.isSorryServer = false
                        plain.isInhibited = false
                        plain.isAliveAtWeightZero = false
                        plain.logName = nil
                        dumped.upsert(plain)
                    }
                }
            }
            return table
        }
    }

    public func apply(_ operation: IPVSOperation) throws {
        try state.withLock { state in
            state.history.append(operation)
            try Self.apply(operation, to: &state.table)
        }
    }

    static func apply(_ operation: IPVSOperation, to table: inout IPVSTable) throws {
        switch operation {
        case .addService(let service):
            guard !table.contains(service.key) else { throw IPVSError.exists("Service already exists") }
            var stored = try validated(service)
            stored.flags.insert(.hashed)
            table.upsert(IPVSServiceEntry(service: stored))
        case .editService(let service):
            guard table.contains(service.key) else { throw IPVSError.noSuchService() }
            var stored = try validated(service)
            stored.flags.insert(.hashed)
            table.modify(service.key) { $0.service = stored }
        case .deleteService(let service):
            guard table.remove(service.key) != nil else { throw IPVSError.noSuchService() }
        case .addDestination(let dest, let service):
            try changeDestinations(of: service.key, in: &table) { entry in
                try validate(dest, in: entry.service)
                guard entry.destination(dest.key) == nil else { throw IPVSError.exists("Destination already exists") }
                entry.upsert(dest)
            }
        case .editDestination(let dest, let service, _):
            try changeDestinations(of: service.key, in: &table) { entry in
                try validate(dest, in: entry.service)
                guard entry.destination(dest.key) != nil else { throw IPVSError.noSuchDestination() }
                entry.upsert(dest)
            }
        case .deleteDestination(let dest, let service):
            guard table.contains(service.key) else { throw IPVSError.noSuchService() }
            var removed = false
            table.modify(service.key) { removed = $0.remove(dest.key) != nil }
            guard removed else { throw IPVSError.noSuchDestination() }
        case .flush:
            table.removeAll()
        case .setTimeouts(let timeouts):
            table.timeouts = (table.timeouts ?? .kernelDefaults).applying(timeouts)
        case .startDaemon(let daemon):
            var daemons = table.syncDaemons ?? []
            guard !daemons.contains(where: { $0.role == daemon.role }) else { throw IPVSError.exists("Sync daemon already running") }
            daemons.append(daemon)
            table.syncDaemons = daemons
        case .stopDaemon(let daemon):
            var daemons = table.syncDaemons ?? []
            guard let position = daemons.firstIndex(where: { $0.role == daemon.role }) else {
                throw IPVSError.noSuchService("No sync daemon running")
            }
            daemons.remove(at: position)
            table.syncDaemons = daemons
        }
    }

    /// Checks and changes a service's destinations in place. (Reading the entry first and then
    /// modifying it kept two references to its list, so each addition copied the whole list: a
    /// start with 10,000 real servers made 10,000 lists to keep 500.)
    private static func changeDestinations(of key: IPVSServiceKey, in table: inout IPVSTable,
                                           _ body: (inout IPVSServiceEntry) throws -> Void) throws {
        var failure: (any Error)?
        let found = table.modify(key) { entry in
            do {
                try body(&entry)
            } catch {
                failure = error
            }
        }
        guard found else { throw IPVSError.noSuchService() }
        if let failure { throw failure }
    }

    static func validated(_ service: IPVSService) throws -> IPVSService {
        guard IPVSConstants.schedulers.contains(service.scheduler) else {
            throw IPVSError(code: IPVSConstants.errnoENOENT, message: "Scheduler not found")
        }
        if service.key.family == .inet6 && !(1...128).contains(service.netmask) {
            throw IPVSError.invalid("Invalid IPv6 netmask \(service.netmask)")
        }
        var stored = service
        stored.virtualServerName = nil
        return stored
    }

    static func validate(_ dest: IPVSDestination, in service: IPVSService) throws {
        if dest.family != service.key.family && dest.forwarding.method != .tunnel {
            throw IPVSError.invalid("Destination family differs from the service's and is not tunnelled")
        }
        if dest.weight > UInt32(Int32.max) { throw IPVSError.outOfRange("Server weight less than zero") }
        if dest.forwarding.method == .tunnel && dest.forwarding.tunnelType == .gue && dest.forwarding.tunnelPort == 0 {
            throw IPVSError.invalid("Tunnel port is zero")
        }
        if dest.lowerThreshold > dest.upperThreshold {
            throw IPVSError.outOfRange("Lower threshold is higher than upper threshold")
        }
    }
}
