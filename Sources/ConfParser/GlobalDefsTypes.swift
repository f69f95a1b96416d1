/// Value types used by `GlobalDefs`.

/// `smtp_server ADDRESS|NAME [PORT]`.
public struct SMTPServer: Sendable, Encodable, Equatable {
    /// The server as written: an IP address or a host name (resolved when mail is sent).
    public var host: String
    /// The address when `host` is a literal IP address.
    public var address: IPAddress?
    /// TCP port, 25 unless given.
    public var port: UInt16 = 25

    public init(host: String, address: IPAddress?, port: UInt16 = 25) {
        self.host = host
        self.address = address
        self.port = port
    }
}

/// `lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS]`: IPVS connection timeouts; nil leaves the
/// kernel's value unchanged.
public struct LVSTimeouts: Sendable, Encodable, Equatable {
    public var tcp: Int?
    public var tcpFin: Int?
    public var udp: Int?

    public init(tcp: Int? = nil, tcpFin: Int? = nil, udp: Int? = nil) {
        self.tcp = tcp
        self.tcpFin = tcpFin
        self.udp = udp
    }

    /// Largest timeout IPVS takes: 31 days.
    static let range = 0...2_678_400
}

/// `lvs_flush_on_stop [VS]`: what keepalivedd removes from IPVS when it stops.
public enum LVSFlushOnStop: String, Sendable, Encodable, Equatable {
    /// Default: delete each configured real server and virtual server.
    case disabled
    /// `lvs_flush_on_stop`: flush the whole IPVS table.
    case all
    /// `lvs_flush_on_stop VS`: delete each virtual server, leaving its real servers to the kernel.
    case virtualServers = "VS"
}

/// `lvs_sync_daemon IFACE [[inst] INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`:
/// the kernel's IPVS connection synchronisation daemon.
public struct LVSSyncDaemon: Sendable, Encodable, Equatable {
    public var interface: String
    /// The VRRP instance whose state decides master / backup; nil runs both daemons all the time.
    public var instance: String?
    /// Sync id 0...255; nil means the VRID of `instance` (0 without one).
    public var syncID: Int?
    /// Maximum packet length 1...65507.
    public var maxLength: Int?
    /// UDP port 1...65535 (kernel default 8848).
    public var port: Int?
    /// Multicast TTL 1...255.
    public var ttl: Int?
    /// Multicast group (kernel default 224.0.0.81).
    public var group: IPAddress?

    public init(interface: String) {
        self.interface = interface
    }
}

/// `dynamic_interfaces [allow_if_changes]`.
public enum DynamicInterfaces: String, Sendable, Encodable, Equatable {
    case off
    /// Interfaces may be missing at start-up and come and go.
    case on
    /// As `on`, and an interface may be recreated with a different type or parent.
    case allowIfChanges = "allow_if_changes"
}

/// A FIFO notify events are written to: `notify_fifo NAME [USER [GROUP]]` and the vrrp_ / lvs_ forms.
public struct NotifyFIFO: Sendable, Encodable, Equatable {
    public var path: String
    /// Owner of the FIFO when created.
    public var user: String?
    public var group: String?

    public init(path: String, user: String? = nil, group: String? = nil) {
        self.path = path
        self.user = user
        self.group = group
    }
}

/// A command keepalivedd runs: `KEYWORD COMMAND [USER [GROUP]]` (startup_script, notify_fifo_script, ...).
public struct ScriptCommand: Sendable, Encodable, Equatable {
    /// The command line.
    public var command: String
    /// User to run it as; nil means `script_user`.
    public var user: String?
    public var group: String?

    public init(command: String, user: String? = nil, group: String? = nil) {
        self.command = command
        self.user = user
        self.group = group
    }
}

/// `script_user USER [GROUP]`: who runs scripts that name no user.
public struct ScriptUser: Sendable, Encodable, Equatable {
    public var user: String
    /// nil means the user's primary group.
    public var group: String?

    public init(user: String, group: String? = nil) {
        self.user = user
        self.group = group
    }
}

/// Process names set by `process_names`, `process_name`, `vrrp_process_name`,
/// `checker_process_name` (alias `lvs_process_name`) and `bfd_process_name`; nil keeps the
/// executable's name.
public struct ProcessNames: Sendable, Encodable, Equatable {
    public var main: String?
    public var vrrp: String?
    public var checker: String?
    public var bfd: String?

    public init(main: String? = nil, vrrp: String? = nil, checker: String? = nil, bfd: String? = nil) {
        self.main = main
        self.vrrp = vrrp
        self.checker = checker
        self.bfd = bfd
    }

    /// The names `process_names` sets for those not given individually.
    static let defaults = ProcessNames(main: "keepalived", vrrp: "keepalived_vrrp",
                                       checker: "keepalived_ipvs", bfd: "keepalived_bfd")
}

/// `vrrp_garp_extra_if [all] SECS`: periodic gratuitous ARP / NA on interfaces of addresses that
/// are not on the VRRP instance's interface.
public struct GarpExtraInterfaces: Sendable, Encodable, Equatable {
    /// Seconds between sends, 1...86400.
    public var interval: Int
    /// `all`: every interface used by the instance, not only VMAC ones.
    public var allInterfaces: Bool

    public init(interval: Int, allInterfaces: Bool) {
        self.interval = interval
        self.allInterfaces = allInterfaces
    }
}
