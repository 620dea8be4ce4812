// Demuxing with libavformat: an input opened and probed, its streams described as
// `CodecParameters`, its packets read as `MediaPacket`s. `Demuxer` is the safe face of this file.
import CFFmpeg
import MediaCore

#if canImport(Glibc)
    import Glibc
#endif

/// What libavformat says about one stream of an opened input.
struct ProbedStream {
    /// The stream's index in the container.
    var containerIndex: Int32
    var kind: StreamKind?
    /// FFmpeg's name of the codec (`h264`, `hevc`, `png`, `aac`, ...).
    var codecName: String
    /// nil when the codec is not one a coalition decodes.
    var codec: Codec?
    /// A cover picture (`AV_DISPOSITION_ATTACHED_PIC`), not a video.
    var isAttachedPicture: Bool
    var parameters: CodecParameters?
    /// The input's start time in this stream's time base (what the ffmpeg CLI subtracts).
    var startTime: Int64
}

/// An input opened for demuxing, with the packet it reads into.
final class DemuxingContext {
    let name: String
    private let input: InputFormatContext
    private let packet: Packet

    /// Opens `url` (forcing the demuxer `format` when given) and reads its stream information.
    init(name: String, url: String, format: String?) throws(FFmpegError) {
        self.name = name
        input = try InputFormatContext(path: name, url: url, format: format)
        packet = try Packet(file: name)
    }

    /// The demuxer's short name (`mov,mp4,m4a,3gp,3g2,mj2`, `mpegts`, `tty`, ...).
    var formatName: String { String(cString: input.pointer!.pointee.iformat.pointee.name) }

    /// The bytes read from the input so far (the position of the next read).
    var bytePosition: Int64 {
        guard let io = input.pointer?.pointee.pb else { return 0 }
        return ff.avio_seek(io, 0, SEEK_CUR)
    }

    var streams: [ProbedStream] {
        let context = input.pointer!
        let fileStart = context.pointee.start_time
        return (0..<Int(context.pointee.nb_streams)).map { index in
            let stream = context.pointee.streams[index]!
            let codecpar = stream.pointee.codecpar!
            let timeBase = stream.pointee.time_base
            let kind: StreamKind? =
                switch codecpar.pointee.codec_type {
                case AVMEDIA_TYPE_VIDEO: .video
                case AVMEDIA_TYPE_AUDIO: .audio
                default: nil
                }
            let codec: Codec? =
                switch codecpar.pointee.codec_id {
                case AV_CODEC_ID_H264: .h264
                case AV_CODEC_ID_AAC: .aac
                case AV_CODEC_ID_MP3: .mp3
                default: nil
                }
            var parameters: CodecParameters?
            if let codec, timeBase.num > 0, timeBase.den > 0 {
                let extradata =
                    codecpar.pointee.extradata.map { Array(UnsafeBufferPointer(start: $0, count: Int(codecpar.pointee.extradata_size))) } ?? []
                let guessed = ff.av_guess_frame_rate(context, stream, nil)
                let video = codec.kind == .video
                parameters = CodecParameters(
                    codec: codec, timeBase: TimeBase(numerator: timeBase.num, denominator: timeBase.den), extradata: extradata,
                    width: video ? codecpar.pointee.width : 0, height: video ? codecpar.pointee.height : 0,
                    pixelFormat: video ? codecpar.pointee.format : -1,
                    frameRate: video && guessed.num > 0 && guessed.den > 0 ? TimeBase(numerator: guessed.num, denominator: guessed.den) : nil,
                    sampleRate: video ? 0 : codecpar.pointee.sample_rate, channels: video ? 0 : codecpar.pointee.ch_layout.nb_channels,
                    sampleFormat: video ? -1 : codecpar.pointee.format, bitRate: max(0, codecpar.pointee.bit_rate))
            }
            // What the ffmpeg CLI subtracts when this stream alone is mapped: the input's start
            // time, or for formats with timestamp discontinuities (MPEG-TS) the start of the
            // mapped stream when that is later ("Correcting start time", fftools/ffmpeg.c).
            let microseconds = TimeBase(numerator: 1, denominator: AV_TIME_BASE)
            let streamBase = TimeBase(numerator: max(1, timeBase.num), denominator: max(1, timeBase.den))
            var startMicroseconds = fileStart
            if context.pointee.iformat.pointee.flags & AVFMT_TS_DISCONT != 0, stream.pointee.start_time != CFFmpeg_AV_NOPTS_VALUE() {
                let own = FrameMD5.rescale(stream.pointee.start_time, from: streamBase, to: microseconds)
                if fileStart == CFFmpeg_AV_NOPTS_VALUE() || own > fileStart { startMicroseconds = own }
            }
            let start =
                startMicroseconds == CFFmpeg_AV_NOPTS_VALUE() || timeBase.num <= 0
                ? 0 : FrameMD5.rescale(startMicroseconds, from: microseconds, to: streamBase)
            return ProbedStream(
                containerIndex: Int32(index), kind: kind, codecName: ff.avcodec_get_name(codecpar.pointee.codec_id).map { String(cString: $0) } ?? "unknown",
                codec: codec, isAttachedPicture: stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0,
                parameters: parameters, startTime: start)
        }
    }

    /// One packet as read.
    struct ReadPacket {
        var containerIndex: Int32
        var packet: MediaPacket
        /// The demuxer flagged it damaged (`AV_PKT_FLAG_CORRUPT`).
        var isCorrupt: Bool
        /// Its byte position in the input, -1 when unknown.
        var position: Int64
    }

    /// The next packet of any stream, or nil at the end of the input. Throws FFmpeg's error.
    func read() throws(FFmpegError) -> ReadPacket? {
        let packet = packet.pointer!
        ff.av_packet_unref(packet)
        let status = ff.av_read_frame(input.pointer, packet)
        if status == CFFmpeg_AVERROR_EOF() { return nil }
        guard status >= 0 else {
            throw FFmpegError(code: status, operation: "reading a packet (av_read_frame)", file: name)
        }
        let noTimestamp = CFFmpeg_AV_NOPTS_VALUE()
        let data = packet.pointee.data.map { Array(UnsafeBufferPointer(start: $0, count: Int(packet.pointee.size))) } ?? []
        var trimStart: UInt32 = 0
        var trimEnd: UInt32 = 0
        var sideSize: Int = 0
        if let side = ff.av_packet_get_side_data(packet, AV_PKT_DATA_SKIP_SAMPLES, &sideSize), sideSize >= 8 {
            // Two little-endian 32-bit counts: samples to skip at the start, to discard at the end.
            func le32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(side[at + $1]) << (8 * $1) } }
            trimStart = le32(0)
            trimEnd = le32(4)
        }
        let flags = packet.pointee.flags
        let mediaPacket = MediaPacket(
            pts: packet.pointee.pts == noTimestamp ? nil : packet.pointee.pts,
            dts: packet.pointee.dts == noTimestamp ? nil : packet.pointee.dts,
            duration: max(0, packet.pointee.duration), isKeyframe: flags & AV_PKT_FLAG_KEY != 0,
            isDisposable: flags & AV_PKT_FLAG_DISPOSABLE != 0, data: data, trimStart: trimStart, trimEnd: trimEnd)
        return ReadPacket(
            containerIndex: packet.pointee.stream_index, packet: mediaPacket,
            isCorrupt: flags & AV_PKT_FLAG_CORRUPT != 0, position: packet.pointee.pos)
    }
}
