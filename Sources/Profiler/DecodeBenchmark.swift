import Media
import QoSModel

/// The figures of one decode run over a clip.
public struct DecodeMeasurement: Sendable, Equatable {
    public var file: String
    /// Threads asked for (0 = FFmpeg's automatic choice).
    public var threadsRequested: Int
    /// Threads the decoder really used.
    public var threadsUsed: Int
    /// Seconds of media decoded.
    public var mediaSeconds: Double
    /// Frames decoded (video frames, or audio frames of ~1152 samples for MP3).
    public var frames: Int
    /// CPU seconds in user mode over the run (all threads of the process).
    public var userSeconds: Double
    /// CPU seconds in the kernel over the run.
    public var systemSeconds: Double
    /// Wall-clock seconds of the run.
    public var wallSeconds: Double
    /// Per-frame decode times in milliseconds: one sample per packet, the time of
    /// `avcodec_send_packet` plus the `avcodec_receive_frame` calls it enables.
    public var frameMillisecondsP50: Double
    public var frameMillisecondsP99: Double
    /// Peak resident memory the run added, in bytes (see `ProcessMemory`); nil if unknown.
    public var memoryHighWaterBytes: UInt64?

    public var cpuSeconds: Double { userSeconds + systemSeconds }
    public var cpuSecondsPerMediaSecond: Double { mediaSeconds > 0 ? cpuSeconds / mediaSeconds : 0 }
    public var userSecondsPerMediaSecond: Double { mediaSeconds > 0 ? userSeconds / mediaSeconds : 0 }
    public var wallSecondsPerMediaSecond: Double { mediaSeconds > 0 ? wallSeconds / mediaSeconds : 0 }
    /// Seconds of media decoded per wall-clock second (above 1 is faster than real time).
    public var realTimeFactor: Double { wallSeconds > 0 ? mediaSeconds / wallSeconds : 0 }

    /// The run in the capability profile's terms.
    public var decodeRun: DecodeRun {
        DecodeRun(
            threads: threadsUsed, cpuSecondsPerMediaSecond: cpuSecondsPerMediaSecond,
            wallSecondsPerMediaSecond: wallSecondsPerMediaSecond,
            frameDecodeP50Milliseconds: frameMillisecondsP50, frameDecodeP99Milliseconds: frameMillisecondsP99)
    }
}

/// Decodes a whole clip once and measures it.
///
/// The timed region starts after the file is opened and probed, just before the decoder is
/// opened, and ends after the decoder is flushed; it includes demuxing (reading packets), as
/// `ffmpeg -benchmark` does (its clock starts after the inputs are opened and probed). The decoder runs on the calling thread (plus its own worker threads when threaded).
public enum DecodeBenchmark {
    /// Decodes `path`'s first stream of `kind` with `threads` threads (0 = automatic).
    /// `expectedMediaSeconds`, when given, makes a clip that decodes to much less an error
    /// (truncated media). Damaged data is an `FFmpegError` with `AVERROR_INVALIDDATA`.
    public static func run(
        path: String, kind: MediaKind, threads: Int, expectedMediaSeconds: Double? = nil,
        progress: (Double) -> Void = { _ in }
    ) throws(FFmpegError) -> DecodeMeasurement {
        try FFmpegLibrary.prepare()
        let source = try MediaSource(path: path, kind: kind)
        var frameTimes: [Double] = []
        frameTimes.reserveCapacity(4096)
        let baseline = ProcessMemory.resetPeak()

        let start = ResourceReading.now()
        let decoder = try MediaDecoder(source: source, threads: threads)
        let expectedPackets = expectedMediaSeconds.map { $0 * (kind == .video ? decoder.rate : decoder.rate / 1152) }
        while try decoder.readPacket() {
            let before = MonotonicClock.nanoseconds()
            try decoder.decodePacket()
            let after = MonotonicClock.nanoseconds()
            frameTimes.append(Double(after - before) / 1_000_000)
            if let expectedPackets, frameTimes.count % 16 == 0 {
                progress(min(1, Double(frameTimes.count) / expectedPackets))
            }
        }
        try decoder.flush()
        let used = ResourceReading.now() - start
        let peak = ProcessMemory.read()?.peakBytes
        progress(1)

        guard decoder.framesDecoded > 0 else {
            throw FFmpegError(
                code: FFmpegError.invalidData, operation: "decoding", file: path,
                message: "no \(kind.rawValue) frame could be decoded")
        }
        if decoder.corruptFrames > 0 {
            throw FFmpegError(
                code: FFmpegError.invalidData, operation: "decoding", file: path,
                message: "\(decoder.corruptFrames) of \(decoder.framesDecoded) frames are damaged")
        }
        if let expected = expectedMediaSeconds, decoder.mediaSecondsDecoded < expected * 0.9 {
            throw FFmpegError(
                code: FFmpegError.invalidData, operation: "decoding", file: path,
                message: "only \(decoder.mediaSecondsDecoded) s of the expected \(expected) s could be decoded (truncated?)")
        }
        frameTimes.sort()
        let memory: UInt64? =
            if let baseline, let peak { peak > baseline ? peak - baseline : 0 } else { nil }
        return DecodeMeasurement(
            file: path, threadsRequested: threads, threadsUsed: decoder.threadsUsed,
            mediaSeconds: decoder.mediaSecondsDecoded, frames: decoder.framesDecoded,
            userSeconds: used.user, systemSeconds: used.system, wallSeconds: used.wall,
            frameMillisecondsP50: Percentiles.nearestRank(50, of: frameTimes),
            frameMillisecondsP99: Percentiles.nearestRank(99, of: frameTimes),
            memoryHighWaterBytes: memory)
    }
}
