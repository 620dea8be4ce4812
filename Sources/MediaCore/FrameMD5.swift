/// Lines of `frames.md5` in the format of FFmpeg's `framemd5` muxer (`libavformat/hashenc.c`,
/// version 2): `#` header lines, then per frame `stream, dts, pts, duration, size, hash`.
///
/// The hashes are the members' (`DecodedFrame.md5`), which equal ffmpeg's for
/// `ffmpeg -i INPUT -map 0:v:0 -f framemd5 -` (video: the picture in the decoder's pixel format
/// packed with alignment 1, as the rawvideo encoder packs it) and
/// `ffmpeg -i INPUT -map 0:a:0 -c:a pcm_f32le -f framemd5 -` (audio: the decoder's float samples
/// interleaved). The timestamps are converted as the ffmpeg CLI converts them: the input's start
/// time subtracted, then rescaled (rounding to nearest) to the output time base, `1/frame rate`
/// for video and `1/sample rate` for audio; dts equals pts, as for ffmpeg's raw outputs.
/// Known difference: with Matroska's 1 ms time base the CLI's audio pts (sample-continuous
/// predictions mixed with the container's rounded stamps) can differ from ours by a few samples;
/// the hashes, sizes and durations are equal.
/// The header differs from ffmpeg's in `#software` (this program, not Lavf) and has no `#sar`.
public enum FrameMD5 {
    /// One output stream of the file.
    public struct Stream: Sendable, Hashable {
        /// The stream's index in the file (0 for the first).
        public var index: Int
        public var parameters: CodecParameters
        /// The input's start time in `parameters.timeBase`, subtracted from every pts (ffmpeg
        /// subtracts the input file's start time unless `-copyts`).
        public var startTime: Int64

        public init(index: Int, parameters: CodecParameters, startTime: Int64 = 0) {
            self.index = index
            self.parameters = parameters
            self.startTime = startTime
        }

        /// `1/frame rate` for video (1/25 when unknown), `1/sample rate` for audio.
        public var outputTimeBase: TimeBase {
            switch parameters.codec.kind {
            case .video:
                let rate = parameters.frameRate ?? TimeBase(numerator: 25, denominator: 1)
                return TimeBase(numerator: rate.denominator, denominator: rate.numerator)
            case .audio:
                return TimeBase(numerator: 1, denominator: max(1, parameters.sampleRate))
            }
        }
    }

    /// The header lines, each ending in a newline.
    public static func header(_ streams: [Stream], software: String = "Coalition") -> String {
        var text = "#format: frame checksums\n#version: 2\n#hash: MD5\n#software: \(software)\n"
        for stream in streams {
            let i = stream.index
            let base = stream.outputTimeBase
            text += "#tb \(i): \(base.numerator)/\(base.denominator)\n"
            switch stream.parameters.codec.kind {
            case .video:
                text += "#media_type \(i): video\n#codec_id \(i): rawvideo\n"
                text += "#dimensions \(i): \(stream.parameters.width)x\(stream.parameters.height)\n"
            case .audio:
                text += "#media_type \(i): audio\n#codec_id \(i): pcm_f32le\n"
                text += "#sample_rate \(i): \(stream.parameters.sampleRate)\n"
                text += "#channel_layout_name \(i): \(channelLayoutName(stream.parameters.channels))\n"
            }
        }
        return text + "#stream#, dts,        pts, duration,     size, hash\n"
    }

    /// The line of one video frame, ending in a newline (`%d, %10d, %10d, %8d, %8d, %s`); audio
    /// lines need the previous frame (`Writer`).
    public static func line(_ frame: DecodedFrame, in stream: Stream) -> String {
        let input = stream.parameters.timeBase
        let output = stream.outputTimeBase
        let pts = rescale(frame.pts - stream.startTime, from: input, to: output)
        let duration = rescale(frame.duration, from: input, to: output)
        return "\(stream.index), \(padded(pts, 10)), \(padded(pts, 10)), \(padded(duration, 8)), \(padded(Int64(frame.byteCount), 8)), \(frame.md5Hex)\n"
    }

    /// Writes the lines of one stream in order, keeping audio timestamps continuous in samples
    /// as the ffmpeg CLI does (`av_rescale_delta`: when the container's time base is coarser
    /// than a sample, as Matroska's 1 ms, a frame's pts is the previous frame's end when that
    /// lies within the rounding of its own pts).
    public struct Writer: Sendable {
        public let stream: Stream
        /// The end of the previous audio frame, in samples; nil before the first.
        private var lastEnd: Int64?

        public init(stream: Stream) {
            self.stream = stream
        }

        public mutating func line(_ frame: DecodedFrame) -> String {
            guard stream.parameters.codec.kind == .audio else { return FrameMD5.line(frame, in: stream) }
            let input = stream.parameters.timeBase
            let output = stream.outputTimeBase
            let samples = Int64(frame.byteCount) / Int64(max(1, stream.parameters.channels) * 4)
            let time = frame.pts - stream.startTime
            var pts = rescale(time, from: input, to: output)
            let coarser = Int64(input.numerator) * Int64(output.denominator) > Int64(output.numerator) * Int64(input.denominator)
            if coarser, let last = lastEnd {
                let low = floorRescale(2 * time - 1, from: input, to: output) >> 1
                let high = (ceilRescale(2 * time + 1, from: input, to: output) + 1) >> 1
                if last >= 2 * low - high && last <= 2 * high - low { pts = min(max(last, low), high) }
            }
            lastEnd = pts + samples
            return "\(stream.index), \(padded(pts, 10)), \(padded(pts, 10)), \(padded(samples, 8)), \(padded(Int64(frame.byteCount), 8)), \(frame.md5Hex)\n"
        }
    }

    private static func floorRescale(_ value: Int64, from: TimeBase, to: TimeBase) -> Int64 {
        let (quotient, remainder) = (Int64(from.denominator) * Int64(to.numerator)).dividingFullWidth(
            value.multipliedFullWidth(by: Int64(from.numerator) * Int64(to.denominator)))
        return remainder < 0 ? quotient - 1 : quotient
    }

    private static func ceilRescale(_ value: Int64, from: TimeBase, to: TimeBase) -> Int64 {
        let (quotient, remainder) = (Int64(from.denominator) * Int64(to.numerator)).dividingFullWidth(
            value.multipliedFullWidth(by: Int64(from.numerator) * Int64(to.denominator)))
        return remainder > 0 ? quotient + 1 : quotient
    }

    /// `value * from / to`, rounded to nearest with halves away from zero (FFmpeg's
    /// `av_rescale_q`), exact in 128-bit arithmetic.
    public static func rescale(_ value: Int64, from: TimeBase, to: TimeBase) -> Int64 {
        let numerator = Int64(from.numerator) * Int64(to.denominator)
        let denominator = Int64(from.denominator) * Int64(to.numerator)
        let product = value.multipliedFullWidth(by: numerator)
        let (quotient, remainder) = denominator.dividingFullWidth(product)
        let twice = remainder.magnitude * 2
        guard twice >= denominator.magnitude else { return quotient }
        return value < 0 ? quotient - 1 : quotient + 1
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// FFmpeg's name of the default layout of `channels` channels.
    private static func channelLayoutName(_ channels: Int32) -> String {
        switch channels {
        case 1: "mono"
        case 2: "stereo"
        case 3: "2.1"
        case 4: "4.0"
        case 5: "5.0(side)"
        case 6: "5.1(side)"
        case 7: "6.1"
        case 8: "7.1"
        default: "\(channels) channels"
        }
    }
}
