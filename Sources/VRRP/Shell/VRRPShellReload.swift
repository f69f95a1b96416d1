import ConfParser

/// SIGHUP: instances whose settings did not change (matched by name, VRID, interface and family)
/// keep their machine and state, only their VIP differences are applied; changed or removed
/// instances stop (a MASTER sends priority 0 and removes its VIPs) and new or changed ones start.
extension VRRPShell {
    /// Applies a new, already checked configuration (asynchronously on the shell's queue).
    public func reload(_ newConfig: Config) {
        queue.async { self.reloadOnQueue(newConfig) }
    }

    func reloadOnQueue(_ newConfig: Config) {
        guard running else { return }
        structureGeneration &+= 1
        defer { structureGeneration &+= 1 }
        var kept: Set<String> = []
        var stopping: [Int] = []
        for (index, unit) in units.enumerated() {
            if isUnchanged(unit, in: newConfig) {
                kept.formUnion(unit.memberNames)
            } else {
                stopping.append(index)
            }
        }
        stopUnits(indices: stopping)
        let oldRunners = runners
        config = newConfig
        runners = [:]
        for name in kept {
            guard let old = oldRunners[name], let instance = newConfig.vrrpInstances.first(where: { $0.name == name }) else {
                continue
            }
            var runner = VRRPInstanceRunner(instance: instance, globals: newConfig.globalDefs)
            runner.receiveState = old.receiveState
            runner.drops = old.drops
            runner.traffic = old.traffic
            runner.ahSequence = old.ahSequence
            runners[name] = runner
            if machine(named: name)?.virtualAddressesSet == true {
                applyAddressDifference(old: old, new: runner)
            }
        }
        let previousScripts = scripts
        for tracker in previousScripts.values { tracker.timer?.cancel() }
        scripts = [:]
        startScripts(previous: previousScripts)
        let starting = newConfig.vrrpInstances.map(\.name).filter { !kept.contains($0) }
        log.info("Reload: \(kept.count) instance(s) kept, \(stopping.count) unit(s) stopped, \(starting.count) instance(s) started")
        startInstances(names: starting, removeLeftovers: true)
        openMissingSockets()
        watchTrackFiles()
    }

    /// Adds the VIPs only the new configuration has and removes those only the old one had.
    func applyAddressDifference(old: VRRPInstanceRunner, new: VRRPInstanceRunner) {
        func same(_ a: VirtualAddress, _ b: VirtualAddress, _ aDefault: String, _ bDefault: String) -> Bool {
            a.address == b.address && a.prefixLength == b.prefixLength && (a.device ?? aDefault) == (b.device ?? bDefault)
        }
        let oldAddresses = old.allVirtualAddresses
        let newAddresses = new.allVirtualAddresses
        let removed = oldAddresses.filter { vip in
            !newAddresses.contains { same(vip, $0, old.instance.interface, new.instance.interface) }
        }
        let added = newAddresses.filter { vip in
            !oldAddresses.contains { same(vip, $0, new.instance.interface, old.instance.interface) }
        }
        changeAddresses(removed, defaultInterface: old.instance.interface, present: false, instance: new.name)
        changeAddresses(added, defaultInterface: new.instance.interface, present: true, instance: new.name)
        if !added.isEmpty { sendGratuitous(addresses: added, instance: new) }
    }

    private func sendGratuitous(addresses: [VirtualAddress], instance runner: VRRPInstanceRunner) {
        var partial = runner
        partial.instance.virtualAddresses = addresses
        partial.instance.excludedAddresses = []
        let saved = runners[runner.name]
        runners[runner.name] = partial
        sendGratuitous(instance: runner.name, rounds: max(runner.instance.garpMasterRepeat, 1))
        runners[runner.name] = saved
    }

    /// Whether a unit can keep running as it is under `newConfig`.
    func isUnchanged(_ unit: VRRPMachineUnit, in newConfig: Config) -> Bool {
        switch unit {
        case .single(let machine):
            guard let instance = newConfig.vrrpInstances.first(where: { $0.name == machine.name }),
                  instance.syncGroup == nil else { return false }
            return isUnchanged(machine, as: instance, in: newConfig)
        case .group(let group):
            guard let newGroup = newConfig.syncGroups.first(where: { $0.name == group.name }),
                  newGroup.members.map(\.name) == group.members.map(\.name), Self.sameScripts(newGroup.notify, group.notify) else {
                return false
            }
            return group.members.allSatisfy { member in
                guard let instance = newConfig.vrrpInstances.first(where: { $0.name == member.name }) else { return false }
                return isUnchanged(member, as: instance, in: newConfig)
            }
        }
    }

    private func isUnchanged(_ machine: VRRPInstanceMachine, as instance: VRRPInstance, in newConfig: Config) -> Bool {
        guard let old = runners[machine.name] else { return false }
        let new = VRRPInstanceRunner(instance: instance, globals: newConfig.globalDefs)
        guard old.identity == new.identity, old.socketKey == new.socketKey, old.destinations == new.destinations,
              old.instance.unicastSourceIP == instance.unicastSourceIP,
              old.instance.multicastSourceIP == instance.multicastSourceIP,
              old.instance.unicastTTL == instance.unicastTTL else { return false }
        var oldExpectations = old.expectations
        var newExpectations = new.expectations
        oldExpectations.addresses = []
        newExpectations.addresses = []
        guard oldExpectations == newExpectations else { return false }
        var oldSettings = machine.settings
        var newSettings = VRRPMachineSettings(instance: instance, config: newConfig, primaryAddress: primaryAddress(of: instance))
        oldSettings.gratuitousTargets = []
        newSettings.gratuitousTargets = []
        guard Self.sameScripts(oldSettings.notify, newSettings.notify) else { return false }
        oldSettings.notify = NotifyScripts()
        newSettings.notify = NotifyScripts()
        return oldSettings == newSettings
    }

    /// The same notify scripts, wherever in the file they are written.
    static func sameScripts(_ lhs: NotifyScripts, _ rhs: NotifyScripts) -> Bool {
        func key(_ scripts: NotifyScripts) -> [String] {
            [scripts.master, scripts.backup, scripts.fault, scripts.stop, scripts.deleted, scripts.any,
             scripts.masterRxLowerPriority].map { script in
                script.map { "\($0.command)|\($0.user ?? "")|\($0.group ?? "")" } ?? "-"
            } + [String(scripts.reportDeleted)]
        }
        return key(lhs) == key(rhs)
    }
}
