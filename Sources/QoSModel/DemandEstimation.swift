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
    /// Calibrations accepted: a stream 20 times cheaper or dearer than the presets predict is
    /// beyond what content and encoder settings explain.
    public static let calibrations: ClosedRange<Double> = 0.05...20

    public var codec: Codec
    /// Picture size in pixels, 1 to `maximumDimension` each.
    public var width: Int
    public var height: Int
    /// Frames per second as a fraction (e.g. 30000/1001), within `frameRates`.
    public var frameRateNumerator: Int
    public var frameRateDenominator: Int
    /// What decoding this very stream costs against what the profiles' presets predict for its
    /// size and rate, as the requester measured it on the units members decoded (e.g. 0.55:
    /// the content decodes in 55% of the CPU the presets predict). A member multiplies its
    /// estimate's decode part (video and audio) by it; the frame hash, priced by the bytes of
    /// pictures, is not scaled. Nil (the default): not measured yet, the profile's estimate
    /// stands. Within ``calibrations``; set it with ``calibrated(by:)``.
    public private(set) var calibration: Double?

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

    /// The same input with its decode cost measured: `calibration` clamped into
    /// ``calibrations``; nil (or not finite) takes the calibration away.
    public func calibrated(by calibration: Double?) -> InputDescription {
        var copy = self
        copy.calibration = calibration.flatMap { $0.isFinite ? min(max($0, Self.calibrations.lowerBound), Self.calibrations.upperBound) : nil }
        return copy
    }

    public var framesPerSecond: Double { Double(frameRateNumerator) / Double(frameRateDenominator) }
    /// Pixels per picture.
    public var pixelsPerFrame: Double { Double(width) * Double(height) }
    /// Pixels decoded per second of media: what a decoder's CPU time grows with.
    public var pixelRate: Double { pixelsPerFrame * framesPerSecond }

    /// Bytes of one decoded pixel as a member hashes it: 1.5, H.264's 8-bit 4:2:0 (`yuv420p`),
    /// the format the profiles' clips and the stream benchmark's clip decode to. The description
    /// does not carry the input's pixel format yet; a 4:2:2 or 10-bit input hashes more bytes
    /// (2, 3) than this prices.
    public static let decodedBytesPerPixel = 1.5
    /// Bytes of decoded pictures per second of media, the bytes a member hashes for `frames.md5`.
    public var pictureBytesPerMediaSecond: Double { pixelRate * Self.decodedBytesPerPixel }

    /// The level the input calls for: the smallest whose frame holds as many pixels, FHD above.
    public var level: VideoLevel {
        VideoLevel.allCases.first { Double($0.frameSize.width * $0.frameSize.height) >= pixelsPerFrame } ?? .fhd
    }

    /// `h264 960x540 at 30 fps`, and `, decoding at 0.55x the presets' cost` when calibrated.
    public var description: String {
        let rate = frameRateDenominator == 1 ? "\(frameRateNumerator)" : String(format: "%.3f", framesPerSecond)
        let measured = calibration.map { String(format: ", decoding at %.2fx the presets' cost", $0) } ?? ""
        return "\(codec) \(width)x\(height) at \(rate) fps" + measured
    }
}

/// What decoding an input is estimated to cost on one device, and from what: a member's decode
/// worker decodes every picture and hashes it for `frames.md5`, so its CPU estimate is the two
/// added, each from its own measurement in the profile.
public struct DemandEstimate: Hashable, Sendable, CustomStringConvertible {
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

    /// What hashing every decoded picture (as `frames.md5` needs) costs.
    public enum HashCost: Hashable, Sendable, CustomStringConvertible {
        /// `pictureBytesPerMediaSecond / bytesPerCPUSecond` CPU seconds per media second, from
        /// the profile's measured frame-hash rate (``FrameHashMeasurement``).
        case measured(pictureBytesPerMediaSecond: Double, bytesPerCPUSecond: Double)
        /// The profile has no frame-hash rate (measured before `node profile` measured it): the
        /// hash is not priced, and the estimate says so.
        case notMeasured(pictureBytesPerMediaSecond: Double)

