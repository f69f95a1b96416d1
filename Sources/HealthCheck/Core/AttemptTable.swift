/// The attempts in flight, each in a slot of one array that is used again once the attempt ends.
///
/// An attempt is named by a token: its slot and how many times that slot has been handed out, so
/// the late result of an attempt that was abandoned (a reload, a stop) finds its slot given to
/// another attempt and is ignored. A check costs two array accesses here, where a dictionary keyed
/// by a counter hashed the key at the start and at the end of every check.
struct AttemptTable<Attempt> {
    private struct Slot {
        /// How many times the slot was handed out (the high half of its tokens).
        var use: UInt32 = 0
        var attempt: Attempt?
        /// Handed out and not ended yet (its attempt may still be on its way).
        var taken = false
    }

    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    /// How many slots are taken.
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    /// A token for an attempt about to start; `self[token] = attempt` records it once started.
    mutating func reserveToken() -> UInt64 {
        let index: Int
        if let free = freeSlots.popLast() {
            index = free
        } else {
            index = slots.count
            slots.append(Slot())
        }
        slots[index].use &+= 1
        slots[index].taken = true
        count += 1
        return token(of: index)
    }

    /// The attempt a token names, nil if it ended or its slot was handed out again. Setting nil
    /// ends it (as `remove`).
    subscript(token: UInt64) -> Attempt? {
        get {
            guard let index = slotIndex(of: token) else { return nil }
            return slots[index].attempt
        }
        set {
            guard let index = slotIndex(of: token) else { return }
            if let newValue {
                slots[index].attempt = newValue
            } else {
                end(index)
            }
        }
    }

    /// Ends the attempt a token names and returns it (nil if it had ended already).
    mutating func remove(_ token: UInt64) -> Attempt? {
        guard let index = slotIndex(of: token) else { return nil }
        let attempt = slots[index].attempt
        end(index)
        return attempt
    }

    /// Every attempt in flight with its token.
    var all: [(token: UInt64, attempt: Attempt)] {
        slots.indices.compactMap { index in
            guard slots[index].taken, let attempt = slots[index].attempt else { return nil }
            return (token(of: index), attempt)
        }
    }

    /// Ends every attempt and returns them.
    mutating func removeAll() -> [Attempt] {
        let attempts = all.map(\.attempt)
        for index in slots.indices where slots[index].taken { end(index) }
        return attempts
    }

    /// The token of the slot's current use: the use in the high half, the slot in the low one.
    private func token(of index: Int) -> UInt64 {
        UInt64(slots[index].use) << 32 | UInt64(index)
    }

    private func slotIndex(of token: UInt64) -> Int? {
        let index = Int(token & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].taken, slots[index].use == UInt32(token >> 32) else { return nil }
        return index
    }

    private mutating func end(_ index: Int) {
        slots[index].attempt = nil
        slots[index].taken = false
        freeSlots.append(index)
        count -= 1
    }
}
