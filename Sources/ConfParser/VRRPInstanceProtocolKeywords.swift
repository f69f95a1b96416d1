/// vrrp_instance keywords of the VRRP protocol itself: state, router id, priority, timers,
/// version, preemption and authentication.
extension VRRPInstanceParser {
    static let protocolHandlers: [String: Handler] = [
        "state": { parser, node, context in
            guard let text = context.argument(node) else { return }
            if let state = VRRPState(rawValue: text) {
                parser.instance.$state.set(state, at: node.location)
            } else {
                context.error("\(parser.tag) unknown state '\(text)', defaulting to BACKUP", at: node)
                parser.instance.$state.set(.backup, at: node.location)
            }
        },
        "interface": { parser, node, context in
            guard let name = context.argument(node, expecting: "interface name") else { return }
            if parser.instance.otherKeywords.contains(where: { $0.keyword == "vrf" }) {
                context.error("\(parser.tag) Cannot specify VRF interface and interface - ignoring", at: node)
                return
            }
            parser.instance.$interface.set(name, at: node.location)
            context.interface(name, at: node, for: "vrrp_instance \(parser.instance.name)")
        },
        "vrf": { parser, node, context in
            guard context.argument(node, expecting: "VRF interface name") != nil else { return }
            if !parser.instance.interface.isEmpty {
                context.error("\(parser.tag) Cannot specify VRF interface and interface - ignoring", at: node)
                return
            }
            parser.instance.otherKeywords.append(RecognisedKeyword(node))
        },
        "virtual_router_id": { parser, node, context in
            let tag = parser.tag
            if let vrid = parser.integer(node, in: 1...255, { "\(tag): VRID '\($0)' not valid - must be between 1 & 255" }, context: &context) {
                parser.instance.$virtualRouterID.set(vrid, at: node.location)
            }
        },
        "priority": { parser, node, context in
            let tag = parser.tag
            let priority = parser.integer(node, in: 1...255, { "\(tag) Priority '\($0)' not valid! must be between 1 & 255. Using default 100" },
                                          context: &context)
            parser.instance.$priority.set(priority ?? 100, at: node.location)
        },
        "advert_int": { parser, node, context in
            let tag = parser.tag
            if let interval = parser.seconds(node, in: 0.01...255, { "\(tag) Advert interval (\($0)) not valid! Must be > 0 - ignoring" },
                                             context: &context) {
                parser.instance.$advertInterval.set(interval, at: node.location)
            }
        },
        "version": { parser, node, context in
            let tag = parser.tag
            guard let version = parser.integer(node, in: 2...3, { _ in "\(tag): Version must be either 2 or 3" }, context: &context) else { return }
            if version == 2 && parser.instance.family == .ipv6 {
                context.error("\(tag) vrrp_version 2 conflicts with configured or deduced version 3; ignoring.", at: node)
                return
            }
            parser.instance.$version.set(version, at: node.location)
        },
        "nopreempt": { parser, node, _ in
            parser.instance.$nopreempt.set(true, at: node.location)
        },
        "preempt": { parser, node, _ in
            parser.instance.$nopreempt.set(false, at: node.location)
        },
        "preempt_delay": { parser, node, context in
            let tag = parser.tag
            if let delay = parser.seconds(node, in: 0...1000, { _ in "\(tag) Preempt_delay not valid! must be between 0-1000" },
                                          context: &context) {
                parser.instance.$preemptDelay.set(delay, at: node.location)
            }
        },
        "authentication": { parser, node, context in
            var auth = parser.instance.authentication ?? VRRPAuthentication(location: node.location)
            for line in context.block(node) {
                switch line.keyword {
                case "auth_type":
                    guard let text = context.argument(line, expecting: "PASS|AH") else { continue }
                    if let kind = VRRPAuthentication.Kind(rawValue: text) {
                        auth.type = kind
                    } else {
                        context.error("\(parser.tag) unknown authentication type '\(text)'", at: line)
                    }
                case "auth_pass":
                    guard let password = context.argument(line, expecting: "password") else { continue }
                    if password.utf8.count > 8 {
                        context.error("Truncating auth_pass to 8 characters", at: line)
                        auth.password = String(decoding: password.utf8.prefix(8), as: UTF8.self)
                    } else {
                        auth.password = password
                    }
                default:
                    context.unknownKeyword(line)
                }
            }
            parser.instance.authentication = auth
        },
        "strict_mode": { parser, node, context in
            if let value = parser.flag(node, context: &context) {
                parser.instance.$strictMode.set(value, at: node.location)
            }
        },
        "down_timer_adverts": { parser, node, context in
            let tag = parser.tag
            if let value = parser.integer(node, in: 1...100, { "\(tag): Invalid down_timer_adverts [1:100] '\($0)'" }, context: &context) {
                parser.instance.$downTimerAdverts.set(value, at: node.location)
            }
        },
        "accept": { parser, node, _ in
            parser.instance.$accept.set(true, at: node.location)
        },
        "no_accept": { parser, node, _ in
            parser.instance.$accept.set(false, at: node.location)
        },
        "lower_prio_no_advert": flag(\.$lowerPriorityNoAdvert),
        "higher_prio_send_advert": flag(\.$higherPrioritySendAdvert),
        "skip_check_adv_addr": flag(\.$skipCheckAdvertAddresses),
        "dont_track_primary": flag(\.$dontTrackPrimary),
        "debug": { parser, node, context in
            let tag = parser.tag
            if let value = parser.integer(node, in: 0...4, { "\(tag) Debug value '\($0)' not valid; must be between 0-4" }, context: &context) {
                parser.instance.$debug.set(value, at: node.location)
            }
        },
        "kernel_rx_buf_size": { parser, node, context in
            let tag = parser.tag
            if let value = parser.integer(node, in: 1...Int(Int32.max), { _ in "\(tag) invalid kernel_rx_buf_size specified" }, context: &context) {
                parser.instance.$kernelReceiveBufferSize.set(value, at: node.location)
            }
        },
        "lvs_sync_daemon_interface": { parser, node, context in
            context.error("\(parser.tag) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.", at: node)
            context.note("        Please use global lvs_sync_daemon", at: node)
            guard let name = context.argument(node, expecting: "interface name") else { return }
            if let existing = parser.instance.lvsSyncDaemonInterface {
                context.error("\(parser.tag) lvs_sync_daemon_interface has already been specified as \(existing) - ignoring", at: node)
                return
            }
            parser.instance.$lvsSyncDaemonInterface.set(name, at: node.location)
            context.interface(name, at: node, for: "lvs_sync_daemon_interface of vrrp_instance \(parser.instance.name)")
        },
        "linkbeat_use_polling": { parser, node, context in
            context.error("\(parser.tag) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block", at: node)
            parser.instance.otherKeywords.append(RecognisedKeyword(node))
        },
    ]
}
