/// How much of a video stream is delivered: the one degrade a running stream can take without a
/// second rendition of its input. It lowers the QoS model's frame-rate attribute
/// (`video.frameRate`) and nothing else: frame size and colour depth stay.
public enum DeliveryLevel: String, Hashable, Sendable, Codable, CaseIterable {
    /// Every frame.
    case full
    /// Only the frames other frames reference: disposable (non-reference) frames are not
    /// decoded. With the usual B-frame pyramids of x264 this keeps 1/2 to 1/3 of the frames at
    /// 1/2 to 2/3 of the decoding work; the delivered frame rate is recorded per unit (see
    /// `DeliveryChange`), never guessed.
    case referenceFramesOnly
}

/// What a member is told with a unit: which frames to decode and return. Audio units ignore it
/// (every audio frame is needed).
public struct DeliveryPlan: Hashable, Sendable, Codable {
    public var level: DeliveryLevel

    public init(level: DeliveryLevel = .full) { self.level = level }

    public static let full = DeliveryPlan(level: .full)

    /// One byte on the wire and on worker pipes: 0 every frame, 1 reference frames only.
    public var wireCode: UInt8 {
        switch level {
        case .full: 0
        case .referenceFramesOnly: 1
        }
    }

    /// The plan of a wire code; nil for a code this version does not know.
    public init?(wireCode: UInt8) {
        switch wireCode {
        case 0: self.init(level: .full)
        case 1: self.init(level: .referenceFramesOnly)
        default: return nil
        }
    }

    /// The member decodes with FFmpeg's `skip_frame = AVDISCARD_NONREF` (or does not feed the
    /// packets marked disposable), and returns only the other frames.
    public var skipsDisposableFrames: Bool { level == .referenceFramesOnly }
}

/// A change of delivery in a stream's output, as it was emitted: from frame `fromFrame` (its
/// index among the stream's emitted frames, from 0) and unit `fromUnit` on, the stream is
/// delivered at `level`, about `framesPerSecond` frames per media second.
public struct DeliveryChange: Hashable, Sendable, Codable {
    public var stream: UInt8
    public var fromUnit: UInt32
    public var fromFrame: Int
    /// The presentation time where it starts (the unit's emit start), in the stream's time base.
    public var fromPTS: Int64
    public var level: DeliveryLevel
    /// Frames delivered per media second in that first unit (the QoS model's `video.frameRate`
    /// as delivered); 0 when the unit has no duration.
    public var framesPerSecond: Double

    public init(stream: UInt8, fromUnit: UInt32, fromFrame: Int, fromPTS: Int64, level: DeliveryLevel, framesPerSecond: Double) {
        self.stream = stream
        self.fromUnit = fromUnit
        self.fromFrame = fromFrame
        self.fromPTS = fromPTS
        self.level = level
        self.framesPerSecond = framesPerSecond
    }
}
