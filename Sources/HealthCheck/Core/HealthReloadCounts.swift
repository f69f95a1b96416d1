/// What a reload did to the checkers.
public struct HealthReloadCounts: Sendable, Equatable {
    /// Checkers whose configuration did not change: state and schedule carried over.
    public var kept: Int
    /// New or changed checkers, started as at start-up.
    public var started: Int
    /// The virtual servers whose configuration or health the reload may have changed (see
    /// `HealthReload.changedVirtualServers`); nil: any.
    public var changedVirtualServers: [Int]? = nil
    /// The engine's health revision right after the switch; the one before it is one less.
    public var revision = 0
}
