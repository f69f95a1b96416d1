#if canImport(CMemory)
import CMemory
#endif

/// How the daemon keeps its memory small: what it asks of glibc's allocator and of the kernel.
public enum ProcessMemory {
    /// Call first, before any thread is started.
    ///
    /// - One malloc arena for the process. The daemon's work runs on a few serial Dispatch queues,
    ///   one thread at a time each, but glibc gives every new thread that allocates its own arena:
    ///   the model built on one thread and the check path running on others then spread over
    ///   three heaps, none of which can reuse what the others freed. With 10,000 real servers that
    ///   cost 6 MB of resident memory in the lab (44.1 -> 37.8 MB peak). Lock contention is not a
    ///   concern at this rate of allocation.
    /// - No transparent huge pages (PR_SET_THP_DISABLE). Where the kernel uses them for all
    ///   anonymous memory (`enabled` is `always`, as in the lab's Debian guest), a thread's stack that touches a few kilobytes took a
    ///   whole 2 MB page, and a heap region one object in a 2 MB page. In the lab, 22 of the 37 MB of
    ///   a checker with 10,000 servers were such pages, and 2 of its 18 MB with 1,000. The kernel
    ///   keeps this setting across fork and exec, so the scripts the daemon runs (MISC_CHECK,
    ///   notify, track scripts) run without transparent huge pages too.
    public static func configure() {
        #if canImport(CMemory)
        _ = mallopt(M_ARENA_MAX, 1)
        _ = kad_disable_transparent_huge_pages()
        #endif
    }

    /// Hands the pages freed since the last call back to the kernel (after start-up and after a
    /// reload, when the parse of a configuration and the state it replaced have been dropped).
    public static func returnFreedPages() {
        #if canImport(CMemory)
        _ = malloc_trim(0)
        #endif
    }
}
