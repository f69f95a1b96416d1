/// The state of everything one VRRP instance tracks: how many things put it in FAULT and how
/// much the weighted ones move its priority.
///
/// Weighted trackers follow keepalived: a positive weight is added while the object is up, a
/// negative weight is added while it is down; `reverse` negates the adjustment (and for weight 0
/// makes "up" the failing state). A track file adds `value × weight` (negated by `reverse`);
/// a result below -253 is a FAULT, above 253 counts as 253; with weight 0 a non-zero value is a FAULT.
public struct VRRPTrackState: Sendable, Equatable {
    public private(set) var interfaceUp: [String: Bool] = [:]
    public private(set) var scriptStatus: [String: VRRPTrackedScriptState.Status] = [:]
    public private(set) var fileValue: [String: Int] = [:]
    let ownInterface: String
    let trackOwnInterface: Bool
    let interfaces: [VRRPTrackedInterfaceSetting]
    let scripts: [VRRPTrackedScriptSetting]
    let files: [VRRPTrackedFileSetting]

    public init(settings: VRRPMachineSettings) {
        ownInterface = settings.interface
        trackOwnInterface = !settings.dontTrackPrimary
        interfaces = settings.trackedInterfaces
        scripts = settings.trackedScripts
        files = settings.trackedFiles
        for script in scripts { scriptStatus[script.name] = script.initiallyFailed ? .down : .initial }
        for file in files { fileValue[file.name] = file.initialValue }
    }

    /// Records an interface's link state; false when this instance does not care about it.
    public mutating func setInterface(_ name: String, up: Bool) -> Bool {
        guard name == ownInterface || interfaces.contains(where: { $0.name == name }) else { return false }
        interfaceUp[name] = up
        return true
    }

    /// Records a script's status; false when this instance does not track it.
    public mutating func setScript(_ name: String, up: Bool) -> Bool {
        guard scripts.contains(where: { $0.name == name }) else { return false }
        scriptStatus[name] = up ? .up : .down
        return true
    }

    /// Records a track file's value; false when this instance does not track it.
    public mutating func setFile(_ name: String, value: Int) -> Bool {
        guard files.contains(where: { $0.name == name }) else { return false }
        fileValue[name] = value
        return true
    }

    /// How many tracked objects currently put the instance in FAULT (0: healthy).
    public var faultCount: Int {
        var count = 0
        if trackOwnInterface, interfaceUp[ownInterface] == false { count += 1 }
        for entry in interfaces where entry.weight == 0 && entry.name != ownInterface {
            if let up = interfaceUp[entry.name], up == entry.reverse { count += 1 }
        }
        for entry in scripts where entry.weight == 0 {
            switch scriptStatus[entry.name] ?? .initial {
            case .up: if entry.reverse { count += 1 }
            case .down: if !entry.reverse { count += 1 }
            case .initial: break
            }
        }
        for entry in files {
            let value = fileValue[entry.name] ?? entry.initialValue
            if entry.weight == 0 {
                if (value != 0) != entry.reverse { count += 1 }
            } else if fileAdjustment(entry, value: value) < -253 {
                count += 1
            }
        }
        return count
    }

    /// The sum of the weighted adjustments (before clamping the priority to 1...254).
    public var priorityAdjustment: Int {
        var total = 0
        for entry in interfaces where entry.weight != 0 {
            let up = interfaceUp[entry.name] ?? true
            total += Self.adjustment(weight: entry.weight, reverse: entry.reverse, up: up)
        }
        for entry in scripts where entry.weight != 0 {
            switch scriptStatus[entry.name] ?? .initial {
            case .up: total += Self.adjustment(weight: entry.weight, reverse: entry.reverse, up: true)
            case .down: total += Self.adjustment(weight: entry.weight, reverse: entry.reverse, up: false)
            case .initial: break
            }
        }
        for entry in files where entry.weight != 0 {
            let adjustment = fileAdjustment(entry, value: fileValue[entry.name] ?? entry.initialValue)
            if adjustment >= -253 { total += min(adjustment, 253) }
        }
        return total
    }

    static func adjustment(weight: Int, reverse: Bool, up: Bool) -> Int {
        let applies = weight > 0 ? up : !up
        guard applies else { return 0 }
        return reverse ? -weight : weight
    }

    private func fileAdjustment(_ entry: VRRPTrackedFileSetting, value: Int) -> Int {
        let product = value.multipliedReportingOverflow(by: entry.weight)
        let raw = product.overflow ? (value > 0) == (entry.weight > 0) ? Int.max : Int.min : product.partialValue
        return entry.reverse ? (raw == Int.min ? Int.max : -raw) : raw
    }
}
