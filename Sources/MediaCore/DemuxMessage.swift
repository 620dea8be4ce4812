/// A stream of the input as the demux worker found it: what the requester needs before the
/// first unit (the level it calls for, the frames.md5 header, the expected duration).
public struct StreamDescription: Sendable, Hashable {
    /// Its index among the streams the demuxer yields (the `stream` of its units).
    public var index: UInt8
    public var parameters: CodecParameters
    /// The start time ffmpeg subtracts from every timestamp when this stream alone is mapped,
    /// in `parameters.timeBase` (see `FrameMD5`).
    public var startTime: Int64
    /// The stream's duration in its time base, when the container states it.
    public var duration: Int64?

    public init(index: UInt8, parameters: CodecParameters, startTime: Int64, duration: Int64? = nil) {
        self.index = index
        self.parameters = parameters
        self.startTime = startTime
        self.duration = duration
    }
}

/// What a demux worker writes on its standard output, each message framed by `WorkerPipe`:
/// `streams` once, then `unit` after `unit`, then `end`, or `failure` as the last word when the
/// input cannot be read on.
public enum DemuxMessage: Sendable, Hashable {
    case streams([StreamDescription])
    /// A unit in `MediaUnitEncoding`'s form (kept opaque: the daemon reads only its metadata).
    case unit([UInt8])
    /// The input ended; `packets` were read.
    case end(packets: Int)
    /// The input could not be read on: a sentence naming the input and where it failed.
    case failure(code: String, message: String)

    /// Longest failure text carried, in bytes.
    public static let maximumTextBytes = 4096
    /// Most streams described.
    public static let maximumStreams = 8

    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .streams(let streams):
            writer.write(UInt8(1))
            writer.write(UInt8(streams.count))
            for stream in streams {
                writer.write(stream.index)
                MediaUnitEncoding.write(stream.parameters, to: &writer)
                writer.write(stream.startTime)
                writer.write(stream.duration ?? -1)
            }
        case .unit(let bytes):
            writer.write(UInt8(2))
            return writer.bytes + bytes
        case .end(let packets):
            writer.write(UInt8(3))
            writer.write(UInt64(packets))
        case .failure(let code, let message):
            writer.write(UInt8(4))
            writer.writeBlock(Array(code.utf8.prefix(64)))
            writer.writeBlock(Array(message.utf8.prefix(Self.maximumTextBytes)))
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8], limits: MediaUnitLimits = .standard) throws(MediaDecodingError) -> DemuxMessage {
        var reader = ByteReader(bytes)
        switch try reader.read(UInt8.self, "demux message type") {
        case 1:
            let count = Int(try reader.read(UInt8.self, "stream count"))
            guard count <= maximumStreams else { throw .overLimit(field: "stream count", count: count, limit: maximumStreams) }
            var streams: [StreamDescription] = []
            for _ in 0..<count {
                let index = try reader.read(UInt8.self, "stream index")
                let parameters = try MediaUnitEncoding.readParameters(&reader, limits: limits)
                let start = try reader.read(Int64.self, "stream start")
                let duration = try reader.read(Int64.self, "stream duration")
                guard duration >= -1 else { throw .invalidValue(field: "stream duration", value: duration) }
                streams.append(StreamDescription(index: index, parameters: parameters, startTime: start, duration: duration < 0 ? nil : duration))
            }
            try reader.expectEnd()
            return .streams(streams)
        case 2:
            return .unit(Array(bytes.dropFirst()))
        case 3:
            let packets = try reader.read(UInt64.self, "packet count")
            try reader.expectEnd()
            guard packets <= UInt64(Int.max) else { throw .invalidValue(field: "packet count", value: -1) }
            return .end(packets: Int(packets))
        case 4:
            let code = try reader.readBlock("failure code", limit: 64)
            let message = try reader.readBlock("failure message", limit: maximumTextBytes)
            try reader.expectEnd()
            return .failure(code: String(decoding: code, as: UTF8.self), message: String(decoding: message, as: UTF8.self))
        case let other:
            throw .invalidValue(field: "demux message type", value: Int64(other))
        }
    }
}
