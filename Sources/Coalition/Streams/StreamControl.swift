import Foundation
import MediaCore
import QoSModel

/// `stream` (``StreamParameters``) -> ``StreamUpdate``s: `started` once the sub-cluster is
/// formed, then `unit` for every unit in order (its frames.md5 lines), `problem`s as they
/// happen, and `finished` with the report. The daemon demuxes the input in a worker of its
/// own, so the input must be readable by the daemon (`node request` relays `-` through a FIFO).
public enum StreamCall: ControlCall {
    public typealias Parameters = StreamParameters
    public typealias Result = StreamUpdate
    public static let operation = ControlOperation.stream
}

/// The fields of `stream`.
public struct StreamParameters: Codable, Sendable, Equatable {
    /// An absolute path the daemon can read (a file, or a FIFO carrying MPEG-TS), or `testsrc`.
    public var input: String
    /// The levels accepted, best first; nil takes the level the input itself calls for, with no
    /// step down.
    public var request: ServiceRequest?
    /// Process as fast as the reservations allow instead of at the media's own pace. Default false.
    public var batch: Bool
    /// Live: how long after its presentation time a frame is due, in milliseconds. Default 2000.
    public var latencyMillis: Int
    /// About how long each unit is, in seconds of media (cut at keyframes). Default 1.
    public var unitSeconds: Double
    /// With `testsrc`: the level synthesized and the length in seconds. Defaults HD, 60 s.
    public var testsrcVideo: VideoLevel?
    public var testsrcSeconds: Double?
    /// A thumbnail of the video every this many seconds, for a contact sheet (0.1 to 3600); nil:
    /// none.
    public var thumbnailSeconds: Double?

    public init(
        input: String, request: ServiceRequest? = nil, batch: Bool = false, latencyMillis: Int = 2000, unitSeconds: Double = 1,
        testsrcVideo: VideoLevel? = nil, testsrcSeconds: Double? = nil, thumbnailSeconds: Double? = nil
    ) {
        self.thumbnailSeconds = thumbnailSeconds
        self.input = input
        self.request = request
        self.batch = batch
        self.latencyMillis = latencyMillis
        self.unitSeconds = unitSeconds
        self.testsrcVideo = testsrcVideo
        self.testsrcSeconds = testsrcSeconds
    }
}

/// One answer line of `stream`. `kind` says which of the other fields is set.
public struct StreamUpdate: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case started, unit, problem, finished
        /// Thumbnails members made (`thumbnailSeconds`), in any order, possibly twice.
        /// The input could not be read on (damaged at a position): `problem` says where. What
        /// was cut before is still delivered; the stream then finishes.
        case inputFailed = "input-failed"
        case thumbnails
    }

    public var kind: Kind
    public var started: StreamStarted?
    public var unit: StreamUnitOutput?
    /// A sentence for people (a member lost, a unit failed, the input damaged at a position).
    public var problem: String?
    public var report: StreamReport?
    public var thumbnails: [StreamThumbnail]?

    public static func started(_ value: StreamStarted) -> Self { Self(kind: .started, started: value) }
    public static func unit(_ value: StreamUnitOutput) -> Self { Self(kind: .unit, unit: value) }
    public static func problem(_ text: String) -> Self { Self(kind: .problem, problem: text) }
    public static func finished(_ report: StreamReport) -> Self { Self(kind: .finished, report: report) }
}

/// A thumbnail of the video for the contact sheet.
public struct StreamThumbnail: Codable, Sendable, Equatable {
    /// Which one: the picture on screen at `index x thumbnailSeconds` from the start.
    public var index: UInt32
    /// `index x thumbnailSeconds`.
    public var seconds: Double
    /// The presentation time of the frame it shows, in the video stream's time base.
    public var pts: Int64
    public var width: Int
    public var height: Int
    /// `width x height x 3` bytes, R G B, rows packed (base64 in JSON).
    public var rgb: Data

    public init(index: UInt32, seconds: Double, pts: Int64, width: Int, height: Int, rgb: Data) {
        self.index = index
        self.seconds = seconds
        self.pts = pts
        self.width = width
        self.height = height
        self.rgb = rgb
    }
}

/// The stream is running: its service, level and members, and the header of its frames.md5.
public struct StreamStarted: Codable, Sendable, Equatable {
    public var service: String
    public var level: String
    public var members: [MemberShareRecord]
    /// One line per input stream, e.g. `0: h264 1280x720 24/1 fps`.
    public var inputStreams: [String]
    /// The first lines of frames.md5 (ffmpeg's framemd5 header for these streams).
    public var frameMD5Header: String
    /// Units of media the input holds when known (0 when not: a live pipe).
    public var expectedSeconds: Double
}

/// One unit's output, in order: its frames.md5 lines and what it lacks.
public struct StreamUnitOutput: Codable, Sendable, Equatable {
    public var stream: Int
    public var sequence: UInt32
    /// The unit's frames as frames.md5 lines (without newlines), in presentation order.
    public var lines: [String]
    /// Frames the unit should have delivered and did not.
    public var lostFrames: Int
    /// Frames left out on purpose (reference frames only, after a degrade).
    public var skippedFrames: Int
    /// Seconds of media the unit covers.
    public var mediaSeconds: Double
}
