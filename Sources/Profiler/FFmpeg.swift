// All unsafe FFmpeg (libavformat, libavcodec, libavutil) code of the Profiler lives in this file:
// the libraries opened on first use (dlopen, through `CFFmpeg_load`), the owned handles (one
// `final class` each, freed in `deinit`), the decoder loop, the encoders.
// Everything outside this file sees safe Swift types and `FFmpegError`.
import CFFmpeg

#if canImport(Glibc)
    import Glibc
#endif

/// An error reported by FFmpeg: the C error code, FFmpeg's own message for it (`av_strerror`),
/// the call that failed and the file it was working on.
public struct FFmpegError: Error, Equatable, CustomStringConvertible {
    /// The `AVERROR` code (negative), or 0 for a condition FFmpeg reports without a code.
    public var code: Int32
    /// FFmpeg's message for `code` (from `av_strerror`), or the reason when `code` is 0.
    public var message: String
    /// The FFmpeg call or step that failed, e.g. `avformat_open_input`.
    public var operation: String
    /// The media file involved.
    public var file: String

    public init(code: Int32, operation: String, file: String, message: String? = nil) {
        self.code = code
        self.operation = operation
        self.file = file
        self.message = message ?? FFmpegError.describe(code)
    }

    public var description: String {
        "\(file): \(operation) failed: \(message)" + (code != 0 ? " (AVERROR \(code))" : "")
    }

    /// True when FFmpeg judged the data invalid (corrupt or truncated media).
    public var isInvalidData: Bool { code == FFmpegError.invalidData }

    /// `AVERROR_INVALIDDATA`.
    public static var invalidData: Int32 { CFFmpeg_AVERROR_INVALIDDATA() }
    /// `AVERROR_STREAM_NOT_FOUND`: the file has no stream of the kind asked for.
    public static var streamNotFound: Int32 { CFFmpeg_AVERROR_STREAM_NOT_FOUND() }
    /// `AVERROR_ENCODER_NOT_FOUND`.
    public static var encoderNotFound: Int32 { CFFmpeg_AVERROR_ENCODER_NOT_FOUND() }
    /// `AVERROR_DECODER_NOT_FOUND`.
    public static var decoderNotFound: Int32 { CFFmpeg_AVERROR_DECODER_NOT_FOUND() }

