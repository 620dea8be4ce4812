/// What a stream carries.
public enum StreamKind: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case video = 0
    case audio = 1
}

/// The codecs a coalition decodes. Anything else is refused where the input is opened, naming
/// the input and its codec (the wire never carries another).
public enum Codec: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case h264 = 1
    case aac = 2
    case mp3 = 3

    /// The kind of stream this codec encodes.
    public var kind: StreamKind {
        switch self {
        case .h264: .video
        case .aac, .mp3: .audio
        }
    }
}

/// A rational time unit, as FFmpeg's `AVRational`: a timestamp `t` is `t * numerator /
/// denominator` seconds. Both parts are positive.
public struct TimeBase: Sendable, Hashable, Codable {
    public var numerator: Int32
    public var denominator: Int32

    public init(numerator: Int32, denominator: Int32) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Seconds for `timestamp` in this time base.
    public func seconds(_ timestamp: Int64) -> Double {
        Double(timestamp) * Double(numerator) / Double(denominator)
    }

    /// Nanoseconds for `timestamp` in this time base, rounded toward minus infinity (exact, in
    /// 128-bit arithmetic); saturates at `Int64.min`/`.max` beyond about 292 years.
    public func nanoseconds(_ timestamp: Int64) -> Int64 {
        let scale = Int64(numerator) * 1_000_000_000
        let approximate = Double(timestamp) * Double(scale) / Double(denominator)
        guard approximate.magnitude < 9.0e18 else { return approximate < 0 ? .min : .max }
        let (quotient, remainder) = Int64(denominator).dividingFullWidth(timestamp.multipliedFullWidth(by: scale))
        return remainder < 0 ? quotient - 1 : quotient
    }
}

/// Everything a decoder needs to open a stream alone: what FFmpeg's `AVCodecParameters` holds
/// for the codecs in `Codec`. Pixel and sample formats are FFmpeg's enum values
/// (`AVPixelFormat`, `AVSampleFormat`), which FFmpeg keeps stable across versions.
public struct CodecParameters: Sendable, Hashable {
    public var codec: Codec
    /// The stream's time base: the unit of every packet's and frame's timestamps.
    public var timeBase: TimeBase
    /// Codec-specific setup (H.264 `avcC`, AAC `AudioSpecificConfig`); at most
    /// `MediaUnitLimits.maximumExtradataBytes`.
    public var extradata: [UInt8]
    /// Video: coded picture size in pixels, FFmpeg pixel format; 0 for audio.
    public var width: Int32
    public var height: Int32
    public var pixelFormat: Int32
    /// Video: the average frame rate (frames per second as a ratio), nil when unknown.
    public var frameRate: TimeBase?
    /// Audio: samples per second, channel count, FFmpeg sample format; 0 for video.
    public var sampleRate: Int32
    public var channels: Int32
    public var sampleFormat: Int32
    /// Bits per second as the container states it; 0 when unknown.
    public var bitRate: Int64

    public init(
        codec: Codec, timeBase: TimeBase, extradata: [UInt8] = [], width: Int32 = 0, height: Int32 = 0,
        pixelFormat: Int32 = -1, frameRate: TimeBase? = nil, sampleRate: Int32 = 0, channels: Int32 = 0,
        sampleFormat: Int32 = -1, bitRate: Int64 = 0
    ) {
        self.codec = codec
        self.timeBase = timeBase
        self.extradata = extradata
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.frameRate = frameRate
        self.sampleRate = sampleRate
        self.channels = channels
        self.sampleFormat = sampleFormat
        self.bitRate = bitRate
    }
}

