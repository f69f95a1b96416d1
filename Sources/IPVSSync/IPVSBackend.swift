/// Something that holds an IPVS table: the kernel over generic netlink, or `InMemoryBackend`.
///
/// Errors are `IPVSError` with the kernel's errno: EEXIST when adding what exists, ESRCH for a
/// missing service (or a stopped daemon), ENOENT for a missing destination or unknown scheduler.
public protocol IPVSBackend: AnyObject, Sendable {
    /// Every service with its destinations, the connection timeouts and the running sync daemons.
    func dump() throws -> IPVSTable
    func apply(_ operation: IPVSOperation) throws
    /// Applies operations in order, going on after errors; one result per operation (nil = done).
    func apply(batch operations: [IPVSOperation]) -> [(any Error)?]
}

extension IPVSBackend {
    /// One operation after the other (backends that cannot batch).
    public func apply(batch operations: [IPVSOperation]) -> [(any Error)?] {
        operations.map { operation in
            do {
                try apply(operation)
                return nil
            } catch {
                return error
            }
        }
    }
}

/// What applying a plan did.
public struct IPVSApplyResult: Sendable, Equatable {
    /// Operations the backend carried out.
    public var applied = 0
    /// Additions that found the entry there already (EEXIST, success as in keepalived).
    public var alreadyPresent = 0
    /// Removals that found the entry gone already (ENOENT / ESRCH, success as in keepalived).
    public var alreadyAbsent = 0
    /// Operations that failed, with the backend's error; the rest of the plan was still applied.
    public var failures: [Failure] = []

    public struct Failure: Sendable, Equatable {
        public var operation: IPVSOperation
        public var error: IPVSError
    }

    public init() {}

    /// Operations that reached the state they asked for.
    public var succeeded: Int { applied + alreadyPresent + alreadyAbsent }
}

/// Applying plans to backends.
public enum IPVSSync {
    /// Operations sent to the kernel in one netlink write (their acknowledgements must fit the
    /// socket's receive buffer).
    public static let batchSize = 64

    /// Applies `plan` in order, going on after errors as keepalived does. `log` receives each
    /// operation's keepalived log line before it is applied; a line is given once per call (the
    /// entries of a virtual_server_group share their lines).
    @discardableResult
    public static func apply(_ plan: [IPVSOperation], to backend: any IPVSBackend,
                             log: ((String) -> Void)? = nil) -> IPVSApplyResult {
        var result = IPVSApplyResult()
        var logged = Set<String>()
        let pool = SorryServerSwitch(plan)
        var start = plan.startIndex
        while start < plan.endIndex {
            let batch = Array(plan[start..<min(start + batchSize, plan.endIndex)])
            start += batch.count
            if let log {
                for operation in batch {
                    if let line = operation.logMessage, logged.insert(line).inserted { log(line) }
                    if let line = pool.line(after: operation), logged.insert(line).inserted { log(line) }
                }
            }
            for (operation, error) in zip(batch, backend.apply(batch: batch)) {
                switch error {
                case nil:
                    result.applied += 1
                case let error as IPVSError where operation.isAddition && error.isAlreadyExists:
                    result.alreadyPresent += 1
                case let error as IPVSError where operation.isRemoval && error.isNotFound:
                    result.alreadyAbsent += 1
                case let error as IPVSError:
                    result.failures.append(.init(operation: operation, error: error))
                case let error?:
                    result.failures.append(.init(operation: operation, error: IPVSError(code: 0, message: "\(error)")))
                }
            }
        }
        return result
    }

    /// Dumps the backend, plans against `desired` and applies the plan; returns the plan and result.
    @discardableResult
    public static func reconcile(_ desired: IPVSTable, owned: IPVSOwnership, flushForeign: Bool = false,
                                 backend: any IPVSBackend, log: ((String) -> Void)? = nil) throws -> (plan: [IPVSOperation], result: IPVSApplyResult) {
        let current = try backend.dump()
        let plan = Reconciler.plan(desired: desired, current: current, owned: owned, flushForeign: flushForeign)
        return (plan, apply(plan, to: backend, log: log))
    }
}

/// keepalived's lines when a sorry server stands in for a virtual server's live servers
/// (`Removing alive servers from the pool for VS ...`) or hands back to them (`Adding alive
/// servers to the pool for VS ...`), logged after the sorry server's own line.
struct SorryServerSwitch {
    private var liveServersLeave: Set<IPVSServiceKey> = []
    private var liveServersReturn: Set<IPVSServiceKey> = []

    init(_ plan: [IPVSOperation]) {
        for operation in plan {
            switch operation {
            case .deleteDestination(let dest, let service) where !dest.isSorryServer:
                liveServersLeave.insert(service.key)
            case .editDestination(let dest, let service, _) where !dest.isSorryServer && dest.weight == 0:
                liveServersLeave.insert(service.key)
            case .addDestination(let dest, let service) where !dest.isSorryServer:
                liveServersReturn.insert(service.key)
            case .editDestination(let dest, let service, _) where !dest.isSorryServer && dest.weight > 0:
                liveServersReturn.insert(service.key)
            default:
                break
            }
        }
    }

    func line(after operation: IPVSOperation) -> String? {
        switch operation {
        case .addDestination(let dest, let service) where dest.isSorryServer && liveServersLeave.contains(service.key):
            return "Removing alive servers from the pool for VS \(service.displayName)"
        case .deleteDestination(let dest, let service) where dest.isSorryServer && liveServersReturn.contains(service.key):
            return "Adding alive servers to the pool for VS \(service.displayName)"
        default:
            return nil
        }
    }
}
