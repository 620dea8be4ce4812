/// The high-level video levels of the paper's Table 1, with the frame rates of its profiling
/// scenarios (section 3.2). Ordered from lowest to highest.
public enum VideoLevel: String, CaseIterable, Sendable, Codable, Comparable {
    /// 640x480 at 24 fps.
    case sd = "SD"
    /// 1280x720 at 24 fps.
    case hd = "HD"
    /// 1920x1080 at 30 fps.
    case fhd = "FHD"

    public var frameSize: FrameSize {
        switch self {
        case .sd: .p480
        case .hd: .p720
        case .fhd: .p1080
        }
    }

    /// Frames per second.
    public var framesPerSecond: Int {
        switch self {
        case .sd, .hd: 24
        case .fhd: 30
        }
    }

    /// The QoS point this level stands for (8-bit 4:2:0 video, 24-bit color).
    public var point: QoSPoint {
        [
            QoSAttributeID.frameSize: .frameSize(frameSize),
            QoSAttributeID.frameRate: .integer(framesPerSecond),
            QoSAttributeID.colorDepth: .integer(24),
        ]
    }

    /// Parses `SD`, `HD` or `FHD`, case-insensitively.
    public init(parsing text: String) throws(PresetParseError) {
        guard let level = Self.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() })
        else { throw PresetParseError(kind: "video", given: text, valid: Self.allCases.map(\.rawValue)) }
        self = level
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The high-level audio levels of the paper's Table 2. Ordered from lowest to highest.
public enum AudioLevel: String, CaseIterable, Sendable, Codable, Comparable {
    /// 128 kbit/s at 32 kHz.
    case low
    /// 192 kbit/s at 44.1 kHz.
    case medium
    /// 320 kbit/s at 48 kHz.
    case high

    /// Bit rate in kbit/s.
    public var bitRateKbps: Int {
        switch self {
        case .low: 128
        case .medium: 192
        case .high: 320
        }
    }

    /// Sampling rate in Hz.
    public var sampleRateHz: Int {
        switch self {
        case .low: 32_000
        case .medium: 44_100
        case .high: 48_000
        }
    }

    /// The QoS point this level stands for (16-bit samples).
    public var point: QoSPoint {
        [
            QoSAttributeID.bitRate: .integer(bitRateKbps),
            QoSAttributeID.samplingRate: .real(Double(sampleRateHz) / 1000),
            QoSAttributeID.sampleBits: .integer(16),
        ]
    }

    /// Parses `low`, `medium` or `high`, case-insensitively.
    public init(parsing text: String) throws(PresetParseError) {
        guard let level = Self.allCases.first(where: { $0.rawValue == text.lowercased() }) else {
            throw PresetParseError(kind: "audio", given: text, valid: Self.allCases.map(\.rawValue))
        }
        self = level
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A level name that is not one of the valid ones.
public struct PresetParseError: Error, Equatable, CustomStringConvertible {
    public var kind: String
    public var given: String
    public var valid: [String]

    public var description: String {
        "'\(given)' is not a \(kind) level; valid \(kind) levels are \(valid.joined(separator: ", "))"
    }
}

/// One media preset a device is profiled for: a video level or an audio level.
/// Encoded as `video.SD`, `video.HD`, `video.FHD`, `audio.low`, `audio.medium`, `audio.high`.
public enum MediaPreset: Hashable, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case video(VideoLevel)
    case audio(AudioLevel)

    public static let allCases: [MediaPreset] =
        VideoLevel.allCases.map(MediaPreset.video) + AudioLevel.allCases.map(MediaPreset.audio)

    /// `video.HD`, `audio.high`, ...
    public var id: String {
        switch self {
        case .video(let level): "video.\(level.rawValue)"
        case .audio(let level): "audio.\(level.rawValue)"
        }
    }

    public var description: String { id }

    public init?(id: String) {
        guard let preset = Self.allCases.first(where: { $0.id == id }) else { return nil }
        self = preset
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let preset = MediaPreset(id: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription:
                    "unknown preset '\(text)'; valid presets are \(Self.allCases.map(\.id).joined(separator: ", "))"
            )
        }
        self = preset
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(id)
    }
}
