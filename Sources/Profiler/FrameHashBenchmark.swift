import Media
import QoSModel

/// What hashing one clip's decoded pictures took.
public struct FrameHashRun: Sendable, Equatable {
    public var file: String
    /// Pictures hashed (every frame the clip decodes to).
    public var frames: Int
    /// Bytes hashed: each picture packed without padding, in the decoder's own pixel format.
    public var bytes: UInt64
    /// CPU seconds of the hashing thread spent packing and hashing (not decoding).
    public var cpuSeconds: Double

    /// Bytes hashed per CPU second; 0 when no time was measured.
    public var bytesPerCPUSecond: Double { cpuSeconds > 0 ? Double(bytes) / cpuSeconds : 0 }
}

/// Measures the device's frame-hash rate: decodes a clip with one thread and hashes every picture
/// with the decode worker's own code (`FrameHasher`: `av_image_copy_to_buffer` then
/// `av_md5_sum`, as for `frames.md5`), timing only the hashing with the thread's CPU clock
/// (`CLOCK_THREAD_CPUTIME_ID` before and after each picture). The pictures are real decoded
/// ones, hashed just after they are decoded, as a member hashes them.
public enum FrameHashBenchmark {
    /// Hashes every picture of `path`'s first video stream. Throws `FFmpegError` naming the file
    /// when it does not decode, or decodes to no picture.
    public static func run(path: String) throws(FFmpegError) -> FrameHashRun {
        try FFmpegLibrary.prepare()
        let source = try MediaSource(path: path, kind: .video)
        let decoder = try MediaDecoder(source: source, threads: 1)
        decoder.hashesFrames = true
        while try decoder.readPacket() { try decoder.decodePacket() }
        try decoder.flush()
        let hashing = decoder.hashing
        guard hashing.frames > 0, hashing.bytes > 0 else {
            throw FFmpegError(
                code: FFmpegError.invalidData, operation: "hashing decoded pictures", file: path,
                message: "no video frame could be decoded")
        }
        return FrameHashRun(
            file: path, frames: hashing.frames, bytes: hashing.bytes, cpuSeconds: Double(hashing.cpuNanoseconds) / 1_000_000_000)
    }

    /// The profile's figure for `runs`: all their bytes over all their CPU time. Nil without a
    /// run that measured time.
    public static func measurement(of runs: [FrameHashRun]) -> FrameHashMeasurement? {
        let timed = runs.filter { $0.cpuSeconds > 0 && $0.bytes > 0 }
        guard !timed.isEmpty else { return nil }
        let bytes = timed.reduce(UInt64(0)) { $0 + $1.bytes }
        let seconds = timed.reduce(0.0) { $0 + $1.cpuSeconds }
        return FrameHashMeasurement(bytesPerCPUSecond: Double(bytes) / seconds, frames: timed.reduce(0) { $0 + $1.frames }, bytes: bytes)
    }
}
