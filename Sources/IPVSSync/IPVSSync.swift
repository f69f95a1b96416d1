import ConfParser
import CNetlink

/// IPVS table model, reconciler and generic-netlink backend.
///
/// The IPVSSync issue fills this module in; the foundation proves libnl links.
public enum IPVSSyncModule {
    /// The libnl version this binary was built against, e.g. "3.7.0".
    public static var libnlVersion: String {
        "\(LIBNL_VER_MAJ).\(LIBNL_VER_MIN).\(LIBNL_VER_MIC)"
    }
}
