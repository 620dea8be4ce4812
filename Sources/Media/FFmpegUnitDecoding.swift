// Decoding one unit with libavcodec (a fresh decoder opened from the unit's own parameters) and
// hashing each emitted frame with libavutil exactly as ffmpeg's framemd5 hashes it.
// `UnitDecoder` is the safe face of this file.
import CFFmpeg
import MediaCore

#if canImport(Glibc)
    import Glibc
#endif

/// A decoder for one unit: opened from `CodecParameters`, fed `MediaPacket`s, drained into
/// `DecodedFrame`s. Frames outside the unit's emit range are decoded and dropped unhashed.
final class UnitDecodingSession {
    private let codec: CodecContext
    private let packet: Packet
    private let frame: Frame
    private let parameters: CodecParameters
    private let emit: PresentationRange
    /// Packs and hashes each emitted frame (its buffer holds the last one packed).
    private let hasher = FrameHasher()
    private(set) var frames: [DecodedFrame] = []
    /// An emitted frame the decoder flagged damaged.
    private(set) var damagedFrames = 0
    /// Thumbnails asked for (`MediaUnit.thumbnails`), made as `ThumbnailPlanner` says: thumbnail
    /// `k` from the last emitted frame at or before its time, once the next frame (or the end)
    /// shows where that frame's time on screen ends. Only 8-bit 4:2:0 pictures give thumbnails.
    private let thumbnailRequest: ThumbnailRequest?
    private var nextThumbnail: Int64 = 0
    private var lastPicture: (pts: Int64, duration: Int64, width: Int, height: Int, bytes: [UInt8])?
    private(set) var thumbnails: [Thumbnail] = []
    private var thumbnailBytes = 0
    private let maximumThumbnailBytes: Int

    /// `skipNonReference`: video frames no other frame references are not decoded
    /// (`skip_frame = AVDISCARD_NONREF`), so they are not returned either.
    init(
        parameters: CodecParameters, emit: PresentationRange, threads: Int, skipNonReference: Bool = false,
        thumbnails: ThumbnailRequest? = nil, maximumThumbnailBytes: Int = MediaUnitLimits.standard.maximumThumbnailBytes
    ) throws(UnitFailure) {
        do { try FFmpegLibrary.prepare() } catch { throw .unsupportedCodec }
        self.parameters = parameters
        self.emit = emit
        self.thumbnailRequest = parameters.codec.kind == .video ? thumbnails : nil
        self.maximumThumbnailBytes = maximumThumbnailBytes
        if let thumbnails { nextThumbnail = ThumbnailPlanner.firstIndex(thumbnails, atOrAfter: emit.start) }
        let id: AVCodecID =
            switch parameters.codec {
            case .h264: AV_CODEC_ID_H264
            case .aac: AV_CODEC_ID_AAC
            case .mp3: AV_CODEC_ID_MP3
            }
        guard let decoder = ff.avcodec_find_decoder(id) else { throw .unsupportedCodec }
        do {
            codec = try CodecContext(codec: decoder, file: "unit")
            packet = try Packet(file: "unit")
            frame = try Frame(file: "unit")
        } catch {
            throw .outOfMemory
        }
        let context = codec.pointer!
        context.pointee.pkt_timebase = AVRational(num: parameters.timeBase.numerator, den: parameters.timeBase.denominator)
        context.pointee.thread_count = Int32(max(0, threads))
        if !parameters.extradata.isEmpty {
            let count = parameters.extradata.count
            guard let extradata = ff.av_mallocz(count + Int(AV_INPUT_BUFFER_PADDING_SIZE))?.assumingMemoryBound(to: UInt8.self) else {
                throw .outOfMemory
            }
            parameters.extradata.withUnsafeBufferPointer { extradata.update(from: $0.baseAddress!, count: count) }
            context.pointee.extradata = extradata  // freed with the context
            context.pointee.extradata_size = Int32(count)
        }
        switch parameters.codec.kind {
        case .video:
            context.pointee.width = parameters.width
            context.pointee.height = parameters.height
        case .audio:
            context.pointee.sample_rate = parameters.sampleRate
            if parameters.channels > 0 { ff.av_channel_layout_default(&context.pointee.ch_layout, parameters.channels) }
        }
        context.pointee.bit_rate = parameters.bitRate
        if skipNonReference && parameters.codec.kind == .video { context.pointee.skip_frame = AVDISCARD_NONREF }
        guard ff.avcodec_open2(context, decoder, nil) >= 0 else { throw .invalidData }
    }

