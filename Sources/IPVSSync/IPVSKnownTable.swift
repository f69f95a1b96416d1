/// Reconciling against the table the kernel is known to hold, without dumping it.
///
/// Start and reload dump the kernel (anything may have changed it); health changes come many
/// times a minute on a big table, and a dump of 40,000 destinations costs more than the change
/// itself. So the daemon keeps what the kernel held after the last reconcile and plans health
/// changes against that; a failed operation drops the knowledge and the next reconcile dumps.
extension IPVSSync {
    /// What one reconcile did, and what the kernel holds after it (nil when unknown: an operation
    /// failed, so the next reconcile must dump).
    public struct KnownReconcile: Sendable {
        public var plan: [IPVSOperation]
        public var result: IPVSApplyResult
        public var known: IPVSTable?
    }

    /// Plans `desired` against `known` (or a fresh dump when nil), applies the plan and returns the
    /// table the kernel holds afterwards.
    ///
    /// `desired` is consumed: it is dropped once planned, before the plan is applied and the table
    /// after it is built (at a start with 10,000 real servers, both tables and the plan were the
    /// daemon's peak of memory).
    public static func reconcile(_ desired: consuming IPVSTable, owned: IPVSOwnership, flushForeign: Bool = false,
                                 known: IPVSTable?, backend: any IPVSBackend,
                                 log: ((String) -> Void)? = nil) throws -> KnownReconcile {
        var current = try known ?? backend.dump()
        let plan = Reconciler.plan(desired: desired, current: current, owned: owned, flushForeign: flushForeign)
        _ = consume desired
        let result = apply(plan, to: backend, log: log)
        guard result.failures.isEmpty else { return KnownReconcile(plan: plan, result: result, known: nil) }
        for (position, operation) in plan.enumerated() {
            // Additions found present and removals found absent leave the model as the kernel is.
            try? InMemoryBackend.apply(operation, to: &current)
            // A service added whole gets room at once for the destinations the plan adds right after
            // it: grown one append at a time, the lists of a start's 10,000 took twice their size.
            if case .addService(let service) = operation {
                let added = plan[(position + 1)...].prefix { next in
                    if case .addDestination(_, let owner) = next { return owner.key == service.key }
                    return false
                }.count
                current.modify(service.key) { $0.reserveCapacity(added) }
            }
        }
        return KnownReconcile(plan: plan, result: result, known: current)
    }
}
