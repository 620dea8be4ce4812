/// One decoded frame as a member reports it: its timing and the MD5 of its samples laid out as
/// FFmpeg's `framemd5` muxer hashes them (video: planes packed without padding, as
/// `av_image_copy_to_buffer` with alignment 1; audio: samples interleaved). The pixels
/// themselves stay on the member.
public struct DecodedFrame: Sendable, Hashable {
    /// Presentation time in the stream's time base.
    public var pts: Int64
    /// Duration in the stream's time base (0 when unknown).
    public var duration: Int64
    /// Bytes hashed.
    public var byteCount: UInt32
    /// The 16-byte MD5 digest.
    public var md5: [UInt8]

    public init(pts: Int64, duration: Int64, byteCount: UInt32, md5: [UInt8]) {
        self.pts = pts
        self.duration = duration
        self.byteCount = byteCount
        self.md5 = md5
    }

    /// The digest as 32 lowercase hex digits, as `framemd5` prints it.
    public var md5Hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(32)
        for byte in md5 {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Why a member could not decode a unit. The unit is reported, never retried forever.
public enum UnitFailure: UInt8, Error, Sendable, Hashable, Codable {
    /// The decoder refused the data (corrupt or malformed packets).
    case invalidData = 1
    /// The unit could not be read (malformed encoding, over a limit).
    case malformedUnit = 2
    /// This member has no decoder for the codec.
    case unsupportedCodec = 3
    /// The decode worker died (crashed, killed by the OOM killer) while decoding it.
    case workerDied = 4
    /// The member ran out of the memory reserved for the service.
    case outOfMemory = 5
}

/// What a member sends back for one unit.
public struct UnitResult: Sendable, Hashable {
    public var sequence: UInt32
    public var stream: UInt8
    /// The frames emitted, in presentation order; empty on failure.
    public var frames: [DecodedFrame]
    /// nil when decoded; otherwise why not.
    public var failure: UnitFailure?
    /// CPU time the decode took on the member (user + system), in nanoseconds.
    public var cpuNanoseconds: UInt64
    /// The thumbnails the unit asked for (`MediaUnit.thumbnails`), by index; empty otherwise.
    public var thumbnails: [Thumbnail]

    public init(
        sequence: UInt32, stream: UInt8, frames: [DecodedFrame], failure: UnitFailure? = nil, cpuNanoseconds: UInt64,
        thumbnails: [Thumbnail] = []
    ) {
        self.sequence = sequence
        self.stream = stream
        self.frames = frames
        self.failure = failure
        self.cpuNanoseconds = cpuNanoseconds
        self.thumbnails = thumbnails
    }
}
