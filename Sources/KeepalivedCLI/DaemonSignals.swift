import Dispatch
import Foundation
import Synchronization

/// Signal sources for the daemon, safe to create from both halves of one process.
///
/// A signal must be set to SIG_IGN before its first Dispatch source exists, and never again
/// afterwards: libdispatch installs its own handler when a source is made, and a later
/// `signal(SIGHUP, SIG_IGN)` (the checker half starting after the VRRP half) silently replaced it,
/// so SIGHUP was dropped when both halves ran in one process.
enum DaemonSignals {
    private static let ignored = Mutex<Set<Int32>>([])

    /// A resumed source for `number` whose handler runs `action` on `queue`.
    static func source(for number: Int32, on queue: DispatchQueue,
                       action: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        ignored.withLock { ignored in
            if ignored.insert(number).inserted { signal(number, SIG_IGN) }
        }
        let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
        source.setEventHandler(handler: action)
        source.resume()
        return source
    }
}
