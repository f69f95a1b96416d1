/// One change to the kernel's IPVS state, as the reconciler plans it and a backend applies it.
public enum IPVSOperation: Sendable, Equatable, CustomStringConvertible {
    /// IPVS_CMD_NEW_SERVICE.
    case addService(IPVSService)
    /// IPVS_CMD_SET_SERVICE: scheduler, flags, persistence timeout, netmask, persistence engine.
    case editService(IPVSService)
    /// IPVS_CMD_DEL_SERVICE (the kernel drops its destinations with it).
    case deleteService(IPVSService)
    /// IPVS_CMD_NEW_DEST.
    case addDestination(IPVSDestination, service: IPVSService)
    /// IPVS_CMD_SET_DEST: weight, forwarding method, tunnel, thresholds. `previous` is what the
    /// kernel held, when known (for the log line). Boxed: with two destinations it was the largest
    /// case, and every operation of a plan took its size (a start's plan has one per real server).
    indirect case editDestination(IPVSDestination, service: IPVSService, previous: IPVSDestination?)
    /// IPVS_CMD_DEL_DEST.
    case deleteDestination(IPVSDestination, service: IPVSService)
    /// IPVS_CMD_FLUSH: every service and destination.
    case flush
    /// IPVS_CMD_SET_CONFIG with the given timeouts (nil values unchanged).
    case setTimeouts(IPVSTimeouts)
    /// IPVS_CMD_NEW_DAEMON.
    case startDaemon(IPVSSyncDaemon)
    /// IPVS_CMD_DEL_DAEMON (only the role matters to the kernel).
    case stopDaemon(IPVSSyncDaemon)

    /// The generic netlink command that carries it.
    public var command: UInt8 {
        switch self {
        case .addService: return IPVSConstants.cmdNewService
        case .editService: return IPVSConstants.cmdSetService
        case .deleteService: return IPVSConstants.cmdDelService
        case .addDestination: return IPVSConstants.cmdNewDest
        case .editDestination: return IPVSConstants.cmdSetDest
        case .deleteDestination: return IPVSConstants.cmdDelDest
        case .flush: return IPVSConstants.cmdFlush
        case .setTimeouts: return IPVSConstants.cmdSetConfig
        case .startDaemon: return IPVSConstants.cmdNewDaemon
        case .stopDaemon: return IPVSConstants.cmdDelDaemon
        }
    }

    /// The service the operation is about, if any.
    public var service: IPVSService? {
        switch self {
        case .addService(let service), .editService(let service), .deleteService(let service): return service
        case .addDestination(_, let service), .editDestination(_, let service, _), .deleteDestination(_, let service): return service
        case .flush, .setTimeouts, .startDaemon, .stopDaemon: return nil
        }
    }

    /// True for operations that create something (EEXIST then means "already there").
    public var isAddition: Bool {
        switch self {
        case .addService, .addDestination, .startDaemon: return true
        default: return false
        }
    }

    /// True for operations that remove something (ENOENT/ESRCH then mean "already gone").
    public var isRemoval: Bool {
        switch self {
        case .deleteService, .deleteDestination, .stopDaemon: return true
        default: return false
        }
    }

    /// keepalived's log line for the operation, where keepalived logs one:
    /// `Adding service [RIP]:tcp:80 to VS [VIP]:tcp:80`, `Removing service ... from VS ...`,
    /// `Adding sorry server ...`, `Enabling` / `Disabling` for inhibited servers, and
    /// `Changing weight from A to B for active service ... of VS ...`.
    public var logMessage: String? {
        switch self {
        case .addDestination(let dest, let service):
            return "Adding \(dest.isSorryServer ? "sorry server" : "service") \(dest.displayName(in: service)) to VS \(service.displayName)"
        case .deleteDestination(let dest, let service):
            return "Removing \(dest.isSorryServer ? "sorry server" : "service") \(dest.displayName(in: service)) from VS \(service.displayName)"
        case .editDestination(let dest, let service, let previous):
            guard let previous, previous.weight != dest.weight else { return nil }
            let what = dest.isSorryServer ? "sorry server" : "service"
            if dest.isInhibited && dest.weight == 0 {
                return "Disabling \(what) \(dest.displayName(in: service)) of VS \(service.displayName)"
            }
            // Back from inhibited; a server that was up at weight 0 (FILE_CHECK) only changes weight.
            // A dumped destination has no annotations: its weight 0 is taken as inhibited.
            if previous.weight == 0 && !previous.isAliveAtWeightZero {
                return "Enabling \(what) \(dest.displayName(in: service)) of VS \(service.displayName)"
            }
            return "Changing weight from \(previous.weight) to \(dest.weight) for active \(what) \(dest.displayName(in: service)) of VS \(service.displayName)"
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .addService(let s): return "add service \(s.key) \(s.scheduler)"
        case .editService(let s): return "edit service \(s.key) \(s.scheduler)"
        case .deleteService(let s): return "delete service \(s.key)"
        case .addDestination(let d, let s): return "add destination \(d) to \(s.key) weight \(d.weight) \(d.forwarding)"
        case .editDestination(let d, let s, _): return "edit destination \(d) of \(s.key) weight \(d.weight) \(d.forwarding)"
        case .deleteDestination(let d, let s): return "delete destination \(d) from \(s.key)"
        case .flush: return "flush"
        case .setTimeouts(let t): return "set timeouts tcp \(t.tcp ?? 0) tcpfin \(t.tcpFin ?? 0) udp \(t.udp ?? 0)"
        case .startDaemon(let d): return "start \(d)"
        case .stopDaemon(let d): return "stop \(d)"
        }
    }
}

/// An error from an IPVS backend: the kernel's errno and message (netlink extended ack or
/// strerror), typed enough for the applier's EEXIST / ENOENT rules.
public struct IPVSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Positive errno value.
    public var code: Int32
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public static func exists(_ message: String) -> IPVSError { IPVSError(code: IPVSConstants.errnoEEXIST, message: message) }
    public static func noSuchService(_ message: String = "No such service") -> IPVSError {
        IPVSError(code: IPVSConstants.errnoESRCH, message: message)
    }
    public static func noSuchDestination(_ message: String = "No such destination") -> IPVSError {
        IPVSError(code: IPVSConstants.errnoENOENT, message: message)
    }
    public static func invalid(_ message: String) -> IPVSError { IPVSError(code: IPVSConstants.errnoEINVAL, message: message) }
    public static func outOfRange(_ message: String) -> IPVSError { IPVSError(code: IPVSConstants.errnoERANGE, message: message) }

    /// EEXIST.
    public var isAlreadyExists: Bool { code == IPVSConstants.errnoEEXIST }
    /// ENOENT (missing destination, unknown scheduler) or ESRCH (missing service, stopped daemon).
    public var isNotFound: Bool { code == IPVSConstants.errnoENOENT || code == IPVSConstants.errnoESRCH }

    public var description: String { "\(message) (errno \(code))" }
}