    /// FFmpeg's text for an error code.
    static func describe(_ code: Int32) -> String {
        guard let functions = FFmpegLibrary.functionsIfLoaded else { return "FFmpeg error \(code)" }
        var buffer = [CChar](repeating: 0, count: 256)
        if functions.av_strerror(code, &buffer, buffer.count) < 0 {
            return "unknown FFmpeg error \(code)"
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The kind of stream a clip carries.
public enum MediaKind: String, Sendable, Codable {
    case video, audio
}

/// Library-wide FFmpeg facts and settings, and the libraries themselves, opened on first use.
enum FFmpegLibrary {
    /// Opens the libraries (once per process) and quiets FFmpeg's own logging (corrupt input
    /// would otherwise print over the progress bar); errors still reach the caller as
    /// `FFmpegError`. Every entry point of the Profiler that uses FFmpeg calls this first.
    static func prepare() throws(FFmpegError) {
        try loadedFunctions.get().av_log_set_level(AV_LOG_FATAL)
    }

    /// The functions, or nil when the libraries are not (or could not be) loaded.
    static var functionsIfLoaded: CFFmpegFunctions? { try? loadedFunctions.get() }

    /// Opens libavutil, libavcodec and libavformat with dlopen and resolves every function.
    fileprivate static func open() -> Result<CFFmpegFunctions, FFmpegError> {
        var reason = [CChar](repeating: 0, count: 512)
        let functions = withUnsafeTemporaryAllocation(of: CFFmpegFunctions.self, capacity: 1) { slot in
            // Zeroed first, so the table never holds garbage; CFFmpeg_load fills every field or fails.
            UnsafeMutableRawBufferPointer(slot).initializeMemory(as: UInt8.self, repeating: 0)
            return CFFmpeg_load(slot.baseAddress!, &reason, reason.count) == 0 ? slot[0] : nil
        }
        guard let functions else {
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(FFmpegError(
                code: 0, operation: "loading FFmpeg's libraries (is libavformat installed?)",
                file: "libavformat", message: text))
        }
        return .success(functions)
    }
}

/// The FFmpeg libraries, opened on first access (a global is initialised once, thread-safely).
private let loadedFunctions = FFmpegLibrary.open()

/// The FFmpeg functions. Only reached after `FFmpegLibrary.prepare()` succeeded: every handle
/// below is created after it.
private var ff: CFFmpegFunctions {
    guard let functions = FFmpegLibrary.functionsIfLoaded else {
        preconditionFailure("FFmpeg used before FFmpegLibrary.prepare()")
    }
    return functions
}

// MARK: - Owned handles

/// An `AVFormatContext` opened for reading; closed in `deinit`.
final class InputFormatContext {
    fileprivate var pointer: UnsafeMutablePointer<AVFormatContext>?
    let path: String

    init(path: String) throws(FFmpegError) {
        try FFmpegLibrary.prepare()
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        let status = ff.avformat_open_input(&context, path, nil, nil)
        guard status >= 0, context != nil else {
            throw FFmpegError(code: status, operation: "opening the media (avformat_open_input)", file: path)
        }
        pointer = context
        let probe = ff.avformat_find_stream_info(context, nil)
        guard probe >= 0 else {
            throw FFmpegError(code: probe, operation: "reading stream information (avformat_find_stream_info)", file: path)
        }
    }

    deinit { ff.avformat_close_input(&pointer) }
}

/// An `AVCodecContext`; freed in `deinit`.
final class CodecContext {
    fileprivate var pointer: UnsafeMutablePointer<AVCodecContext>?

    fileprivate init(codec: UnsafePointer<AVCodec>, file: String) throws(FFmpegError) {
        guard let context = ff.avcodec_alloc_context3(codec) else {
            throw FFmpegError(code: CFFmpeg_AVERROR(ENOMEM), operation: "allocating a codec context", file: file)
        }
        pointer = context
    }

    deinit { ff.avcodec_free_context(&pointer) }
}

/// An `AVPacket`; freed in `deinit`.
final class Packet {
    fileprivate var pointer: UnsafeMutablePointer<AVPacket>?

    init(file: String) throws(FFmpegError) {
        guard let packet = ff.av_packet_alloc() else {
            throw FFmpegError(code: CFFmpeg_AVERROR(ENOMEM), operation: "allocating a packet", file: file)
        }
        pointer = packet
    }

    deinit { ff.av_packet_free(&pointer) }
}

/// An `AVFrame`; freed in `deinit`.
final class Frame {
    fileprivate var pointer: UnsafeMutablePointer<AVFrame>?

    init(file: String) throws(FFmpegError) {
        guard let frame = ff.av_frame_alloc() else {
            throw FFmpegError(code: CFFmpeg_AVERROR(ENOMEM), operation: "allocating a frame", file: file)
        }
        pointer = frame
    }

    deinit { ff.av_frame_free(&pointer) }
}

/// An `AVFormatContext` for writing, with its `AVIOContext` once opened; both closed in `deinit`
/// (the trailer is written only by `finish()`, so a failed synthesis leaves an unusable file that
/// the caller deletes).
final class OutputFormatContext {
    fileprivate var pointer: UnsafeMutablePointer<AVFormatContext>?
    let path: String

    init(path: String, format: String) throws(FFmpegError) {
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        let status = ff.avformat_alloc_output_context2(&context, nil, format, path)
        guard status >= 0, let context else {
            throw FFmpegError(code: status, operation: "creating a \(format) container", file: path)
        }
        pointer = context
    }

    deinit {
        if let context = pointer {
            if context.pointee.pb != nil { _ = ff.avio_closep(&context.pointee.pb) }
            ff.avformat_free_context(context)
        }
    }
}

// MARK: - Decoding

/// A media file opened and probed, with its best stream of one kind and that stream's decoder
/// found (not yet opened).
final class MediaSource {
    let path: String
    let kind: MediaKind
    fileprivate let input: InputFormatContext
    fileprivate let streamIndex: Int32
    fileprivate let decoder: UnsafePointer<AVCodec>

    /// Opens `path` and picks its best stream of `kind`.
    init(path: String, kind: MediaKind) throws(FFmpegError) {
        self.path = path
        self.kind = kind
        input = try InputFormatContext(path: path)
        var decoder: UnsafePointer<AVCodec>?
        let type = kind == .video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO
        let index = ff.av_find_best_stream(input.pointer, type, -1, -1, &decoder, 0)
        guard index >= 0, let decoder else {
            throw FFmpegError(
                code: index < 0 ? index : FFmpegError.decoderNotFound,
                operation: "finding a decodable \(kind.rawValue) stream (av_find_best_stream)", file: path)
        }
        streamIndex = index
        self.decoder = decoder
    }
}

/// Decodes the chosen stream of a `MediaSource`, one packet at a time, so the caller can time
/// each step. The canonical loop: `readPacket()` until it returns false, `decodePacket()` after
/// each, then `flush()` once.
final class MediaDecoder {
    let path: String
    let kind: MediaKind
    /// Threads the decoder really uses (FFmpeg resolves a request of 0 to cores + 1 for frame
    /// threading; a codec without threading uses 1).
    let threadsUsed: Int
    /// Frames per second for video (from the stream), samples per second for audio.
    let rate: Double
    /// Frames decoded so far (video frames or audio frames).
    private(set) var framesDecoded = 0
    /// Audio samples per channel decoded so far (0 for video).
    private(set) var samplesDecoded = 0
    /// Frames the decoder flagged as corrupt.
    private(set) var corruptFrames = 0

    private let source: MediaSource
    private let codec: CodecContext
    private let packet: Packet
    private let frame: Frame
    private var streamIndex: Int32 { source.streamIndex }
    private var input: InputFormatContext { source.input }

    /// Opens a decoder for `source`'s stream with `threads` threads (0 = FFmpeg's automatic
    /// choice). `strict` makes the decoder stop at the first damaged bit of data
    /// (`AV_EF_EXPLODE`) instead of concealing it.
    init(source: MediaSource, threads: Int, strict: Bool = true) throws(FFmpegError) {
        self.source = source
        path = source.path
        kind = source.kind
        let decoder = source.decoder
        let stream = source.input.pointer!.pointee.streams[Int(source.streamIndex)]!
        codec = try CodecContext(codec: decoder, file: path)
        let context = codec.pointer!
        let copied = ff.avcodec_parameters_to_context(context, stream.pointee.codecpar)
        guard copied >= 0 else {
            throw FFmpegError(code: copied, operation: "copying stream parameters to the decoder", file: path)
        }
        context.pointee.thread_count = Int32(threads)
        if strict { context.pointee.err_recognition |= AV_EF_EXPLODE }
        let opened = ff.avcodec_open2(context, decoder, nil)
        guard opened >= 0 else {
            let name = String(cString: decoder.pointee.name)
            throw FFmpegError(code: opened, operation: "opening the \(name) decoder (avcodec_open2)", file: path)
        }
        threadsUsed = context.pointee.active_thread_type == 0 ? 1 : max(1, Int(context.pointee.thread_count))
        switch kind {
        case .video:
            let fps = stream.pointee.avg_frame_rate.num > 0 ? stream.pointee.avg_frame_rate : stream.pointee.r_frame_rate
            rate = fps.den > 0 ? Double(fps.num) / Double(fps.den) : 0
        case .audio:
            rate = Double(context.pointee.sample_rate)
        }
        packet = try Packet(file: path)
        frame = try Frame(file: path)
    }

    /// Seconds of media decoded so far.
    var mediaSecondsDecoded: Double {
        guard rate > 0 else { return 0 }
        return kind == .video ? Double(framesDecoded) / rate : Double(samplesDecoded) / rate
    }

    /// Reads the next packet of the chosen stream (skipping others). False at the end of the file.
    func readPacket() throws(FFmpegError) -> Bool {
        let packet = packet.pointer!
        while true {
            ff.av_packet_unref(packet)
            let status = ff.av_read_frame(input.pointer, packet)
            if status == CFFmpeg_AVERROR_EOF() { return false }
            guard status >= 0 else {
                throw FFmpegError(code: status, operation: "reading a packet (av_read_frame)", file: path)
            }
            if packet.pointee.stream_index == streamIndex { return true }
        }
    }

    /// Sends the packet read last to the decoder and receives every frame it makes available.
    /// Returns the number of frames received.
    @discardableResult
    func decodePacket() throws(FFmpegError) -> Int {
        let context = codec.pointer!
        var received = 0
        while true {
            let sent = ff.avcodec_send_packet(context, packet.pointer)
            if sent == CFFmpeg_AVERROR_EAGAIN() {
                // The decoder's output is full: drain it, then send the same packet again.
                let drained = try receiveFrames()
                received += drained
                if drained == 0 {
                    throw FFmpegError(code: sent, operation: "decoding (decoder refused input yet had no output)", file: path)
                }
                continue
            }
            guard sent >= 0 else {
                throw FFmpegError(code: sent, operation: "decoding a packet (avcodec_send_packet)", file: path)
            }
            break
        }
        ff.av_packet_unref(packet.pointer)
        return received + (try receiveFrames())
    }

    /// Signals the end of the stream and receives the frames the decoder still holds.
    @discardableResult
    func flush() throws(FFmpegError) -> Int {
        let sent = ff.avcodec_send_packet(codec.pointer, nil)
        guard sent >= 0 || sent == CFFmpeg_AVERROR_EOF() else {
            throw FFmpegError(code: sent, operation: "flushing the decoder", file: path)
        }
        return try receiveFrames()
    }

    private func receiveFrames() throws(FFmpegError) -> Int {
        let context = codec.pointer!
        let frame = frame.pointer!
        var received = 0
        while true {
            let status = ff.avcodec_receive_frame(context, frame)
            if status == CFFmpeg_AVERROR_EAGAIN() || status == CFFmpeg_AVERROR_EOF() { return received }
            guard status >= 0 else {
                throw FFmpegError(code: status, operation: "decoding a frame (avcodec_receive_frame)", file: path)
            }
            received += 1
            framesDecoded += 1
            samplesDecoded += Int(frame.pointee.nb_samples)
            if frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 || frame.pointee.decode_error_flags != 0 {
                corruptFrames += 1
            }
            ff.av_frame_unref(frame)
        }
    }
}

// MARK: - Encoding

/// The settings of one synthesised video clip.
struct VideoEncoding: Sendable, Equatable {
    var width: Int
    var height: Int
    var framesPerSecond: Int
    var frameCount: Int
    /// Target bit rate in bit/s.
    var bitRate: Int
    /// FFmpeg encoder name.
    var encoder = "libx264"
    /// x264 speed preset.
    var speedPreset = "veryfast"
    /// Key frame interval in frames.
    var gopFrames: Int
    /// Container format name (`mp4`).
    var container = "mp4"
}

/// The settings of one synthesised audio clip.
struct AudioEncoding: Sendable, Equatable {
    var sampleRate: Int
    /// Target bit rate in bit/s.
    var bitRate: Int
    var channels = 2
    /// Length in samples per channel.
    var sampleCount: Int
    /// FFmpeg encoder name.
    var encoder = "libmp3lame"
    /// Container format name (`mp3`).
    var container = "mp3"
}

enum MediaEncoder {
    /// Encodes `encoding.frameCount` frames drawn by `draw` (frame index, planes to fill) into `path`.
    static func writeVideo(
        to path: String, _ encoding: VideoEncoding, draw: (Int, inout PlanarImage) -> Void
    ) throws(FFmpegError) {
        try FFmpegLibrary.prepare()
        guard let codec = ff.avcodec_find_encoder_by_name(encoding.encoder) else {
            throw FFmpegError(
                code: FFmpegError.encoderNotFound,
                operation: "finding the \(encoding.encoder) encoder (is FFmpeg built with it?)", file: path)
        }
        let output = try OutputFormatContext(path: path, format: encoding.container)
        let format = output.pointer!
        let encoderContext = try CodecContext(codec: codec, file: path)
        let context = encoderContext.pointer!
        context.pointee.width = Int32(encoding.width)
        context.pointee.height = Int32(encoding.height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.time_base = AVRational(num: 1, den: Int32(encoding.framesPerSecond))
        context.pointee.framerate = AVRational(num: Int32(encoding.framesPerSecond), den: 1)
        context.pointee.bit_rate = Int64(encoding.bitRate)
        context.pointee.gop_size = Int32(encoding.gopFrames)
        context.pointee.thread_count = 0
        _ = ff.av_opt_set(  // an encoder without a "preset" option keeps its default
            context.pointee.priv_data, "preset", encoding.speedPreset, 0)
        if format.pointee.oformat.pointee.flags & CFFmpeg_AVFMT_GLOBALHEADER() != 0 {
            context.pointee.flags |= CFFmpeg_AV_CODEC_FLAG_GLOBAL_HEADER()
        }
        let stream = try openEncoder(context, codec: codec, output: output)

        let frameHandle = try Frame(file: path)
        let frame = frameHandle.pointer!
        frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        frame.pointee.width = Int32(encoding.width)
        frame.pointee.height = Int32(encoding.height)
        try check(ff.av_frame_get_buffer(frame, 0), "allocating a video frame", path)
        var image = PlanarImage(width: encoding.width, height: encoding.height)
        let packet = try Packet(file: path)
        for index in 0..<encoding.frameCount {
            draw(index, &image)
            try check(ff.av_frame_make_writable(frame), "making a frame writable", path)
            copy(image.luma, width: image.width, height: image.height, to: frame.pointee.data.0, stride: frame.pointee.linesize.0)
            copy(image.blue, width: image.chromaWidth, height: image.chromaHeight, to: frame.pointee.data.1, stride: frame.pointee.linesize.1)
            copy(image.red, width: image.chromaWidth, height: image.chromaHeight, to: frame.pointee.data.2, stride: frame.pointee.linesize.2)
            frame.pointee.pts = Int64(index)
            try encode(frame, context, stream, output, packet)
        }
        try encode(nil, context, stream, output, packet)
        try check(ff.av_write_trailer(format), "writing the container trailer", path)
    }

    /// Encodes `encoding.sampleCount` samples per channel drawn by `draw` (first sample index,
    /// one buffer per channel to fill) into `path`.
    static func writeAudio(
        to path: String, _ encoding: AudioEncoding, draw: (Int, inout [[Float]]) -> Void
    ) throws(FFmpegError) {
        try FFmpegLibrary.prepare()
        guard let codec = ff.avcodec_find_encoder_by_name(encoding.encoder) else {
            throw FFmpegError(
                code: FFmpegError.encoderNotFound,
                operation: "finding the \(encoding.encoder) encoder (is FFmpeg built with it?)", file: path)
        }
        let output = try OutputFormatContext(path: path, format: encoding.container)
        let format = output.pointer!
        let encoderContext = try CodecContext(codec: codec, file: path)
        let context = encoderContext.pointer!
        context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        context.pointee.sample_rate = Int32(encoding.sampleRate)
        context.pointee.bit_rate = Int64(encoding.bitRate)
        context.pointee.time_base = AVRational(num: 1, den: Int32(encoding.sampleRate))
        ff.av_channel_layout_default(&context.pointee.ch_layout, Int32(encoding.channels))
        if format.pointee.oformat.pointee.flags & CFFmpeg_AVFMT_GLOBALHEADER() != 0 {
            context.pointee.flags |= CFFmpeg_AV_CODEC_FLAG_GLOBAL_HEADER()
        }
        let stream = try openEncoder(context, codec: codec, output: output)

        let frameSamples = context.pointee.frame_size > 0 ? Int(context.pointee.frame_size) : 1152
        let frameHandle = try Frame(file: path)
        let frame = frameHandle.pointer!
        let packet = try Packet(file: path)
        var buffers = [[Float]](repeating: [Float](repeating: 0, count: frameSamples), count: encoding.channels)
        var start = 0
        while start < encoding.sampleCount {
            let count = min(frameSamples, encoding.sampleCount - start)
            ff.av_frame_unref(frame)
            frame.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
            frame.pointee.nb_samples = Int32(count)
            frame.pointee.sample_rate = Int32(encoding.sampleRate)
            try check(ff.av_channel_layout_copy(&frame.pointee.ch_layout, &context.pointee.ch_layout), "setting the channel layout", path)
            try check(ff.av_frame_get_buffer(frame, 0), "allocating an audio frame", path)
            for channel in buffers.indices where buffers[channel].count != count {
                buffers[channel] = [Float](repeating: 0, count: count)
            }
            draw(start, &buffers)
            for (channel, samples) in buffers.enumerated() {
                let plane = UnsafeMutableRawPointer(frame.pointee.extended_data[channel]!)
                samples.withUnsafeBytes { plane.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
            frame.pointee.pts = Int64(start)
            try encode(frame, context, stream, output, packet)
            start += count
        }
        try encode(nil, context, stream, output, packet)
        try check(ff.av_write_trailer(format), "writing the container trailer", path)
    }

    private static func openEncoder(
        _ context: UnsafeMutablePointer<AVCodecContext>, codec: UnsafePointer<AVCodec>, output: OutputFormatContext
    ) throws(FFmpegError) -> UnsafeMutablePointer<AVStream> {
        let path = output.path
        let format = output.pointer!
        let name = String(cString: codec.pointee.name)
        try check(ff.avcodec_open2(context, codec, nil), "opening the \(name) encoder (avcodec_open2)", path)
        guard let stream = ff.avformat_new_stream(format, nil) else {
            throw FFmpegError(code: CFFmpeg_AVERROR(ENOMEM), operation: "adding a stream to the container", file: path)
        }
        try check(ff.avcodec_parameters_from_context(stream.pointee.codecpar, context), "copying encoder parameters", path)
        stream.pointee.time_base = context.pointee.time_base
        try check(ff.avio_open(&format.pointee.pb, path, AVIO_FLAG_WRITE), "creating the file (avio_open)", path)
        try check(ff.avformat_write_header(format, nil), "writing the container header", path)
        return stream
    }

    /// Sends one frame (nil = end of stream) and writes every packet the encoder produces.
    private static func encode(
        _ frame: UnsafeMutablePointer<AVFrame>?, _ context: UnsafeMutablePointer<AVCodecContext>,
        _ stream: UnsafeMutablePointer<AVStream>, _ output: OutputFormatContext, _ packetHandle: Packet
    ) throws(FFmpegError) {
        let path = output.path
        try check(ff.avcodec_send_frame(context, frame), "encoding a frame (avcodec_send_frame)", path)
        let packet = packetHandle.pointer!
        while true {
            let status = ff.avcodec_receive_packet(context, packet)
            if status == CFFmpeg_AVERROR_EAGAIN() || status == CFFmpeg_AVERROR_EOF() { return }
            try check(status, "encoding a packet (avcodec_receive_packet)", path)
            ff.av_packet_rescale_ts(packet, context.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            try check(ff.av_interleaved_write_frame(output.pointer, packet), "writing a packet", path)
        }
    }

    private static func copy(
        _ plane: [UInt8], width: Int, height: Int, to destination: UnsafeMutablePointer<UInt8>?, stride: Int32
    ) {
        guard let destination else { return }
        plane.withUnsafeBufferPointer { source in
            for row in 0..<height {
                (destination + row * Int(stride)).update(from: source.baseAddress! + row * width, count: width)
            }
        }
    }

    private static func check(_ status: Int32, _ operation: String, _ path: String) throws(FFmpegError) {
        if status < 0 { throw FFmpegError(code: status, operation: operation, file: path) }
    }
}

extension FFmpegLibrary {
    /// Gives the heap pages glibc holds free back to the kernel (`malloc_trim(0)`), before a
    /// memory baseline is taken.
    static func releaseFreeHeap() {
        _ = CFFmpeg_release_free_heap()
    }
}

extension FFmpegLibrary {
    /// `["libavcodec": "59.37.100", "libavformat": ..., "libavutil": ...]`.
    static var versionMap: [String: String] {
        func text(_ v: UInt32) -> String { "\(v >> 16).\((v >> 8) & 0xff).\(v & 0xff)" }
        guard let functions = FFmpegLibrary.functionsIfLoaded else { return [:] }
        return [
            "libavcodec": text(functions.avcodec_version()), "libavformat": text(functions.avformat_version()),
            "libavutil": text(functions.avutil_version()),
        ]
    }
}
