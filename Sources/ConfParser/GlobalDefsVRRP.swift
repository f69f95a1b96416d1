/// VRRP settings of `global_defs`.
extension GlobalDefs {
    static let vrrpHandlers: [String: Handler] = [
        "vrrp_mcast_group4": { defs, node, context in
            guard let group = multicastGroup(node, &context, ipv6: false) else { return }
            defs.$vrrpMcastGroup4.set(group, at: node.location)
        },
        "vrrp_mcast_group6": { defs, node, context in
            guard let group = multicastGroup(node, &context, ipv6: true) else { return }
            defs.$vrrpMcastGroup6.set(group, at: node.location)
        },
        "vrrp_garp_master_delay": { defs, node, context in
            guard let value = number(node, &context, in: 0...4294) else { return }
            defs.$vrrpGarpMasterDelay.set(value, at: node.location)
        },
        "vrrp_garp_master_repeat": { defs, node, context in
            guard let value = repeatCount(node, &context) else { return }
            defs.$vrrpGarpMasterRepeat.set(value, at: node.location)
        },
        "vrrp_garp_master_refresh": { defs, node, context in
            guard let value = number(node, &context, in: 0...Int(UInt32.max)) else { return }
            defs.$vrrpGarpMasterRefresh.set(value, at: node.location)
        },
        "vrrp_garp_master_refresh_repeat": { defs, node, context in
            guard let value = repeatCount(node, &context) else { return }
            defs.$vrrpGarpMasterRefreshRepeat.set(value, at: node.location)
        },
        "vrrp_garp_lower_prio_delay": { defs, node, context in
            guard let value = number(node, &context, in: 0...4294) else { return }
            defs.$vrrpGarpLowerPrioDelay.set(value, at: node.location)
        },
        "vrrp_garp_lower_prio_repeat": { defs, node, context in
            guard let value = number(node, &context, in: 0...Int(Int32.max)) else { return }
            defs.$vrrpGarpLowerPrioRepeat.set(value, at: node.location)
        },
        "vrrp_garp_interval": { defs, node, context in
            guard let text = word(node, &context),
                  let value = timer(text, at: node, &context, in: 0.000001...4294.967295) else { return }
            defs.$vrrpGarpInterval.set(value, at: node.location)
        },
        "vrrp_gna_interval": { defs, node, context in
            guard let text = word(node, &context),
                  let value = timer(text, at: node, &context, in: 0.000001...4294.967295) else { return }
            defs.$vrrpGnaInterval.set(value, at: node.location)
        },
        "vrrp_min_garp": { defs, node, context in
            guard let value = bool(node, &context, wording: .plain) else { return }
            defs.$vrrpMinGarp.set(value, at: node.location)
        },
        "vrrp_garp_extra_if": garpExtraInterfaces,
        "vrrp_vmac_garp_intvl": { defs, node, context in
            context.warning("Keyword \"vrrp_vmac_garp_intvl\" is deprecated - please use \"vrrp_garp_extra_if\"", at: node)
            garpExtraInterfaces(&defs, node, &context)
        },
        "vrrp_down_timer_adverts": { defs, node, context in
            guard let value = number(node, &context, in: 1...100) else { return }
            defs.$vrrpDownTimerAdverts.set(value, at: node.location)
        },
        "vrrp_lower_prio_no_advert": { defs, node, context in
            guard let value = bool(node, &context, wording: .plain) else { return }
            defs.$vrrpLowerPrioNoAdvert.set(value, at: node.location)
        },
        "vrrp_higher_prio_send_advert": { defs, node, context in
            guard let value = bool(node, &context, wording: .plain) else { return }
            defs.$vrrpHigherPrioSendAdvert.set(value, at: node.location)
        },
        "vrrp_version": { defs, node, context in
            guard let value = number(node, &context, in: 2...3) else { return }
            defs.$vrrpVersion.set(value, at: node.location)
        },
        "vrrp_check_unicast_src": { defs, node, _ in defs.$vrrpCheckUnicastSrc.set(true, at: node.location) },
        "vrrp_skip_check_adv_addr": { defs, node, _ in defs.$vrrpSkipCheckAdvAddr.set(true, at: node.location) },
        "vrrp_strict": { defs, node, _ in defs.$vrrpStrict.set(true, at: node.location) },
        "vrrp_startup_delay": { defs, node, context in
            guard let text = word(node, &context),
                  let value = timer(text, at: node, &context, in: 0.001...4294.967295) else { return }
            defs.$vrrpStartupDelay.set(value, at: node.location)
        },
        "vrrp_iptables": { defs, node, context in
            defs.otherKeywords.append(RecognisedKeyword(node))
            context.warning("iptables not supported - please replace 'vrrp_iptables' and 'vrrp_ipsets' with the 'nftables' option", at: node)
        },
        "vrrp_ipsets": { defs, node, context in
            defs.otherKeywords.append(RecognisedKeyword(node))
            context.warning("ipsets not supported - please replace 'vrrp_iptables' and 'vrrp_ipsets' with the 'nftables' option", at: node)
        },
    ]

    /// `vrrp_mcast_group4 224.0.0.18` / `vrrp_mcast_group6 ff02::12`.
    static func multicastGroup(_ node: ConfNode, _ context: inout BuildContext, ipv6: Bool) -> IPAddress? {
        guard let text = word(node, &context) else { return nil }
        guard let address = IPAddress(text) else {
            context.error("Can't parse \(node.keyword) [\(text)]. Skipping", at: node)
            return nil
        }
        guard address.isIPv6 == ipv6 else {
            context.error("\(node.keyword) [\(text)] is not IPv\(ipv6 ? 6 : 4). Skipping", at: node)
            return nil
        }
        guard isMulticast(address) else {
            context.error("\(node.keyword) [\(text)] is not multicast. Skipping", at: node)
            return nil
        }
        return address
    }

    /// A repeat count 1...4294967295; keepalived turns 0 into 1 (a config error).
    static func repeatCount(_ node: ConfNode, _ context: inout BuildContext) -> Int? {
        guard let value = number(node, &context, in: 0...Int(UInt32.max)) else { return nil }
        if value == 0 {
            context.warning("\(node.keyword) must be greater than 0, setting to 1", at: node)
            return 1
        }
        return value
    }

    /// `vrrp_garp_extra_if [all] SECS` (the time is the last word).
    static let garpExtraInterfaces: Handler = { defs, node, context in
        let words = node.arguments
        guard let last = words.last, !(words.count == 1 && last == "all") else {
            context.error("vrrp_garp_extra_if specified without time - ignoring", at: node)
            return
        }
        guard let interval = context.integer(last, at: node, in: 1...86400) else { return }
        let all = words.count > 1 && words[0] == "all"
        defs.$vrrpGarpExtraInterfaces.set(GarpExtraInterfaces(interval: interval, allInterfaces: all), at: node.location)
    }
}
