import MediaCore

/// Where a requester's media comes from.
public enum MediaInput: Sendable, Hashable, CustomStringConvertible {
    /// A file FFmpeg can demux (MP4, Matroska, MPEG-TS, MP3, ...), format probed.
    case file(String)
    /// An MPEG-TS stream on standard input (`-` on the command line), read through `pipe:0`.
    case standardInput
    /// An MPEG-TS stream read from an open file descriptor (`pipe:N`).
    case pipe(fileDescriptor: Int32)

    /// `-` is standard input; anything else a path.
    public init(argument: String) {
        self = argument == "-" ? .standardInput : .file(argument)
    }

    /// The input as errors name it.
    public var description: String {
        switch self {
        case .file(let path): path
        case .standardInput: "-"
        case .pipe(let descriptor): "pipe:\(descriptor)"
        }
    }

    fileprivate var url: String {
        switch self {
        case .file(let path): path
        case .standardInput: "pipe:0"
        case .pipe(let descriptor): "pipe:\(descriptor)"
        }
    }

    /// Streams are MPEG-TS: a pipe cannot be probed again from its start.
    fileprivate var format: String? {
        if case .file = self { return nil }
        return "mpegts"
    }
}

/// One stream the demuxer yields packets of.
public struct DemuxedStream: Sendable, Hashable {
    /// Its index among the streams the demuxer yields (the `stream` of its units): 0 first.
    public var index: UInt8
    public var parameters: CodecParameters
    /// The start time the ffmpeg CLI subtracts from every timestamp when this stream alone is
    /// mapped (`-map 0:v:0`), in `parameters.timeBase`: the input's start time, or this stream's
    /// own start when later in an MPEG-TS (`FrameMD5.Stream.startTime`).
    public var startTime: Int64
}

/// Reads an input's first H.264 video stream and first AAC or MP3 audio stream as
/// `MediaPacket`s in decoding order, refusing what a coalition cannot decode with a
/// `MediaInputError` that names the input, the codec, and the packet and byte where it failed.
///
/// The first video stream must be H.264 and the first audio stream AAC or MP3 (a cover picture
/// is not a video stream); other kinds of stream (subtitles, data) are ignored. Any packet of
/// a selected stream that the demuxer flags corrupt stops the input: the cut units would otherwise decode to something that
/// is not the input.
public final class Demuxer {
    public let input: MediaInput
    /// Video first when there is one.
    public let streams: [DemuxedStream]
    /// Packets read so far, of every stream.
    public private(set) var packetsRead = 0
    private let context: DemuxingContext
    /// Container stream index -> index in `streams`.
    private let selected: [Int32: UInt8]

    public init(_ input: MediaInput) throws(MediaInputError) {
        self.input = input
        do {
            context = try DemuxingContext(name: input.description, url: input.url, format: input.format)
        } catch {
            let code: MediaInputError.Code = error.code == 0 ? .ffmpegUnavailable : .unreadable
            throw MediaInputError(code: code, input: input.description, detail: "cannot be opened as media (not media, or damaged before its stream information, such as an MP4 cut before its index): \(error.message)")
        }
        let probed = context.streams.filter { $0.kind != nil && !$0.isAttachedPicture }
        if context.formatName == "tty" {  // FFmpeg shows any text file as an ANSI-art "video"
            throw MediaInputError(code: .unreadable, input: input.description, detail: "is text, not media")
        }
        var streams: [DemuxedStream] = []
        var selected: [Int32: UInt8] = [:]
        for kind in [StreamKind.video, .audio] {
            guard let first = probed.first(where: { $0.kind == kind }) else { continue }
            guard let codec = first.codec, codec.kind == kind, let parameters = first.parameters else {
                let wanted = kind == .video ? "H.264" : "AAC or MP3"
                throw MediaInputError(
                    code: .unsupportedCodec, input: input.description,
                    detail: "its first \(kind == .video ? "video" : "audio") stream is \(first.codecName), not \(wanted)")
            }
            selected[first.containerIndex] = UInt8(streams.count)
            streams.append(DemuxedStream(index: UInt8(streams.count), parameters: parameters, startTime: first.startTime))
        }
        guard !streams.isEmpty else {
            throw MediaInputError(code: .noStream, input: input.description, detail: "has no H.264 video and no AAC or MP3 audio stream")
        }
        self.streams = streams
        self.selected = selected
    }

    /// The next packet of a selected stream in decoding order, or nil at the end of the input.
    public func nextPacket() throws(MediaInputError) -> (stream: UInt8, packet: MediaPacket)? {
        while true {
            let position = context.bytePosition
            let read: DemuxingContext.ReadPacket?
            do {
                read = try context.read()
            } catch {
                throw MediaInputError(
                    code: .corrupt, input: input.description, detail: "cannot be read further: \(error.message)",
                    bytePosition: position, packetNumber: packetsRead + 1)
            }
            guard let read else { return nil }
            packetsRead += 1
            guard let index = selected[read.containerIndex] else { continue }
            if read.isCorrupt {
                throw MediaInputError(
                    code: .corrupt, input: input.description, detail: "damaged data (the demuxer flagged a packet corrupt)",
                    bytePosition: read.position >= 0 ? read.position : position, packetNumber: packetsRead)
            }
            return (index, read.packet)
        }
    }

    /// Reads the whole input and cuts every stream: the units of each stream in sequence order,
    /// indexed as `streams`.
    public func cutAll(_ configuration: UnitCutter.Configuration = .init()) throws(MediaInputError) -> [[MediaUnit]] {
        var units = [[MediaUnit]](repeating: [], count: streams.count)
        try cut(configuration) { unit in units[Int(unit.stream)].append(unit) }
        return units
    }

    /// Reads the whole input and hands every unit to `consume` as soon as it is cut (units of
    /// different streams interleave as their packets do in the input).
    public func cut(_ configuration: UnitCutter.Configuration = .init(), into consume: (MediaUnit) -> Void) throws(MediaInputError) {
        var cutters = streams.map { UnitCutter(stream: $0.index, parameters: $0.parameters, configuration: configuration) }
        while let (stream, packet) = try nextPacket() {
            do { try cutters[Int(stream)].append(packet).forEach(consume) } catch { throw uncuttable(error) }
        }
        for index in cutters.indices {
            do { try cutters[index].finish().forEach(consume) } catch { throw uncuttable(error) }
        }
    }

    private func uncuttable(_ error: UnitCutterError) -> MediaInputError {
        MediaInputError(code: .uncuttable, input: input.description, detail: error.description, packetNumber: packetsRead)
    }
}