    /// Sends one packet and drains the frames it made available. Returns false when the decoder
    /// refused the packet.
    func decode(_ mediaPacket: MediaPacket) throws(UnitFailure) -> Bool {
        let packet = packet.pointer!
        ff.av_packet_unref(packet)
        guard ff.av_new_packet(packet, Int32(mediaPacket.data.count)) >= 0 else { throw .outOfMemory }
        mediaPacket.data.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { packet.pointee.data.update(from: base, count: source.count) }
        }
        let noTimestamp = CFFmpeg_AV_NOPTS_VALUE()
        packet.pointee.pts = mediaPacket.pts ?? noTimestamp
        packet.pointee.dts = mediaPacket.dts ?? noTimestamp
        packet.pointee.duration = mediaPacket.duration
        packet.pointee.flags = (mediaPacket.isKeyframe ? AV_PKT_FLAG_KEY : 0) | (mediaPacket.isDisposable ? AV_PKT_FLAG_DISPOSABLE : 0)
        if mediaPacket.trimStart != 0 || mediaPacket.trimEnd != 0 {
            guard let side = ff.av_packet_new_side_data(packet, AV_PKT_DATA_SKIP_SAMPLES, 10) else { throw .outOfMemory }
            for index in 0..<4 {
                side[index] = UInt8(truncatingIfNeeded: mediaPacket.trimStart >> (8 * UInt32(index)))
                side[4 + index] = UInt8(truncatingIfNeeded: mediaPacket.trimEnd >> (8 * UInt32(index)))
            }
        }
        while true {
            let sent = ff.avcodec_send_packet(codec.pointer, packet)
            if sent == CFFmpeg_AVERROR_EAGAIN() {
                // Output is full: drain, then send the same packet again.
                guard try receive() > 0 else { return false }
                continue
            }
            guard sent >= 0 else {
                _ = try? receive()
                return false
            }
            break
        }
        return try receive() >= 0
    }

    /// Signals the end of the unit and drains what the decoder still holds.
    func flush() throws(UnitFailure) {
        _ = ff.avcodec_send_packet(codec.pointer, nil)
        _ = try receive()
        if let last = lastPicture { makeThumbnails(from: last, before: emit.end ?? (last.pts + max(1, last.duration))) }
        lastPicture = nil
    }

    /// After an emitted video frame was packed into `buffer`: the previous frame's thumbnails
    /// (due before this frame), and this frame kept as the candidate for the next ones.
    private func pictureEmitted(_ frame: UnsafeMutablePointer<AVFrame>, pts: Int64, duration: Int64, bytes count: Int) {
        guard thumbnailRequest != nil else { return }
        if let last = lastPicture { makeThumbnails(from: last, before: pts) }
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        lastPicture = format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVJ420P
            ? (pts, duration, Int(frame.pointee.width), Int(frame.pointee.height), Array(hasher.buffer[0..<count])) : nil
    }

    /// The thumbnails due before `end` that `picture` shows, within the result's limits.
    private func makeThumbnails(from picture: (pts: Int64, duration: Int64, width: Int, height: Int, bytes: [UInt8]), before end: Int64) {
        guard let request = thumbnailRequest else { return }
        let tileBytes = request.tileWidth * request.tileHeight * 3
        while let t = ThumbnailPlanner.time(request, nextThumbnail), t < end {
            defer { nextThumbnail += 1 }
            guard thumbnails.count < Thumbnail.maximumPerResult, thumbnailBytes + tileBytes <= maximumThumbnailBytes else { continue }
            let width = picture.width, height = picture.height
            let chromaWidth = (width + 1) / 2, chromaHeight = (height + 1) / 2
            let lumaCount = width * height, chromaCount = chromaWidth * chromaHeight
            guard picture.bytes.count >= lumaCount + 2 * chromaCount else { return }
            let luma = ThumbnailScaler.Plane(samples: Array(picture.bytes[0..<lumaCount]), width: width, height: height, stride: width)
            let cb = ThumbnailScaler.Plane(
                samples: Array(picture.bytes[lumaCount..<(lumaCount + chromaCount)]), width: chromaWidth, height: chromaHeight, stride: chromaWidth)
            let cr = ThumbnailScaler.Plane(
                samples: Array(picture.bytes[(lumaCount + chromaCount)..<(lumaCount + 2 * chromaCount)]), width: chromaWidth,
                height: chromaHeight, stride: chromaWidth)
            let rgb = ThumbnailScaler.rgbTile(luma: luma, cb: cb, cr: cr, tileWidth: request.tileWidth, tileHeight: request.tileHeight)
            thumbnails.append(Thumbnail(index: UInt32(nextThumbnail), pts: picture.pts, width: request.tileWidth, height: request.tileHeight, rgb: rgb))
            thumbnailBytes += tileBytes
        }
    }

    /// Receives every available frame; returns how many, or -1 after a decoding error.
    private func receive() throws(UnitFailure) -> Int {
        let context = codec.pointer!
        let frame = frame.pointer!
        var received = 0
        while true {
            let status = ff.avcodec_receive_frame(context, frame)
            if status == CFFmpeg_AVERROR_EAGAIN() || status == CFFmpeg_AVERROR_EOF() { return received }
            guard status >= 0 else { return -1 }
            received += 1
            defer { ff.av_frame_unref(frame) }
            let pts = frame.pointee.best_effort_timestamp
            guard pts != CFFmpeg_AV_NOPTS_VALUE(), emit.contains(pts) else { continue }
            if frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 || frame.pointee.decode_error_flags != 0 { damagedFrames += 1 }
            let decoded = try hash(frame, pts: pts)
            frames.append(decoded)
            if parameters.codec.kind == .video { pictureEmitted(frame, pts: pts, duration: decoded.duration, bytes: Int(decoded.byteCount)) }
        }
    }

    /// The frame's MD5 over the bytes ffmpeg's framemd5 hashes.
    private func hash(_ frame: UnsafeMutablePointer<AVFrame>, pts: Int64) throws(UnitFailure) -> DecodedFrame {
        let duration: Int64
        switch parameters.codec.kind {
        case .video:
            duration = max(0, frame.pointee.pkt_duration)
        case .audio:
            let sampleRate = frame.pointee.sample_rate > 0 ? frame.pointee.sample_rate : parameters.sampleRate
            duration = FrameMD5.rescale(
                Int64(frame.pointee.nb_samples), from: TimeBase(numerator: 1, denominator: max(1, sampleRate)), to: parameters.timeBase)
        }
        let (count, digest) = try hasher.hash(frame, kind: parameters.codec.kind)
        return DecodedFrame(pts: pts, duration: duration, byteCount: UInt32(count), md5: digest)
    }
}

