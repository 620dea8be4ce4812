// The Profiler's whole-file decode: a file's best stream of one kind, decoded one packet at a
// time so each step can be timed, optionally hashing each frame as a decode worker does.
import CFFmpeg
import MediaCore
import SystemCalls

#if canImport(Glibc)
    import Glibc
#endif

/// A media file opened and probed, with its best stream of one kind and that stream's decoder
/// found (not yet opened).
package final class MediaSource {
    package let path: String
    package let kind: MediaKind
    let input: InputFormatContext
    let streamIndex: Int32
    let decoder: UnsafePointer<AVCodec>

    /// Opens `path` and picks its best stream of `kind`.
    package init(path: String, kind: MediaKind) throws(FFmpegError) {
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
package final class MediaDecoder {
    let path: String
    let kind: MediaKind
    /// Threads the decoder really uses (FFmpeg resolves a request of 0 to cores + 1 for frame
    /// threading; a codec without threading uses 1).
    package let threadsUsed: Int
    /// Frames per second for video (from the stream), samples per second for audio.
    package let rate: Double
    /// Frames decoded so far (video frames or audio frames).
    package private(set) var framesDecoded = 0
    /// Audio samples per channel decoded so far (0 for video).
    package private(set) var samplesDecoded = 0
    /// Frames the decoder flagged as corrupt.
    package private(set) var corruptFrames = 0
    /// When set, every decoded frame is also hashed as a member's decode worker hashes it
    /// (``FrameHasher``), on the calling thread, and the hashing counted in `hashing`.
    package var hashesFrames = false
    /// What hashing the frames took so far (zero unless `hashesFrames`).
    package private(set) var hashing = FrameHashing()
    private let hasher = FrameHasher()

    private let source: MediaSource
    private let codec: CodecContext
    private let packet: Packet
    private let frame: Frame
    private var streamIndex: Int32 { source.streamIndex }
    private var input: InputFormatContext { source.input }

    /// Opens a decoder for `source`'s stream with `threads` threads (0 = FFmpeg's automatic
    /// choice). `strict` makes the decoder stop at the first damaged bit of data
    /// (`AV_EF_EXPLODE`) instead of concealing it.
    package init(source: MediaSource, threads: Int, strict: Bool = true) throws(FFmpegError) {
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
    package var mediaSecondsDecoded: Double {
        guard rate > 0 else { return 0 }
        return kind == .video ? Double(framesDecoded) / rate : Double(samplesDecoded) / rate
    }

    /// Reads the next packet of the chosen stream (skipping others). False at the end of the file.
    package func readPacket() throws(FFmpegError) -> Bool {
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
    package func decodePacket() throws(FFmpegError) -> Int {
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
    package func flush() throws(FFmpegError) -> Int {
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
            if hashesFrames { try hash(frame) }
            ff.av_frame_unref(frame)
        }
    }

    /// Hashes `frame` with the decode worker's code, timing it with this thread's CPU clock.
    private func hash(_ frame: UnsafeMutablePointer<AVFrame>) throws(FFmpegError) {
        let before = CurrentProcess.threadCPUNanoseconds()
        let count: Int
        do {
            count = try hasher.hash(frame, kind: kind == .video ? .video : .audio).count
        } catch {
            throw FFmpegError(code: FFmpegError.invalidData, operation: "hashing a decoded frame", file: path, message: "\(error)")
        }
        let after = CurrentProcess.threadCPUNanoseconds()
        hashing.frames += 1
        hashing.bytes += UInt64(count)
        hashing.cpuNanoseconds += after - before
    }
}

/// What hashing decoded frames took: frames, bytes hashed and the hashing thread's CPU time.
package struct FrameHashing: Sendable, Equatable {
    package var frames = 0
    package var bytes: UInt64 = 0
    package var cpuNanoseconds: UInt64 = 0

    package init() {}
}
