import ConfParser
import CRawSocket

/// VRRP: packet codec, instance state machines and the raw-socket shell.
///
/// The foundation only needs the host-interface query used by `keepalivedd -t`;
/// the VRRP issue fills this module in.
public enum HostInterfaces {
    /// Whether a network interface with this name exists on this host (in this namespace).
    public static func exists(_ name: String) -> Bool {
        kad_interface_exists(name) != 0
    }
}
