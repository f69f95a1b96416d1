import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A descriptor (socket) closed exactly once, read through at most one Dispatch read source:
/// once reading has started, the source owns the descriptor and its cancel handler closes it, so
/// a read in flight never sees a closed (or reused) descriptor.
final class OwnedDescriptor: Sendable {
    let descriptor: Int32
    private let state = Mutex(State())

    private struct State {
        var source: (any DispatchSourceRead)?
        var closed = false
    }

    init(_ descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close() }

    /// Calls `readable` on `queue` whenever the descriptor is readable (it must not block). Does
    /// nothing after `close` or a first call.
    func startReading(on queue: DispatchQueue, readable: @escaping @Sendable () -> Void) {
        let descriptor = self.descriptor
        state.withLock { state in
            guard !state.closed, state.source == nil else { return }
            let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
            source.setEventHandler(handler: readable)
            source.setCancelHandler { _ = Glibc.close(descriptor) }
            state.source = source
            source.resume()
        }
    }

    /// Runs `body` with the descriptor unless it is closed (nil then); `close` waits for it.
    func whileOpen<T>(_ body: (Int32) -> T) -> T? {
        state.withLock { state in state.closed ? nil : body(descriptor) }
    }

    /// Stops reading and closes the descriptor.
    func close() {
        let descriptor = self.descriptor
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            if let source = state.source { source.cancel() } else { _ = Glibc.close(descriptor) }
        }
    }
}
