import Foundation

/// A real input's video, as a member needs it to estimate what decoding it costs: its codec,
/// picture size and frame rate. Carried with queries and reservations for `node request --input`
/// (the level it calls for is ``level``), so each member prices the input itself rather than
/// the preset it falls in.
public struct InputDescription: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The video codecs a member can estimate (those its profile measured). Wire codes are part
    /// of the protocol: only append.
    public enum Codec: UInt8, Hashable, Sendable, Codable, CustomStringConvertible {
        case h264 = 1

        public var description: String {
            switch self {
            case .h264: "h264"
            }
        }
    }

    /// Largest width and height accepted, in pixels (8K is 7680).
    public static let maximumDimension = 16_384
    /// Frame rates accepted, in frames per second.
    public static let frameRates: ClosedRange<Double> = 0.1...1_000

    public var codec: Codec
    /// Picture size in pixels, 1 to `maximumDimension` each.
    public var width: Int
    public var height: Int
    /// Frames per second as a fraction (e.g. 30000/1001), within `frameRates`.
    public var frameRateNumerator: Int
    public var frameRateDenominator: Int

    /// Nil when a dimension or the frame rate is outside the accepted ranges.
    public init?(codec: Codec, width: Int, height: Int, frameRateNumerator: Int, frameRateDenominator: Int) {
        guard (1...Self.maximumDimension).contains(width), (1...Self.maximumDimension).contains(height),
            frameRateNumerator > 0, frameRateDenominator > 0, frameRateNumerator <= Int(UInt32.max),
            frameRateDenominator <= Int(UInt32.max),
            Self.frameRates.contains(Double(frameRateNumerator) / Double(frameRateDenominator))
        else { return nil }
        self.codec = codec
        self.width = width
        self.height = height
        self.frameRateNumerator = frameRateNumerator
        self.frameRateDenominator = frameRateDenominator
    }

    public var framesPerSecond: Double { Double(frameRateNumerator) / Double(frameRateDenominator) }
    /// Pixels per picture.
    public var pixelsPerFrame: Double { Double(width) * Double(height) }
    /// Pixels decoded per second of media: what a decoder's CPU time grows with.
    public var pixelRate: Double { pixelsPerFrame * framesPerSecond }

    /// The level the input calls for: the smallest whose frame holds as many pixels, FHD above.
    public var level: VideoLevel {
        VideoLevel.allCases.first { Double($0.frameSize.width * $0.frameSize.height) >= pixelsPerFrame } ?? .fhd
    }

    /// `h264 960x540 at 30 fps`.
    public var description: String {
        let rate = frameRateDenominator == 1 ? "\(frameRateNumerator)" : String(format: "%.3f", framesPerSecond)
        return "\(codec) \(width)x\(height) at \(rate) fps"
    }
}

/// What decoding an input is estimated to cost on one device, and from what.
public struct DemandEstimate: Hashable, Sendable {
    /// Which measurements the figures come from.
    public enum Basis: Hashable, Sendable, CustomStringConvertible {
        /// The input has a measured preset's pixel rate (CPU) or picture size (memory).
        case measured(VideoLevel)
        /// Linear between the two measured presets either side.
        case interpolated(VideoLevel, VideoLevel)
        /// Beyond the measured range: the larger of the nearest two presets' line and the
        /// nearest preset scaled in proportion.
        case extrapolated(from: VideoLevel)

        public var description: String {
            switch self {
            case .measured(let level): "measured at \(level.rawValue)"
            case .interpolated(let low, let high): "between \(low.rawValue) and \(high.rawValue)"
            case .extrapolated(let level): "extrapolated from \(level.rawValue)"
            }
        }
    }

    /// CPU seconds per second of media for one decoder thread (the profile's single-thread runs,
    /// as members decode units): also the cores one whole stream keeps busy.
    public var cpuSecondsPerMediaSecond: Double
    /// Memory one decoder adds, in bytes.
    public var memoryBytes: UInt64
    public var cpuBasis: Basis
    public var memoryBasis: Basis

    public init(cpuSecondsPerMediaSecond: Double, memoryBytes: UInt64, cpuBasis: Basis, memoryBasis: Basis) {
        self.cpuSecondsPerMediaSecond = cpuSecondsPerMediaSecond
        self.memoryBytes = memoryBytes
        self.cpuBasis = cpuBasis
        self.memoryBasis = memoryBasis
    }

    /// As a demand of one whole stream.
    public var demand: Demand { Demand(cpuCores: cpuSecondsPerMediaSecond, memoryBytes: memoryBytes) }
}