/// One compressed packet as the demuxer read it. Timestamps are in the stream's time base.
public struct MediaPacket: Sendable, Hashable {
    /// Presentation time; nil when the container gave none (`AV_NOPTS_VALUE`).
    public var pts: Int64?
    /// Decoding time; nil when the container gave none.
    public var dts: Int64?
    /// Duration in the stream's time base (0 when unknown).
    public var duration: Int64
    /// A random access point (FFmpeg's `AV_PKT_FLAG_KEY`).
    public var isKeyframe: Bool
    /// Nothing references it (FFmpeg's `AV_PKT_FLAG_DISPOSABLE`): it may be skipped to lower the
    /// frame rate without breaking other frames.
    public var isDisposable: Bool
    /// The compressed bytes; at most `MediaUnitLimits.maximumPacketBytes`.
    public var data: [UInt8]
    /// Audio: samples (per channel) the decoder drops from the start of this packet's output,
    /// as the container asked (FFmpeg's `AV_PKT_DATA_SKIP_SAMPLES`: an encoder's priming delay,
    /// an MP4 edit list, a LAME header's delay). 0 for most packets.
    public var trimStart: UInt32
    /// Audio: samples (per channel) dropped from the end of this packet's output (an encoder's
    /// padding at the end of the stream). 0 for most packets.
    public var trimEnd: UInt32

    public init(
        pts: Int64?, dts: Int64?, duration: Int64, isKeyframe: Bool, isDisposable: Bool = false, data: [UInt8],
        trimStart: UInt32 = 0, trimEnd: UInt32 = 0
    ) {
        self.pts = pts
        self.dts = dts
        self.duration = duration
        self.isKeyframe = isKeyframe
        self.isDisposable = isDisposable
        self.data = data
        self.trimStart = trimStart
        self.trimEnd = trimEnd
    }
}

/// A half-open interval of presentation times `[start, end)` in a stream's time base; `end` nil
/// means "to the end of the stream".
public struct PresentationRange: Sendable, Hashable {
    public var start: Int64
    public var end: Int64?

    public init(start: Int64, end: Int64?) {
        self.start = start
        self.end = end
    }

    /// Whether a frame presented at `pts` belongs to this range.
    public func contains(_ pts: Int64) -> Bool {
        pts >= start && (end.map { pts < $0 } ?? true)
    }
}

/// A processing unit (the paper's Definition 3: p = (task, input data)) for one stream: a run of
/// packets that a member decodes alone, with no state from any other unit.
///
/// The member feeds every packet to a fresh decoder, flushes it, and keeps exactly the frames
/// whose presentation time lies in `emit`. Packets before the first one presented in `emit`
/// (`preRoll` of them) only rebuild the decoder's state: the previous frames an open GOP's
/// leading pictures reference, the overlap of an audio transform, an MP3 bit reservoir. The
/// units of a stream cut this way have disjoint, adjacent `emit` ranges, so their outputs,
/// concatenated in `sequence` order, equal one decode of the whole stream.
public struct MediaUnit: Sendable, Hashable {
    /// This unit's place in its stream, from 0, without gaps.
    public var sequence: UInt32
    /// Which stream of the input (its index among the streams the requester decodes).
    public var stream: UInt8
    public var parameters: CodecParameters
    /// The presentation times whose frames this unit emits.
    public var emit: PresentationRange
    /// How many leading packets only prime the decoder (informative: `emit` decides).
    public var preRoll: UInt16
    /// In decoding order; at most `MediaUnitLimits.maximumPackets`.
    public var packets: [MediaPacket]
    /// The thumbnails the requester wants from this unit's frames, for a contact sheet; nil: none.
    public var thumbnails: ThumbnailRequest?

    public init(
        sequence: UInt32, stream: UInt8, parameters: CodecParameters, emit: PresentationRange, preRoll: UInt16, packets: [MediaPacket],
        thumbnails: ThumbnailRequest? = nil
    ) {
        self.sequence = sequence
        self.stream = stream
        self.parameters = parameters
        self.emit = emit
        self.preRoll = preRoll
        self.packets = packets
        self.thumbnails = thumbnails
    }

    /// Compressed bytes carried (packets only).
    public var payloadBytes: Int { packets.reduce(0) { $0 + $1.data.count } }
}
