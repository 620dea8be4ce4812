/// A service's quality: a video level, an audio level, or both. Read as a minimum when
/// requested, and as what is delivered when offered.
public struct QoSLevel: Hashable, Sendable, Codable, CustomStringConvertible {
    public var video: VideoLevel?
    public var audio: AudioLevel?

    public init(video: VideoLevel? = nil, audio: AudioLevel? = nil) {
        precondition(video != nil || audio != nil, "a QoS level needs video, audio or both")
        self.video = video
        self.audio = audio
    }

    /// The presets a node must decode to deliver this level.
    public var presets: [MediaPreset] {
        (video.map { [MediaPreset.video($0)] } ?? []) + (audio.map { [MediaPreset.audio($0)] } ?? [])
    }

    /// The level as a point of the standard QoS space.
    public var point: QoSPoint {
        var point: QoSPoint = [:]
        if let video { point.merge(video.point) { $1 } }
        if let audio { point.merge(audio.point) { $1 } }
        return point
    }

    /// True when this level is at least `other` in every dimension `other` names
    /// (FHD+high meets HD+medium; HD+high does not meet FHD+low).
    public func meets(_ other: QoSLevel, in space: QoSSpace = .standard) -> Bool {
        space.meets(point, other.point)
    }

    /// `HD+high`, `SD`, `audio high`.
    public var description: String {
        switch (video, audio) {
        case (let video?, let audio?): "\(video.rawValue)+\(audio.rawValue)"
        case (let video?, nil): video.rawValue
        case (nil, let audio?): "audio \(audio.rawValue)"
        case (nil, nil): "nothing"
        }
    }
}

/// What a user asks the coalition for: `streams` streams at the first level of `ladder`, or,
/// only if the user allowed it, at the later (lower) levels of the ladder, in order.
public struct ServiceRequest: Hashable, Sendable, Codable {
    /// The acceptable levels, best first. The first is the requested level; a ladder of one
    /// level means no degradation is allowed.
    public private(set) var ladder: [QoSLevel]
    /// How many concurrent streams of that level the service decodes. Default 1.
    public private(set) var streams: Int

    public var preferred: QoSLevel { ladder[0] }

    /// - Throws: when the ladder is empty, when a later level is not below the one before it
    ///   (a ladder only degrades), or when `streams` is not in 1...64.
    public init(ladder: [QoSLevel], streams: Int = 1) throws(ServiceRequestError) {
        guard let first = ladder.first else { throw .emptyLadder }
        guard (1...64).contains(streams) else { throw .streamCount(streams) }
        for (higher, lower) in zip(ladder, ladder.dropFirst()) {
            guard higher.meets(lower), higher != lower else {
                throw .ladderNotDescending(higher: higher, lower: lower)
            }
        }
        _ = first
        self.ladder = ladder
        self.streams = streams
    }

    /// A request for one level with no degradation allowed.
    public init(_ level: QoSLevel, streams: Int = 1) throws(ServiceRequestError) {
        try self.init(ladder: [level], streams: streams)
    }

    /// The video ladder given on the command line (`--video FHD --accept FHD,HD`), with the
    /// same audio level on each step. The requested level comes first even when `--accept`
    /// does not repeat it.
    public static func parse(
        video: String?, audio: String?, accept: [String] = [], streams: Int = 1
    ) throws -> ServiceRequest {
        let audioLevel = try audio.map { text throws(PresetParseError) in try AudioLevel(parsing: text) }
        guard let video else {
            guard let audioLevel else { throw ServiceRequestError.emptyLadder }
            return try ServiceRequest(QoSLevel(audio: audioLevel), streams: streams)
        }
        let requested = try VideoLevel(parsing: video)
        var levels = [requested]
        for text in accept {
            let level = try VideoLevel(parsing: text)
            if !levels.contains(level) { levels.append(level) }
        }
        return try ServiceRequest(
            ladder: levels.map { QoSLevel(video: $0, audio: audioLevel) }, streams: streams)
    }
}

public enum ServiceRequestError: Error, Equatable, CustomStringConvertible {
    case emptyLadder
    case streamCount(Int)
    case ladderNotDescending(higher: QoSLevel, lower: QoSLevel)

    public var description: String {
        switch self {
        case .emptyLadder: "a request needs a video level, an audio level or both"
        case .streamCount(let count): "--streams must be between 1 and 64, got \(count)"
        case .ladderNotDescending(let higher, let lower):
            "the accepted levels must go down in quality: \(lower) follows \(higher) but is not below it"
        }
    }
}