/// Hashes decoded frames as ffmpeg's framemd5 muxer does: the frame's bytes laid out as the
/// rawvideo encoder (video) or `pcm_*le` (audio) would write them, then `av_md5_sum` over them.
/// The one hashing code of the project: a member's decode worker (``UnitDecoder``) hashes every
/// emitted frame with it, and `node profile` measures its rate with it (``MediaDecoder``'s
/// `hashing`). Not thread-safe; one per decoder.
package final class FrameHasher {
    /// The packed picture or interleaved samples of the frame hashed last (reused).
    private(set) var buffer: [UInt8] = []

    package init() {}

    /// Packs `frame` into `buffer` and returns the byte count and its 16-byte MD5.
    func hash(_ frame: UnsafeMutablePointer<AVFrame>, kind: StreamKind) throws(UnitFailure) -> (count: Int, md5: [UInt8]) {
        let count: Int =
            switch kind {
            case .video: try packPicture(frame)
            case .audio: try interleaveSamples(frame)
            }
        var digest = [UInt8](repeating: 0, count: 16)
        buffer.withUnsafeBufferPointer { bytes in ff.av_md5_sum(&digest, bytes.baseAddress, count) }
        return (count, digest)
    }

    /// Video: the planes packed one after another without padding, in the decoder's own pixel
    /// format (`av_image_copy_to_buffer`, alignment 1), as the rawvideo encoder packs a picture.
    private func packPicture(_ frame: UnsafeMutablePointer<AVFrame>) throws(UnitFailure) -> Int {
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        let width = frame.pointee.width
        let height = frame.pointee.height
        let size = ff.av_image_get_buffer_size(format, width, height, 1)
        guard size > 0 else { throw .invalidData }
        if buffer.count < Int(size) { buffer = [UInt8](repeating: 0, count: Int(size)) }
        let copied = withUnsafePointer(to: &frame.pointee.data) { planes in
            withUnsafePointer(to: &frame.pointee.linesize) { strides in
                planes.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: Int(AV_NUM_DATA_POINTERS)) { planes in
                    strides.withMemoryRebound(to: Int32.self, capacity: Int(AV_NUM_DATA_POINTERS)) { strides in
                        buffer.withUnsafeMutableBufferPointer { destination in
                            ff.av_image_copy_to_buffer(destination.baseAddress, size, planes, strides, format, width, height, 1)
                        }
                    }
                }
            }
        }
        guard copied == size else { throw .invalidData }
        return Int(size)
    }

    /// Audio: the samples interleaved (channel by channel within each sample) in the packed form
    /// of the decoder's sample format, as `-c:a pcm_f32le` writes AAC's and MP3's float samples.
    private func interleaveSamples(_ frame: UnsafeMutablePointer<AVFrame>) throws(UnitFailure) -> Int {
        let format = AVSampleFormat(rawValue: frame.pointee.format)
        let bytesPerSample = Int(ff.av_get_bytes_per_sample(format))
        let channels = Int(frame.pointee.ch_layout.nb_channels)
        let samples = Int(frame.pointee.nb_samples)
        guard bytesPerSample > 0, channels > 0, let planes = frame.pointee.extended_data else { throw .invalidData }
        let size = samples * channels * bytesPerSample
        if buffer.count < size { buffer = [UInt8](repeating: 0, count: size) }
        let planar = ff.av_sample_fmt_is_planar(format) != 0
        buffer.withUnsafeMutableBufferPointer { destination in
            let output = destination.baseAddress!
            if !planar {
                output.update(from: planes[0]!, count: size)
                return
            }
            for channel in 0..<channels {
                let plane = planes[channel]!
                for sample in 0..<samples {
                    (output + (sample * channels + channel) * bytesPerSample).update(from: plane + sample * bytesPerSample, count: bytesPerSample)
                }
            }
        }
        return size
    }
}
