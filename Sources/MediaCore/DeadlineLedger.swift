/// How a stream is paced, and so whether its frames have deadlines.
public enum Pacing: Hashable, Sendable {
    /// Units enter at the media's own pace (a camera, a live feed). A frame is due at the
    /// stream's start + its presentation time from the stream's first frame + `latency`.
    case live(latency: Duration)
    /// As fast as the reservations allow: no frame has a deadline (every delivered frame counts
    /// as on time).
    case batch

    /// Live with the default latency, 2 s.
    public static let live = Pacing.live(latency: .seconds(2))

    /// The longest unit (in media time) whose frames can all be on time when one member of
    /// `share` streams decodes it; nil in batch. A live unit is whole only once its last packet
    /// has arrived, its media duration L after its first frame's time, and one member then
    /// decodes it in L × `costPerMediaSecond` / `share`: its first frame is ready
    /// L × (1 + cost / share) after it was due to start, which must stay within the latency
    /// less `margin` (transport, scheduling). Spreading units over more members does not
    /// shorten this: only shorter units (more keyframes) or larger shares do. With the default
    /// 2 s latency and a member at 0.4 of an HD stream (cost 1): 0.57 s.
    public func longestUnit(share: Double, costPerMediaSecond: Double = 1, margin: Duration = .zero) -> Duration? {
        guard case .live(let latency) = self, share > 0 else { return nil }
        let budget = max(0, (latency - margin).realSeconds)
        return .realSeconds(budget / (1 + costPerMediaSecond / share))
    }
}

/// Counts of frames, over a stream or a service. Every frame cut is, in the end, delivered
/// (on time or late), skipped by the delivery plan, or lost.
public struct FrameCounts: Hashable, Sendable, Codable {
    /// Frames the cut units hold (at full delivery).
    public var expected = 0
    public var delivered = 0
    /// Delivered no later than due (batch: every delivered frame).
    public var onTime = 0
    /// Delivered after they were due.
    public var late = 0
    /// Never delivered: their unit could not be decoded, or the stream was abandoned.
    public var lost = 0
    /// Left out by a lower delivery level (disposable frames), on purpose.
    public var skipped = 0
    /// The latest a frame was delivered after its due time, in milliseconds (0 if none late).
    public var maximumLatenessMilliseconds = 0.0

    public init() {}
}

/// A run of late frames in emission order, over every stream: from the due time of its first
/// late frame until the first frame emitted on time after it. After a member's death, the spell
/// that follows says how long the stream took to be on schedule again (`backOnTimeAt` minus the
/// time of the kill). Times in seconds from the stream's start.
public struct LateSpell: Hashable, Sendable, Codable {
    /// When the first late frame of the spell was due.
    public var firstLateDue: Double
    /// When the first on-time frame after it was emitted; nil while the spell lasts.
    public var backOnTimeAt: Double?
    /// Late frames in the spell.
    public var frames: Int

    public init(firstLateDue: Double, backOnTimeAt: Double?, frames: Int) {
        self.firstLateDue = firstLateDue
        self.backOnTimeAt = backOnTimeAt
        self.frames = frames
    }
}

/// The deadline accounting of a stream's output: when each frame is due, and whether each
/// emitted frame made it. A frame is *delivered* when it is emitted (in order, to the output),
/// not when its member answered: a frame held behind a gap is as late as the gap.
///
/// The stream's start is the instant the shell says the input began (`StreamEvent.inputStarted`,
/// else the first unit cut). Each stream's presentation times count from its first emitted
/// frame, so the first frame of every stream is due at start + latency.
public struct DeadlineLedger: Sendable {
    public let pacing: Pacing
    public private(set) var start: MediaInstant?
    /// Over every stream.
    public private(set) var frames = FrameCounts()
    /// Per stream.
    public private(set) var streams: [UInt8: FrameCounts] = [:]
    /// Frames emitted so far per stream (the index of the next one).
    public private(set) var emittedFrames: [UInt8: Int] = [:]
    /// Every change of delivery level, in the order emitted (the first unit of each stream
    /// records its level too, so the report says what every frame was delivered at).
    public private(set) var deliveryChanges: [DeliveryChange] = []
    /// The late spells, the first `maximumLateSpells` of them.
    public private(set) var lateSpells: [LateSpell] = []
    /// Late spells not kept beyond `maximumLateSpells`.
    public private(set) var lateSpellsNotKept = 0
    /// How many late spells are kept. 256: a stream that is late more often than that is
    /// described well enough by its counts.
    public static let maximumLateSpells = 256
    private enum OpenSpell: Sendable { case kept(Int), notKept }
    private var openSpell: OpenSpell?
    private var origins: [UInt8: Int64] = [:]
    private var levels: [UInt8: DeliveryLevel] = [:]

