/// The initial state of a VRRP instance.
public enum VRRPState: String, Sendable, Encodable, Equatable {
    case master = "MASTER"
    case backup = "BACKUP"
}

/// The address family a VRRP instance runs on (from its first address, or `native_ipv6`).
public enum IPFamily: String, Sendable, Encodable, Equatable {
    case ipv4 = "IPv4"
    case ipv6 = "IPv6"

    init(_ address: IPAddress) { self = address.isIPv6 ? .ipv6 : .ipv4 }
}

/// `authentication { auth_type PASS|AH  auth_pass SECRET }` (VRRPv2 only).
public struct VRRPAuthentication: Sendable, Encodable, Equatable {
    public enum Kind: String, Sendable, Encodable, Equatable {
        case pass = "PASS"
        case ah = "AH"
    }

    /// nil when only `auth_pass` was given (keepalived then authenticates nothing).
    public var type: Kind?
    /// At most 8 bytes (keepalived truncates longer passwords).
    public var password: String?
    public var location: SourceLocation
}

/// One `unicast_peer` entry: `<IPADDR> [min_ttl N] [max_ttl N]`.
public struct UnicastPeer: Sendable, Encodable, Equatable {
    public var address: IPAddress
    public var minTTL: Int?
    public var maxTTL: Int?
    public var location: SourceLocation
}

/// `use_vmac [NAME] [MAC]`: run the instance on a macvlan with the VRRP virtual MAC.
public struct VMACSettings: Sendable, Encodable, Equatable {
    /// Interface name of the macvlan; nil lets keepalivedd choose (`vrrp.VRID`).
    public var name: String?
    /// A MAC address to use instead of 00:00:5e:00:01:VRID (5 octets: VRID is appended).
    public var mac: String?
}

/// `vrrp_instance NAME { ... }`: one virtual router on one interface.
///
/// After completion (`VRRPCompletion`) every field holds the value in effect: keepalived's
/// defaults and the global_defs fallbacks are applied, and `$field.location` is nil for
/// values that were not written in the instance.
public struct VRRPInstance: Sendable, Encodable {
    public var name: String
    public var location: SourceLocation

    @Sourced public var state: VRRPState = .backup
    /// The interface VRRP runs on (an instance without one is dropped by completion).
    @Sourced public var interface: String = ""
    /// 1...255; 0 until configured (an instance without one is dropped by completion).
    @Sourced public var virtualRouterID: Int = 0
    /// 1...255; 255 is the address owner.
    @Sourced public var priority: Int = 100
    /// Seconds between adverts (v2: whole seconds, v3: centiseconds).
    @Sourced public var advertInterval: Double = 1
    /// VRRP version 2 or 3.
    @Sourced public var version: Int = 2
    /// Decided by the first address or `native_ipv6`; completion sets IPv4 when nothing did.
    public var family: IPFamily? = nil
    @Sourced public var nopreempt: Bool = false
    /// Seconds (0...1000) to wait before preempting a lower-priority master.
    @Sourced public var preemptDelay: Double = 0
    public var authentication: VRRPAuthentication? = nil

    public var virtualAddresses: [VirtualAddress] = []
    /// Addresses added and removed with the VIPs but not sent in adverts.
    public var excludedAddresses: [VirtualAddress] = []
    public var virtualRoutes: [StaticRoute] = []
    public var virtualRules: [StaticRule] = []
    /// Whether a virtual_ipaddress block was given at all.
    public var virtualAddressBlock: SourceLocation? = nil

    @Sourced public var unicastSourceIP: IPAddress? = nil
    public var unicastPeers: [UnicastPeer] = []
    /// Location of the first unicast keyword (unicast_src_ip, unicast_peer, ...).
    public var unicastKeyword: SourceLocation? = nil
    @Sourced public var unicastTTL: Int = 255
    @Sourced public var unicastFaultNoPeer: Bool = false
    @Sourced public var checkUnicastSource: Bool = false
    @Sourced public var multicastSourceIP: IPAddress? = nil
    /// nil: 224.0.0.18 / ff02::12 (or the global vrrp_mcast_group4/6).
    @Sourced public var multicastDestinationIP: IPAddress? = nil

    public var tracking = VRRPTracking()
    public var notify = NotifyScripts()
    @Sourced public var smtpAlert: Bool = false
    @Sourced public var notifyPriorityChanges: Bool = false

    /// Seconds before the second burst of gratuitous ARPs / NAs after becoming MASTER (0: none).
    @Sourced public var garpMasterDelay: Int = 5
    /// Gratuitous ARPs / NAs per burst after becoming MASTER.
    @Sourced public var garpMasterRepeat: Int = 5
    /// Seconds between refresh bursts while MASTER (0: no refresh).
    @Sourced public var garpMasterRefresh: Int = 0
    @Sourced public var garpMasterRefreshRepeat: Int = 1
    /// Delay / repeat of the bursts after a lower-priority advert received as MASTER.
    @Sourced public var garpLowerPriorityDelay: Int = 5
    @Sourced public var garpLowerPriorityRepeat: Int = 5
    @Sourced public var lowerPriorityNoAdvert: Bool = false
    @Sourced public var higherPrioritySendAdvert: Bool = false
    /// Master down timer in advert intervals (1...100, RFC: 3).
    @Sourced public var downTimerAdverts: Int = 3

    @Sourced public var dontTrackPrimary: Bool = false
    @Sourced public var skipCheckAdvertAddresses: Bool = false
    @Sourced public var strictMode: Bool = false
    @Sourced public var useVMAC: VMACSettings? = nil
    @Sourced public var vmacTransmitBase: Bool = false
    @Sourced public var useVMACForAddresses: Bool = false
    @Sourced public var nativeIPv6: Bool = false
    /// Accept packets addressed to the VIPs when not the address owner.
    @Sourced public var accept: Bool = true
    @Sourced public var promoteSecondaries: Bool = false
    @Sourced public var trackSourceIP: Bool = false
    @Sourced public var debug: Int = 0
    @Sourced public var kernelReceiveBufferSize: Int? = nil
    /// Deprecated `lvs_sync_daemon_interface` (global lvs_sync_daemon replaces it).
    @Sourced public var lvsSyncDaemonInterface: String? = nil
    /// The sync group this instance belongs to (set by completion).
    public var syncGroup: String? = nil

    public var otherKeywords: [RecognisedKeyword] = []

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    /// The address family in effect (IPv4 unless an address made it IPv6).
    public var addressFamily: IPFamily { family ?? .ipv4 }

    /// Whether the instance sends adverts by unicast.
    public var isUnicast: Bool { !unicastPeers.isEmpty }

    /// Whether this instance owns its addresses (priority 255).
    public var isAddressOwner: Bool { priority == 255 }

    static func parse(_ node: ConfNode, into config: inout Config, context: inout BuildContext) {
        guard let name = context.argument(node, 0, expecting: "vrrp_instance name") else { return }
        if config.vrrpInstances.contains(where: { $0.name == name }) {
            context.error("vrrp instance \(name) already defined", at: node)
            return
        }
        config.vrrpInstances.append(build(name: name, node: node, config: config, context: &context))
    }

    /// The parser (and its view of the config) is released before the caller appends.
    private static func build(name: String, node: ConfNode, config: Config, context: inout BuildContext) -> VRRPInstance {
        var parser = VRRPInstanceParser(instance: VRRPInstance(name: name, location: node.location), config: config)
        VRRPInstanceParser.keywords.apply(context.block(node), to: &parser, context: &context, other: \.instance.otherKeywords)
        return parser.instance
    }
}
