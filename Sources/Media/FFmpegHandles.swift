// The owned FFmpeg handles: one `final class` per C object, freed in `deinit`. Internal to
// the Media target; only the FFmpeg*.swift files touch their pointers.
import CFFmpeg

#if canImport(Glibc)
    import Glibc
#endif

/// An `AVFormatContext` opened for reading; closed in `deinit`.
final class InputFormatContext {
    var pointer: UnsafeMutablePointer<AVFormatContext>?
    let path: String

    /// Opens `url` (a path, or `pipe:N` for a file descriptor), probing its format unless
    /// `format` names a demuxer (e.g. `mpegts`); `path` names the input in errors.
    init(path: String, url: String? = nil, format: String? = nil) throws(FFmpegError) {
        try FFmpegLibrary.prepare()
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        let demuxer = format.flatMap { ff.av_find_input_format($0) }
        if let format, demuxer == nil {
            throw FFmpegError(code: FFmpegError.decoderNotFound, operation: "finding the \(format) demuxer", file: path)
        }
        let status = ff.avformat_open_input(&context, url ?? path, demuxer, nil)
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
    var pointer: UnsafeMutablePointer<AVCodecContext>?

    init(codec: UnsafePointer<AVCodec>, file: String) throws(FFmpegError) {
        guard let context = ff.avcodec_alloc_context3(codec) else {
            throw FFmpegError(code: CFFmpeg_AVERROR(ENOMEM), operation: "allocating a codec context", file: file)
        }
        pointer = context
    }

    deinit { ff.avcodec_free_context(&pointer) }
}

/// An `AVPacket`; freed in `deinit`.
final class Packet {
    var pointer: UnsafeMutablePointer<AVPacket>?

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
    var pointer: UnsafeMutablePointer<AVFrame>?

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
    var pointer: UnsafeMutablePointer<AVFormatContext>?
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

