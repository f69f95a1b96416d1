import VRRP

extension VRRPMetricsSample {
    /// The sample of an instance report (what `keepalivedd status` shows).
    ///
    /// `transitions` counts MASTER entries and exits (keepalived's `become_master` +
    /// `release_master`); drop reasons are keepalived's statistics names (`packet_len_err`,
    /// `ip_ttl_err`, `invalid_type_rcvd`, `advert_interval_err`, `addr_list_err`,
    /// `invalid_authtype`, `authtype_mismatch`, `auth_failure`).
    public init(report: VRRPInstanceReport) {
        let traffic = report.traffic
        let packet = report.packetErrors
        let auth = report.authenticationErrors
        self.init(
            instance: report.name,
            state: Self.stateValue(report.state),
            transitions: traffic.becameMaster + traffic.releasedMaster,
            advertsSent: traffic.advertsSent,
            advertsReceived: traffic.advertsReceived,
            drops: [
                "packet_len_err": packet.length,
                "ip_ttl_err": packet.ttl,
                "invalid_type_rcvd": packet.invalidType,
                "advert_interval_err": packet.advertisementInterval,
                "addr_list_err": packet.addressList,
                "invalid_authtype": auth.invalidType,
                "authtype_mismatch": auth.typeMismatch,
                "auth_failure": auth.failure,
            ]
        )
    }
}
