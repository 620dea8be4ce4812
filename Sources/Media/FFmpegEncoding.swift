// Clip synthesis for the Profiler: libavcodec's encoders fed with frames drawn in Swift, muxed
// with libavformat.
import CFFmpeg

#if canImport(Glibc)
    import Glibc
#endif

/// The settings of one synthesised video clip.
package struct VideoEncoding: Sendable, Equatable {
    package var width: Int
    package var height: Int
    package var framesPerSecond: Int
    package var frameCount: Int
    /// Target bit rate in bit/s.
    package var bitRate: Int
    /// FFmpeg encoder name.
    package var encoder = "libx264"
    /// x264 speed preset.
    package var speedPreset = "veryfast"
    /// Key frame interval in frames.
    package var gopFrames: Int
    /// Container format name (`mp4`).
    package var container = "mp4"

    package init(
        width: Int, height: Int, framesPerSecond: Int, frameCount: Int, bitRate: Int, encoder: String = "libx264",
        speedPreset: String = "veryfast", gopFrames: Int, container: String = "mp4"
    ) {
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.frameCount = frameCount
        self.bitRate = bitRate
        self.encoder = encoder
        self.speedPreset = speedPreset
        self.gopFrames = gopFrames
        self.container = container
    }
}

/// The settings of one synthesised audio clip.
package struct AudioEncoding: Sendable, Equatable {
    package var sampleRate: Int
    /// Target bit rate in bit/s.
    package var bitRate: Int
    package var channels = 2
    /// Length in samples per channel.
    package var sampleCount: Int
    /// FFmpeg encoder name.
    package var encoder = "libmp3lame"
    /// Container format name (`mp3`).
    package var container = "mp3"

    package init(
        sampleRate: Int, bitRate: Int, channels: Int = 2, sampleCount: Int, encoder: String = "libmp3lame",
        container: String = "mp3"
    ) {
        self.sampleRate = sampleRate
        self.bitRate = bitRate
        self.channels = channels
        self.sampleCount = sampleCount
        self.encoder = encoder
        self.container = container
    }
}

package enum MediaEncoder {
    /// Encodes `encoding.frameCount` frames drawn by `draw` (frame index, planes to fill) into `path`.
    package static func writeVideo(
        to path: String, _ encoding: VideoEncoding, draw: (Int, inout PlanarImage) -> Void
    ) throws(FFmpegError) {
        let (codec, output, encoderContext) = try prepareEncoder(encoding.encoder, container: encoding.container, path: path)
        let format = output.pointer!
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

    /// A PNG of an RGB picture (`width x height x 3` bytes, rows packed), by libavcodec's PNG
    /// encoder; `path` only names the picture in errors (the caller writes the bytes).
    package static func png(rgb: [UInt8], width: Int, height: Int, path: String) throws(FFmpegError) -> [UInt8] {
        precondition(width > 0 && height > 0 && rgb.count == width * height * 3, "an RGB picture is width x height x 3 bytes")
        try FFmpegLibrary.prepare()
        guard let codec = ff.avcodec_find_encoder_by_name("png") else {
            throw FFmpegError(code: FFmpegError.encoderNotFound, operation: "finding the PNG encoder", file: path)
        }
        let encoderContext = try CodecContext(codec: codec, file: path)
        let context = encoderContext.pointer!
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = AV_PIX_FMT_RGB24
        context.pointee.time_base = AVRational(num: 1, den: 1)
        try check(ff.avcodec_open2(context, codec, nil), "opening the PNG encoder (avcodec_open2)", path)
        let frameHandle = try Frame(file: path)
        let frame = frameHandle.pointer!
        frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        try check(ff.av_frame_get_buffer(frame, 0), "allocating the picture", path)
        copy(rgb, width: width * 3, height: height, to: frame.pointee.data.0, stride: frame.pointee.linesize.0)
        frame.pointee.pts = 0
        try check(ff.avcodec_send_frame(context, frame), "encoding the picture (avcodec_send_frame)", path)
        try check(ff.avcodec_send_frame(context, nil), "ending the picture (avcodec_send_frame)", path)
        let packetHandle = try Packet(file: path)
        let packet = packetHandle.pointer!
        var bytes: [UInt8] = []
        while true {
            let status = ff.avcodec_receive_packet(context, packet)
            if status == CFFmpeg_AVERROR_EAGAIN() || status == CFFmpeg_AVERROR_EOF() { break }
            try check(status, "encoding the picture (avcodec_receive_packet)", path)
            bytes += UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size))
            ff.av_packet_unref(packet)
        }
        guard !bytes.isEmpty else { throw FFmpegError(code: 0, operation: "encoding the picture: the PNG encoder gave nothing", file: path) }
        return bytes
    }

    /// Encodes `encoding.sampleCount` samples per channel drawn by `draw` (first sample index,
    /// one buffer per channel to fill) into `path`.
    package static func writeAudio(
        to path: String, _ encoding: AudioEncoding, draw: (Int, inout [[Float]]) -> Void
    ) throws(FFmpegError) {
        let (codec, output, encoderContext) = try prepareEncoder(encoding.encoder, container: encoding.container, path: path)
        let format = output.pointer!
        let context = encoderContext.pointer!
        context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        context.pointee.sample_rate = Int32(encoding.sampleRate)
        context.pointee.bit_rate = Int64(encoding.bitRate)
        context.pointee.time_base = AVRational(num: 1, den: Int32(encoding.sampleRate))
        ff.av_channel_layout_default(&context.pointee.ch_layout, Int32(encoding.channels))
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

    /// Loads FFmpeg, finds the encoder `name`, and makes the container and the codec context
    /// for `path` (nothing is opened or written yet).
    private static func prepareEncoder(
        _ name: String, container: String, path: String
    ) throws(FFmpegError) -> (UnsafePointer<AVCodec>, OutputFormatContext, CodecContext) {
        try FFmpegLibrary.prepare()
        guard let codec = ff.avcodec_find_encoder_by_name(name) else {
            throw FFmpegError(
                code: FFmpegError.encoderNotFound, operation: "finding the \(name) encoder (is FFmpeg built with it?)", file: path)
        }
        let output = try OutputFormatContext(path: path, format: container)
        return (codec, output, try CodecContext(codec: codec, file: path))
    }

    /// Opens the configured encoder (with global headers when the container wants them), adds
    /// its stream, creates the file and writes the container header.
    private static func openEncoder(
        _ context: UnsafeMutablePointer<AVCodecContext>, codec: UnsafePointer<AVCodec>, output: OutputFormatContext
    ) throws(FFmpegError) -> UnsafeMutablePointer<AVStream> {
        let path = output.path
        let format = output.pointer!
        let name = String(cString: codec.pointee.name)
        if format.pointee.oformat.pointee.flags & CFFmpeg_AVFMT_GLOBALHEADER() != 0 {
            context.pointee.flags |= CFFmpeg_AV_CODEC_FLAG_GLOBAL_HEADER()
        }
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

