/// A unit's output, as it is emitted: its decoded frames, or the count of its frames that were
/// lost (its failure was reported when it was given up).
public struct EmittedUnit: Hashable, Sendable {
    public var key: UnitKey
    /// The presentation times the unit covers.
    public var emit: PresentationRange
    /// In presentation order; empty when the unit was lost.
    public var frames: [DecodedFrame]
    /// Frames the unit should have delivered and did not (0 when decoded in full).
    public var lostFrames: Int
    /// Frames its delivery plan left out on purpose (disposable frames at
    /// `.referenceFramesOnly`): not lost, reported apart.
    public var skippedFrames: Int
    /// The delivery its member was told (`.full` for audio).
    public var level: DeliveryLevel
    /// The unit's media duration (for the delivered frame rate).
    public var mediaDuration: Duration

    public init(key: UnitKey, emit: PresentationRange, frames: [DecodedFrame], lostFrames: Int, skippedFrames: Int = 0, level: DeliveryLevel, mediaDuration: Duration) {
        self.key = key
        self.emit = emit
        self.frames = frames
        self.lostFrames = lostFrames
        self.skippedFrames = skippedFrames
        self.level = level
        self.mediaDuration = mediaDuration
    }
}

/// Puts units' outputs back in order: each stream's units are emitted strictly by sequence, each
/// exactly once; a unit that arrives before an earlier one is held until the gap fills.
///
/// It never holds more than the session lets be outstanding: the session pauses the input when
/// the units cut and not yet emitted reach its window, so a gap holds at most that many units.
public struct OrderedEmitter: Sendable {
    /// The next sequence to emit, per stream (absent: 0).
    private var next: [UInt8: UInt32] = [:]
    private var held: [UnitKey: EmittedUnit] = [:]

    public init() {}

    /// Units complete but waiting for an earlier unit of their stream.
    public var heldCount: Int { held.count }

    /// The next sequence `stream` will emit.
    public func nextSequence(of stream: UInt8) -> UInt32 { next[stream] ?? 0 }

    /// Whether `key` was already emitted or is held: a second output for it must be dropped.
    public func hasOutput(for key: UnitKey) -> Bool {
        key.sequence < nextSequence(of: key.stream) || held[key] != nil
    }

    /// Takes a unit's output; returns what can now be emitted, in order (maybe nothing, maybe
    /// this unit and the held ones it unblocks). An output for a unit that already has one is
    /// ignored (returns nothing).
    public mutating func accept(_ unit: EmittedUnit) -> [EmittedUnit] {
        guard !hasOutput(for: unit.key) else { return [] }
        held[unit.key] = unit
        var emitted: [EmittedUnit] = []
        var sequence = nextSequence(of: unit.key.stream)
        while let ready = held.removeValue(forKey: UnitKey(stream: unit.key.stream, sequence: sequence)) {
            emitted.append(ready)
            sequence += 1
        }
        next[unit.key.stream] = sequence
        return emitted
    }
}
