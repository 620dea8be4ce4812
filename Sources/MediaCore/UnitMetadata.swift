/// Names one unit of a stream: its stream and its place in that stream. Ordered by stream, then
/// sequence.
public struct UnitKey: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Which stream of the input (`MediaUnit.stream`).
    public var stream: UInt8
    /// The unit's place in its stream (`MediaUnit.sequence`), from 0, without gaps.
    public var sequence: UInt32

    public init(stream: UInt8, sequence: UInt32) {
        self.stream = stream
        self.sequence = sequence
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.stream, lhs.sequence) < (rhs.stream, rhs.sequence)
    }

    /// `s0#12`.
    public var description: String { "s\(stream)#\(sequence)" }
}

/// What the requester's state machines know of a unit: everything but its bytes. The shell keeps
/// the encoded unit by its key until the session says `.forget`.
public struct UnitMetadata: Hashable, Sendable {
    public var key: UnitKey
    public var kind: StreamKind
    /// The stream's time base (the unit of `emit` and of every frame's `pts`).
    public var timeBase: TimeBase
    /// The presentation times whose frames the unit emits.
    public var emit: PresentationRange
    /// The media time the unit covers (its emitted frames' durations), in nanoseconds.
    public var mediaDuration: Duration
    /// Frames the unit emits when decoded in full.
    public var frameCount: Int
    /// Of those, the frames nothing references (`MediaPacket.isDisposable`): what a
    /// `.referenceFramesOnly` delivery skips.
    public var disposableFrameCount: Int
    /// The work the unit asks for, in stream-seconds: the media seconds of this unit times its
    /// stream's fraction of the service's demand (a member reserved `share` streams decodes
    /// `share` stream-seconds per wall second). The shell sets the fraction from the profile
    /// (HD video with high audio: video about 0.95, audio about 0.05); default 1, the unit's
    /// media seconds.
    public var cost: Double

    public init(
        key: UnitKey, kind: StreamKind, timeBase: TimeBase, emit: PresentationRange, mediaDuration: Duration,
        frameCount: Int, disposableFrameCount: Int = 0, cost: Double? = nil
    ) {
        precondition(frameCount >= 0 && disposableFrameCount >= 0 && disposableFrameCount <= frameCount)
        self.key = key
        self.kind = kind
        self.timeBase = timeBase
        self.emit = emit
        self.mediaDuration = mediaDuration
        self.frameCount = frameCount
        self.disposableFrameCount = disposableFrameCount
        self.cost = cost ?? mediaDuration.realSeconds
        precondition(self.cost >= 0 && self.cost.isFinite)
    }

    /// The metadata of a cut unit: its frames are its packets presented in `emit` (every packet
    /// of H.264, AAC and MP3 presents exactly one frame, except an audio packet its trims empty
    /// entirely), its media duration the sum of their durations. `costPerMediaSecond` is the stream's fraction of the demand (see `cost`).
    public init(describing unit: MediaUnit, costPerMediaSecond: Double = 1) {
        let parameters = unit.parameters
        /// An audio packet whose trims cover all its samples (an encoder's priming packet)
        /// presents no frame: the decoder drops its whole output.
        func presentsNothing(_ packet: MediaPacket) -> Bool {
            guard parameters.codec.kind == .audio, packet.trimStart > 0 || packet.trimEnd > 0, parameters.sampleRate > 0 else { return false }
            let samples = Double(packet.duration) * Double(parameters.timeBase.numerator) * Double(parameters.sampleRate)
                / Double(parameters.timeBase.denominator)
            return Double(packet.trimStart) + Double(packet.trimEnd) >= samples.rounded()
        }
        let emitted = unit.packets.filter { packet in (packet.pts.map(unit.emit.contains) ?? false) && !presentsNothing(packet) }
        let ticks = emitted.reduce(Int64(0)) { $0 &+ $1.duration }
        let duration = Duration.nanoseconds(unit.parameters.timeBase.nanoseconds(ticks))
        self.init(
            key: UnitKey(stream: unit.stream, sequence: unit.sequence), kind: unit.parameters.codec.kind,
            timeBase: unit.parameters.timeBase, emit: unit.emit, mediaDuration: duration,
            frameCount: emitted.count, disposableFrameCount: emitted.filter(\.isDisposable).count,
            cost: duration.realSeconds * costPerMediaSecond)
    }

    /// Frames a member returns for this unit under `plan`.
    public func expectedFrames(under plan: DeliveryPlan) -> Int {
        plan.skipsDisposableFrames && kind == .video ? frameCount - disposableFrameCount : frameCount
    }
}