        /// CPU seconds per media second; nil when not measured.
        public var cpuSecondsPerMediaSecond: Double? {
            switch self {
            case .measured(let bytes, let rate): bytes / rate
            case .notMeasured: nil
            }
        }

        public var description: String {
            switch self {
            case .measured(let bytes, let rate):
                String(
                    format: "hash %.4f (%.1f MB/s of pictures at %.1f MB per CPU s)", bytes / rate, bytes / 1e6, rate / 1e6)
            case .notMeasured(let bytes):
                String(format: "hash not priced (%.1f MB/s of pictures; the profile has no frameHash rate)", bytes / 1e6)
            }
        }
    }

    /// CPU seconds per second of media that decoding takes with one decoder thread (the
    /// profile's single-thread runs, as members decode units).
    public var decodeCPUSecondsPerMediaSecond: Double
    /// What hashing the decoded pictures takes.
    public var hash: HashCost
    /// Memory one decoder adds, in bytes.
    public var memoryBytes: UInt64
    /// What the decode figure comes from.
    public var cpuBasis: Basis
    public var memoryBasis: Basis

    public init(
        decodeCPUSecondsPerMediaSecond: Double, hash: HashCost, memoryBytes: UInt64, cpuBasis: Basis, memoryBasis: Basis
    ) {
        self.decodeCPUSecondsPerMediaSecond = decodeCPUSecondsPerMediaSecond
        self.hash = hash
        self.memoryBytes = memoryBytes
        self.cpuBasis = cpuBasis
        self.memoryBasis = memoryBasis
    }

    /// CPU seconds per second of media for one worker thread, decode plus hash (the hash counts
    /// 0 when not measured): also the cores one whole stream keeps busy.
    public var cpuSecondsPerMediaSecond: Double { decodeCPUSecondsPerMediaSecond + (hash.cpuSecondsPerMediaSecond ?? 0) }

    /// As a demand of one whole stream.
    public var demand: Demand { Demand(cpuCores: cpuSecondsPerMediaSecond, memoryBytes: memoryBytes) }

