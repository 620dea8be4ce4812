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
    /// `plan`: `.referenceFramesOnly` decodes and returns only the video frames other frames
    /// reference (FFmpeg's `skip_frame = AVDISCARD_NONREF`); audio ignores it.
    public static func decode(_ unit: MediaUnit, plan: DeliveryPlan = .full, threads: Int = 1) -> UnitResult {
        let singleThread = threads == 1
        let before = cpuNanoseconds(singleThread)
        var result = UnitResult(sequence: unit.sequence, stream: unit.stream, frames: [], cpuNanoseconds: 0)
        do throws(UnitFailure) {
            let session = try UnitDecodingSession(
                parameters: unit.parameters, emit: unit.emit, threads: threads, skipNonReference: plan.skipsDisposableFrames,
                thumbnails: unit.thumbnails)
            for (index, packet) in unit.packets.enumerated() {
                let accepted = try session.decode(packet)
                if !accepted && index >= Int(unit.preRoll) { throw .invalidData }
            }
            try session.flush()
            guard session.damagedFrames == 0 else { throw .invalidData }
            result.frames = session.frames
            result.thumbnails = session.thumbnails
        } catch {
            result.failure = error
        }
        result.cpuNanoseconds = cpuNanoseconds(singleThread) - before
        return result
    }

    /// The worker's entry point: an encoded `MediaUnit` in, an encoded `UnitResult` out. Bytes
    /// that are not a unit give a `.malformedUnit` result (sequence and stream 0 when unknown);
    /// never a crash.
    public static func decode(
        unitBytes: [UInt8], plan: DeliveryPlan = .full, threads: Int = 1, limits: MediaUnitLimits = .standard
    ) -> [UInt8] {
        let unit: MediaUnit
        do {
            unit = try MediaUnitEncoding.decodeUnit(unitBytes, limits: limits)
        } catch {
            return malformed(unitBytes)
        }
        var result = decode(unit, plan: plan, threads: threads)
        if result.frames.count > limits.maximumFrames {
            result.frames = []
            result.failure = .malformedUnit
        }
        return MediaUnitEncoding.encode(result)
    }

    /// Largest freed block a decode worker keeps in its heap for the next unit: 32 MiB (glibc's
    /// ceiling for the setting on 64-bit), above a 4K picture's buffers (12 MiB in 4:2:0).
    public static let keptHeapBlockBytes: Int32 = 32 << 20

    /// Readies a decode worker process before its first unit, so that neither cost falls on a
    /// unit under a live deadline:
    /// - freed picture buffers stay in the heap (`FFmpegLibrary.keepFreedHeapBlocks`): every
    ///   unit opens a fresh decoder, and without this each of its buffers would be a new mapping
    ///   whose pages fault and are zeroed again (`coalition-bench units` measures both);
    /// - FFmpeg's libraries are opened now (dlopen and symbol resolution, tens of milliseconds of
    ///   CPU, which at a small reserved share is a second or more of wall time).
    /// Returns why FFmpeg could not be opened, or nil; the worker still answers every unit (each
    /// then fails with the same reason).
    public static func prepareWorkerProcess() -> String? {
        FFmpegLibrary.keepFreedHeapBlocks(upTo: keptHeapBlockBytes)
        do {
            try FFmpegLibrary.prepare()
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// A decode worker's answer to one request of `WorkerPipe.decodeRequest` (the plan's byte,
    /// then the unit): the encoded `UnitResult`, to be framed with `WorkerPipe.frame`. A worker
    /// is a loop of `WorkerPipe.Reader.next()`, this, and a write.
    public static func answer(workerRequest bytes: [UInt8], threads: Int = 1, limits: MediaUnitLimits = .standard) -> [UInt8] {
        guard let (plan, unit) = WorkerPipe.parseDecodeRequest(bytes) else { return malformed(Array(bytes.dropFirst())) }
        return decode(unitBytes: Array(unit), plan: plan, threads: threads, limits: limits)
    }

    /// A `.malformedUnit` result, with the unit's sequence and stream when its header has them.
    private static func malformed(_ unitBytes: [UInt8]) -> [UInt8] {
        let header = MediaUnitEncoding.header(ofUnit: unitBytes)
        return MediaUnitEncoding.encode(UnitResult(
            sequence: header?.sequence ?? 0, stream: header?.stream ?? 0, frames: [], failure: .malformedUnit, cpuNanoseconds: 0))
    }

    private static func cpuNanoseconds(_ singleThread: Bool) -> UInt64 {
        if singleThread { return CurrentProcess.threadCPUNanoseconds() }
        let time = CurrentProcess.cpuTime(of: .process)
        return UInt64((time.user + time.system) * 1_000_000_000)
    }
}