/// Estimating an input's demand from a device's profile.
///
/// The profile measures three video presets (SD 640x480@24, HD 1280x720@24, FHD 1920x1080@30,
/// all H.264). A decoder's CPU time grows with the pixels it reconstructs per second, so the
/// CPU estimate is a function of the pixel rate (width x height x fps); its memory is frame
/// buffers, so memory is a function of the pixels per frame. Each is a piecewise-linear curve
/// through the measured presets, sorted by that quantity:
///
/// - at a preset's value, the measurement itself;
/// - between two presets, linear between them;
/// - outside the measured range (below SD, above FHD), the **larger** of the line through the
///   nearest two presets and the nearest preset scaled in proportion (through the origin):
///   never negative, never below proportional scaling, and rising at least as steeply as the
///   measured curve, so an estimate off the table errs towards reserving more.
///
/// With one preset measured, proportional scaling alone; with none (or a codec the profile did
/// not measure), no estimate. Bit rate is not used: the presets' bit rates are fixed
/// (1.5, 3 and 6 Mbit/s), and at these rates the entropy decoder is a small part of the cost.
extension CapabilityProfile {
    /// The estimated cost of decoding `input` on this device; nil when the profile measured no
    /// video preset or not the input's codec.
    public func estimateDemand(for input: InputDescription) -> DemandEstimate? {
        guard input.codec == .h264 else { return nil }
        let measured: [(level: VideoLevel, run: PresetMeasurement)] = VideoLevel.allCases.compactMap { level in
            measurement(of: .video(level)).map { (level, $0) }
        }
        guard !measured.isEmpty else { return nil }
        let cpu = DemandCurve(points: measured.map {
            .init(level: $0.level, x: Self.pixelRate(of: $0.level), y: $0.run.singleThread.cpuSecondsPerMediaSecond)
        })
        let memory = DemandCurve(points: measured.map {
            .init(level: $0.level, x: Self.pixelsPerFrame(of: $0.level), y: Double($0.run.memoryHighWaterBytes))
        })
        let (cpuValue, cpuBasis) = cpu.value(at: input.pixelRate)
        let (memoryValue, memoryBasis) = memory.value(at: input.pixelsPerFrame)
        return DemandEstimate(
            cpuSecondsPerMediaSecond: cpuValue, memoryBytes: UInt64(memoryValue.rounded(.up)), cpuBasis: cpuBasis,
            memoryBasis: memoryBasis)
    }

    /// The demand of one stream of `level` when its video is `input`: the video estimated for
    /// the input (``estimateDemand(for:)``), any audio as its preset measured. Nil when a part
    /// cannot be priced; without an input, ``demand(of:)``.
    public func demand(of level: QoSLevel, input: InputDescription?) -> Demand? {
        guard let input, level.video != nil else { return demand(of: level) }
        guard let video = estimateDemand(for: input) else { return nil }
        guard let audio = level.audio else { return video.demand }
        guard let measured = measurement(of: .audio(audio)) else { return nil }
        return video.demand
            + Demand(cpuCores: measured.singleThread.cpuSecondsPerMediaSecond, memoryBytes: measured.memoryHighWaterBytes)
    }

    static func pixelRate(of level: VideoLevel) -> Double { pixelsPerFrame(of: level) * Double(level.framesPerSecond) }
    static func pixelsPerFrame(of level: VideoLevel) -> Double { Double(level.frameSize.width * level.frameSize.height) }
}

/// A piecewise-linear curve through measured points, extended as `estimateDemand` documents.
struct DemandCurve {
    struct Point {
        var level: VideoLevel
        var x: Double
        var y: Double
    }

    let points: [Point]

    /// `points` must not be empty; they are sorted by `x`.
    init(points: [Point]) {
        precondition(!points.isEmpty, "a curve needs a point")
        self.points = points.sorted { $0.x < $1.x }
    }

    func value(at x: Double) -> (Double, DemandEstimate.Basis) {
        if let exact = points.first(where: { $0.x == x }) { return (exact.y, .measured(exact.level)) }
        if let upper = points.firstIndex(where: { $0.x > x }), upper > 0 {
            let low = points[upper - 1], high = points[upper]
            let t = (x - low.x) / (high.x - low.x)
            return (low.y + t * (high.y - low.y), .interpolated(low.level, high.level))
        }
        // Outside: below the first point or above the last.
        let below = x < points[0].x
        let nearest = below ? points[0] : points[points.count - 1]
        let proportional = nearest.y * x / nearest.x
        guard points.count > 1 else { return (proportional, .extrapolated(from: nearest.level)) }
        let (a, b) = below ? (points[0], points[1]) : (points[points.count - 2], points[points.count - 1])
        let line = a.y + (x - a.x) * (b.y - a.y) / (b.x - a.x)
        return (max(line, proportional, 0), .extrapolated(from: nearest.level))
    }
}