    /// `decode 0.1048 (measured at HD) + hash 0.0660 (33.2 MB/s of pictures at 502.7 MB per CPU s)`.
    public var description: String {
        String(format: "decode %.4f (%@) + ", decodeCPUSecondsPerMediaSecond, cpuBasis.description) + hash.description
    }
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
/// not measure), no estimate.
///
/// The hash a member computes for every decoded picture is priced apart, from the profile's
/// frame-hash rate (``FrameHashMeasurement/bytesPerCPUSecond``): the input's picture bytes per
/// second of media (width x height x ``InputDescription/decodedBytesPerPixel`` x fps) divided by
/// that rate. A profile without the rate prices no hash and the estimate says so
/// (``DemandEstimate/HashCost/notMeasured(pictureBytesPerMediaSecond:)``); no constant stands in.
///
/// Bit rate is not used. The presets' bit rates grow with their pixel rates (1.5, 3 and
/// 6 Mbit/s: 0.20, 0.14 and 0.10 bits per pixel) and vary together, so a model with a cost per
/// bit beside the cost per pixel (and a fixed cost) would be fitted through all three points with
/// none left to test it; an input does not carry its bit rate to members either. What the
/// decode figure misses is content and encoder settings, which neither rate captures: the stream
/// benchmark's clip (testsrc2 720p24 at 3 Mbit/s, x264's default preset with B-frames) has the
/// HD preset's pixel rate *and* bit rate, yet `ffmpeg -threads 1` decodes it in about half the
/// HD preset's CPU time.
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
        let pictureBytes = input.pictureBytesPerMediaSecond
        let hash: DemandEstimate.HashCost =
            if let rate = frameHash?.bytesPerCPUSecond, rate > 0 {
                .measured(pictureBytesPerMediaSecond: pictureBytes, bytesPerCPUSecond: rate)
            } else {
                .notMeasured(pictureBytesPerMediaSecond: pictureBytes)
            }
        return DemandEstimate(
            decodeCPUSecondsPerMediaSecond: cpuValue, hash: hash, memoryBytes: UInt64(memoryValue.rounded(.up)),
            cpuBasis: cpuBasis, memoryBasis: memoryBasis)
    }

    /// The demand of one stream of `level` when its video is `input`: the video estimated for
    /// the input (``estimateDemand(for:)``), any audio as its preset measured. Nil when a part
    /// cannot be priced; without an input, ``demand(of:)``.
    public func demand(of level: QoSLevel, input: InputDescription?) -> Demand? {
        guard let input, level.video != nil else { return demand(of: level) }
        return streamEstimate(of: level, input: input)?.demand
    }

    /// One whole stream of `level` whose video is `input`, in parts: the video's estimate and any
    /// audio as its preset measured, with the input's calibration (when measured) on the decode
    /// parts. Nil when the level has no video or a part cannot be priced.
    public func streamEstimate(of level: QoSLevel, input: InputDescription) -> StreamDemandEstimate? {
        guard level.video != nil, let video = estimateDemand(for: input) else { return nil }
        guard let audio = level.audio else { return StreamDemandEstimate(video: video, audio: nil, calibration: input.calibration) }
        guard let measured = measurement(of: .audio(audio)) else { return nil }
        return StreamDemandEstimate(
            video: video,
            audio: .init(
                preset: audio, cpuSecondsPerMediaSecond: measured.singleThread.cpuSecondsPerMediaSecond,
                memoryBytes: measured.memoryHighWaterBytes),
            calibration: input.calibration)
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

/// One whole stream's estimated cost on a device: its video (decode and hash, ``DemandEstimate``)
/// and its audio, if any, as the audio preset measured.
public struct StreamDemandEstimate: Hashable, Sendable, CustomStringConvertible {
    public struct Audio: Hashable, Sendable {
        public var preset: AudioLevel
        /// CPU seconds per media second of the preset's single-thread decode.
        public var cpuSecondsPerMediaSecond: Double
        public var memoryBytes: UInt64
    }

    public var video: DemandEstimate
    public var audio: Audio?
    /// The stream's measured decode cost against the presets' (``InputDescription/calibration``):
    /// the decode parts, video and audio, are multiplied by it. Nil: the profile's figures stand.
    public var calibration: Double?

    public init(video: DemandEstimate, audio: Audio?, calibration: Double? = nil) {
        self.video = video
        self.audio = audio
        self.calibration = calibration
    }

    /// The whole stream's demand: (video decode + audio) x calibration, + hash.
    public var demand: Demand {
        Demand(
            cpuCores: decodeCPUSecondsPerMediaSecond + (hashCPUSecondsPerMediaSecond ?? 0),
            memoryBytes: video.memoryBytes + (audio?.memoryBytes ?? 0))
    }

    /// CPU seconds per media second of decoding as the profile's presets predict it, video and
    /// audio, before any calibration.
    public var presetDecodeCPUSecondsPerMediaSecond: Double {
        video.decodeCPUSecondsPerMediaSecond + (audio?.cpuSecondsPerMediaSecond ?? 0)
    }

    /// CPU seconds per media second of decoding, video and audio, calibrated when measured.
    public var decodeCPUSecondsPerMediaSecond: Double { presetDecodeCPUSecondsPerMediaSecond * (calibration ?? 1) }

    /// CPU seconds per media second of hashing the decoded pictures; nil when the profile has no
    /// frame-hash rate.
    public var hashCPUSecondsPerMediaSecond: Double? { video.hash.cpuSecondsPerMediaSecond }

    /// What the figures are made of, e.g. `decode 0.1048 (measured at HD) + hash 0.0660 (...)`,
    /// with `; audio high 0.0030` when the stream has audio, and `; decode x0.55 as measured on
    /// the stream` when calibrated.
    public var description: String {
        video.description
            + (audio.map { String(format: "; audio %@ decode %.4f (measured)", $0.preset.rawValue, $0.cpuSecondsPerMediaSecond) } ?? "")
            + (calibration.map { String(format: "; decode x%.3f as measured on the stream", $0) } ?? "")
    }
}
