import MediaCore
import SystemCalls

/// Decodes units as a member does: a fresh decoder per unit, opened from the unit's own codec
/// parameters and extradata, every packet fed (pre-roll and trailing packets included), flushed,
/// and only the frames whose presentation time lies in `unit.emit` reported, each with the MD5
/// that `ffmpeg -i INPUT -map 0:v:0 -f framemd5 -` (video) or
/// `ffmpeg -i INPUT -map 0:a:0 -c:a pcm_f32le -f framemd5 -` (audio) prints for it.
///
/// A unit fails (`UnitResult.failure`, no frames) when the decoder refuses one of its own packets
/// (pre-roll packets may fail: they only prime the decoder), or flags an emitted frame damaged.
public enum UnitDecoder {
    /// Decodes `unit` with `threads` decoder threads. Default 1: the member's cgroup share is the
    /// limit, and one thread keeps the CPU time measured exact (`CLOCK_THREAD_CPUTIME_ID` of the
    /// calling thread); with more, the whole process's CPU time (`getrusage`) is reported.
    /// 0 lets FFmpeg choose.
    public static func decode(_ unit: MediaUnit, threads: Int = 1) -> UnitResult {
        let singleThread = threads == 1
        let before = cpuNanoseconds(singleThread)
        var result = UnitResult(sequence: unit.sequence, stream: unit.stream, frames: [], cpuNanoseconds: 0)
        do throws(UnitFailure) {
            let session = try UnitDecodingSession(parameters: unit.parameters, emit: unit.emit, threads: threads)
            for (index, packet) in unit.packets.enumerated() {
                let accepted = try session.decode(packet)
                if !accepted && index >= Int(unit.preRoll) { throw .invalidData }
            }
            try session.flush()
            guard session.damagedFrames == 0 else { throw .invalidData }
            result.frames = session.frames
        } catch {
            result.failure = error
        }
        result.cpuNanoseconds = cpuNanoseconds(singleThread) - before
        return result
    }

    /// The worker's entry point: an encoded `MediaUnit` in, an encoded `UnitResult` out. Bytes
    /// that are not a unit give a `.malformedUnit` result (sequence and stream 0 when unknown);
    /// never a crash.
    public static func decode(unitBytes: [UInt8], threads: Int = 1, limits: MediaUnitLimits = .standard) -> [UInt8] {
        let unit: MediaUnit
        do {
            unit = try MediaUnitEncoding.decodeUnit(unitBytes, limits: limits)
        } catch {
            let sequence = unitBytes.count >= 5 ? unitBytes[1...4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } : 0
            let stream = unitBytes.count >= 6 ? unitBytes[5] : 0
            return MediaUnitEncoding.encode(
                UnitResult(sequence: sequence, stream: stream, frames: [], failure: .malformedUnit, cpuNanoseconds: 0))
        }
        var result = decode(unit, threads: threads)
        if result.frames.count > limits.maximumFrames {
            result.frames = []
            result.failure = .malformedUnit
        }
        return MediaUnitEncoding.encode(result)
    }

    private static func cpuNanoseconds(_ singleThread: Bool) -> UInt64 {
        if singleThread { return CurrentProcess.threadCPUNanoseconds() }
        let time = CurrentProcess.cpuTime(of: .process)
        return UInt64((time.user + time.system) * 1_000_000_000)
    }
}