    public init(pacing: Pacing) {
        self.pacing = pacing
    }

    /// Sets the stream's start (only the first call counts).
    public mutating func markStart(at now: MediaInstant) {
        if start == nil { start = now }
    }

    /// A unit of `frameCount` frames was cut for `stream`.
    public mutating func expect(_ frameCount: Int, in stream: UInt8) {
        frames.expected += frameCount
        streams[stream, default: FrameCounts()].expected += frameCount
    }

    /// When a frame presented at `pts` in `stream` is due; nil in batch, or before the stream's
    /// start and first frame are known.
    public func due(pts: Int64, stream: UInt8, timeBase: TimeBase) -> MediaInstant? {
        guard case .live(let latency) = pacing, let start, let origin = origins[stream] else { return nil }
        return start + .nanoseconds(timeBase.nanoseconds(pts &- origin)) + latency
    }

    /// Records a unit's output as emitted at `now`: each frame on time or late, its lost and
    /// skipped frames, and a change of delivery level if it brings one.
    public mutating func record(_ unit: EmittedUnit, timeBase: TimeBase, at now: MediaInstant) {
        let stream = unit.key.stream
        var counts = streams[stream, default: FrameCounts()]
        if levels[stream] != unit.level, !unit.frames.isEmpty || levels[stream] == nil {
            let seconds = unit.mediaDuration.realSeconds
            deliveryChanges.append(DeliveryChange(
                stream: stream, fromUnit: unit.key.sequence, fromFrame: emittedFrames[stream] ?? 0,
                fromPTS: unit.emit.start, level: unit.level,
                framesPerSecond: seconds > 0 ? Double(unit.frames.count) / seconds : 0))
            levels[stream] = unit.level
        }
        if origins[stream] == nil, let first = unit.frames.first { origins[stream] = first.pts }
        for frame in unit.frames {
            counts.delivered += 1
            if let due = due(pts: frame.pts, stream: stream, timeBase: timeBase), now > due {
                counts.late += 1
                counts.maximumLatenessMilliseconds = max(counts.maximumLatenessMilliseconds, Double((now - due).wholeNanoseconds) / 1e6)
                noteLate(due: due)
            } else {
                counts.onTime += 1
                noteOnTime(at: now)
            }
        }
        counts.lost += unit.lostFrames
        counts.skipped += unit.skippedFrames
        emittedFrames[stream, default: 0] += unit.frames.count
        frames.delivered += counts.delivered - (streams[stream]?.delivered ?? 0)
        frames.onTime += counts.onTime - (streams[stream]?.onTime ?? 0)
        frames.late += counts.late - (streams[stream]?.late ?? 0)
        frames.lost += unit.lostFrames
        frames.skipped += unit.skippedFrames
        frames.maximumLatenessMilliseconds = max(frames.maximumLatenessMilliseconds, counts.maximumLatenessMilliseconds)
        streams[stream] = counts
    }

    private mutating func noteLate(due: MediaInstant) {
        switch openSpell {
        case .kept(let index): lateSpells[index].frames += 1
        case .notKept: break
        case nil:
            if lateSpells.count < Self.maximumLateSpells {
                lateSpells.append(LateSpell(firstLateDue: seconds(since: due), backOnTimeAt: nil, frames: 1))
                openSpell = .kept(lateSpells.count - 1)
            } else {
                lateSpellsNotKept += 1
                openSpell = .notKept
            }
        }
    }

    private mutating func noteOnTime(at now: MediaInstant) {
        if case .kept(let index) = openSpell { lateSpells[index].backOnTimeAt = seconds(since: now) }
        openSpell = nil
    }

    private func seconds(since instant: MediaInstant) -> Double {
        start.map { (instant - $0).realSeconds } ?? 0
    }
}
