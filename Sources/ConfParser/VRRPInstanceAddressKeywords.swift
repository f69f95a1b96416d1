/// vrrp_instance keywords about addresses: VIPs, routes, rules, unicast and multicast
/// addressing, VMACs.
extension VRRPInstanceParser {
    static let addressHandlers: [String: Handler] = [
        "virtual_ipaddress": addresses,
        "virtual_ipaddress_excluded": addresses,
        "virtual_routes": routes,
        "virtual_rules": routes,
        "unicast_src_ip": { parser, node, context in
            parser.sourceAddress(node, context: &context)
            parser.noteUnicastKeyword(node)
        },
        "mcast_src_ip": { parser, node, context in
            parser.sourceAddress(node, context: &context)
        },
        "mcast_dst_ip": { parser, node, context in
            guard let text = context.argument(node, expecting: "multicast address") else { return }
            guard let address = IPAddress(text) else {
                context.error("\(parser.tag) mcast_dst_ip \(text) is not a valid address. Skipping...", at: node)
                return
            }
            guard isMulticast(address) else {
                context.error("\(parser.tag) mcast_dst_ip \(text) not multicast. Skipping...", at: node)
                return
            }
            if case .v6(let high, _) = address, (high >> 48) & 0x000f != 2 {
                context.error("\(parser.tag) mcast_dst_ip \(text) is not a link local multicast address. Skipping...", at: node)
                return
            }
            guard parser.adopt(address, text: text, at: node, context: &context) else { return }
            parser.instance.$multicastDestinationIP.set(address, at: node.location)
        },
        "unicast_peer": { parser, node, context in
            parser.noteUnicastKeyword(node)
            for line in context.block(node) {
                parser.unicastPeer(line, context: &context)
            }
        },
        "unicast_ttl": { parser, node, context in
            let tag = parser.tag
            if let ttl = parser.integer(node, in: 0...255, { "\(tag): TTL '\($0)' not valid - must be between 0 & 255" }, context: &context) {
                parser.instance.$unicastTTL.set(ttl, at: node.location)
            }
        },
        "unicast_fault_no_peer": { parser, node, _ in
            parser.instance.$unicastFaultNoPeer.set(true, at: node.location)
        },
        "check_unicast_src": { parser, node, _ in
            parser.instance.$checkUnicastSource.set(true, at: node.location)
            parser.noteUnicastKeyword(node)
        },
        "old_unicast_checksum": { parser, node, context in
            if let mode = node.arguments.first, mode != "never" {
                context.error("\(parser.tag) unknown old_unicast_checksum option '\(mode)' - expected never", at: node)
            }
            parser.noteUnicastKeyword(node)
            parser.instance.otherKeywords.append(RecognisedKeyword(node))
        },
        "native_ipv6": { parser, node, context in
            if parser.instance.family == .ipv4 {
                context.error("\(parser.tag) native_ipv6 conflicts with the IPv4 addresses already configured - ignoring", at: node)
                return
            }
            parser.instance.family = .ipv6
            parser.instance.$nativeIPv6.set(true, at: node.location)
        },
        "use_vmac": { parser, node, context in
            parser.instance.$useVMAC.set(vmacSettings(node, context: &context), at: node.location)
        },
        "use_vmac_addr": flag(\.$useVMACForAddresses),
        "vmac_xmit_base": flag(\.$vmacTransmitBase),
        "promote_secondaries": flag(\.$promoteSecondaries),
        "track_src_ip": flag(\.$trackSourceIP),
    ]

    /// unicast_src_ip / mcast_src_ip: the source address of adverts.
    mutating func sourceAddress(_ node: ConfNode, context: inout BuildContext) {
        guard let text = context.argument(node, expecting: "IP address") else { return }
        guard let address = IPAddress(text) else {
            context.error("Configuration error: VRRP instance[\(instance.name)] malformed src address[\(text)]. Skipping...", at: node)
            return
        }
        guard adopt(address, text: text, at: node, context: &context) else { return }
        if node.keyword == "unicast_src_ip" {
            instance.$unicastSourceIP.set(address, at: node.location)
        } else {
            instance.$multicastSourceIP.set(address, at: node.location)
        }
    }

    mutating func noteUnicastKeyword(_ node: ConfNode) {
        if instance.unicastKeyword == nil { instance.unicastKeyword = node.location }
    }

    /// `<IPADDR> [min_ttl {0..255}] [max_ttl {0..255}]`.
    mutating func unicastPeer(_ line: ConfNode, context: inout BuildContext) {
        guard let address = IPAddress(line.keyword) else {
            context.error("Configuration error: VRRP instance[\(instance.name)] malformed unicast peer address[\(line.keyword)]. Skipping...", at: line)
            return
        }
        if let family = instance.family, family != IPFamily(address) {
            context.error("Configuration error: VRRP instance[\(instance.name)] and unicast peer address[\(line.keyword)] MUST be of the same family !!! Skipping...", at: line)
            return
        }
        instance.family = IPFamily(address)
        var peer = UnicastPeer(address: address, location: line.location)
        var index = 0
        while index < line.arguments.count {
            let option = line.arguments[index]
            guard index + 1 < line.arguments.count else {
                context.error("\(tag) \(option) is missing a value", at: line)
                break
            }
            let value = line.arguments[index + 1]
            switch option {
            case "min_ttl": peer.minTTL = context.integer(value, at: line, in: 0...255)
            case "max_ttl": peer.maxTTL = context.integer(value, at: line, in: 0...255)
            default: context.error("\(tag) unknown unicast_peer option \(option) - ignoring", at: line)
            }
            index += 2
        }
        if let minTTL = peer.minTTL, let maxTTL = peer.maxTTL, minTTL > maxTTL {
            context.error("\(tag) min_ttl \(minTTL) > max_ttl \(maxTTL) - all packets will be discarded", at: line)
        }
        if peer.minTTL != nil || peer.maxTTL != nil {
            instance.$checkUnicastSource.set(true, at: line.location)
        }
        instance.unicastPeers.append(peer)
    }

    static func isMulticast(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let value): return value >> 28 == 0xE
        case .v6(let high, _): return high >> 56 == 0xFF
        }
    }

    /// `use_vmac [NAME] [MAC]`: a MAC is told from a name by its colon-separated hex octets.
    static func vmacSettings(_ node: ConfNode, context: inout BuildContext) -> VMACSettings {
        var settings = VMACSettings()
        for word in node.arguments {
            if let octets = macOctets(word) {
                if settings.mac != nil {
                    context.error("VMAC interface address already specified", at: node)
                } else if octets.count == 6 && octets[0] == 0 && octets[1] == 0 && octets[2] == 0x5e && octets[3] == 0
                            && (octets[4] == 1 || octets[4] == 2) {
                    context.error("VMAC MAC address not allowed to be RFC5798 address (\(word)) - ignoring", at: node)
                } else if octets[0] & 1 == 1 {
                    context.error("VMAC MAC address is multicast \(word) - ignoring", at: node)
                } else {
                    settings.mac = word
                }
            } else if word.filter({ $0 == ":" }).count >= 4 {
                context.error("VMAC invalid MAC address \(word) - ignored", at: node)
            } else if settings.name != nil {
                context.error("VMAC interface name already specified", at: node)
            } else if word.utf8.count > 15 || word.contains("/") || word.contains(" ") {
                context.error("VMAC interface name '\(word)' too long or invalid characters - ignoring", at: node)
            } else {
                settings.name = word
            }
        }
        return settings
    }

    /// Octets of `aa:bb:cc:dd:ee[:ff]`, nil if it is not such a MAC.
    static func macOctets(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 5 || parts.count == 6 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...2).contains(part.count), let value = UInt8(part, radix: 16) else { return nil }
            octets.append(value)
        }
        return octets
    }
}
