import Foundation
import Media
import QoSModel

/// Where a profiling run is, for progress display.
public enum ProfileProgress: Sendable, Equatable {
    /// Making the test clip of a preset (share done 0...1).
    case synthesizing(MediaPreset, Double)
    /// Decoding a preset's clip; `threads` is the thread count asked for (0 = automatic).
    case decoding(MediaPreset, threads: Int, Double)
    /// Hashing a video preset's decoded pictures, as a decode worker does for `frames.md5`.
    case hashing(MediaPreset, Double)
    /// A preset is measured.
    case measured(PresetResult)
}

/// Both runs of one preset.
public struct PresetResult: Sendable, Equatable {
    public var preset: MediaPreset
    public var clip: URL
    public var singleThread: DecodeMeasurement
    public var multiThread: DecodeMeasurement
    /// Video: hashing the clip's decoded pictures (the run with the median rate); nil for audio.
    public var frameHash: FrameHashRun?

    public init(
        preset: MediaPreset, clip: URL, singleThread: DecodeMeasurement, multiThread: DecodeMeasurement,
        frameHash: FrameHashRun? = nil
    ) {
        self.preset = preset
        self.clip = clip
        self.singleThread = singleThread
        self.multiThread = multiThread
        self.frameHash = frameHash
    }

    /// The larger of the two runs' memory high-water marks, in bytes; at least one page, since a
    /// decoder that ran used some memory even when the pages it touched were already resident.
    public var memoryHighWaterBytes: UInt64 {
        max(4096, singleThread.memoryHighWaterBytes ?? 0, multiThread.memoryHighWaterBytes ?? 0)
    }

    public var measurement: PresetMeasurement {
        PresetMeasurement(
            preset: preset, singleThread: singleThread.decodeRun, multiThread: multiThread.decodeRun,
            memoryHighWaterBytes: memoryHighWaterBytes)
    }
}

/// Measures this device: for each preset, makes (or reuses) its clip, decodes it with one thread
/// and with the default thread count, for a video preset hashes its decoded pictures as a decode
/// worker does (``FrameHashBenchmark``), and assembles a `CapabilityProfile`.
public struct ProfileRunner: Sendable {
    public var configuration: ProfilerConfiguration

    public init(configuration: ProfilerConfiguration) {
        self.configuration = configuration
    }

    /// Runs every preset in turn. Throws `FFmpegError`, `FileError` or `Proc2Error`, each naming
    /// the file and the reason.
    public func run(progress: (ProfileProgress) -> Void = { _ in }) throws -> [PresetResult] {
        let cache = ClipCache(directory: configuration.cacheDirectory)
        var results: [PresetResult] = []
        for preset in configuration.presets {
            let spec = ClipSpec(preset: preset, durationSeconds: configuration.clipDurationSeconds)
            let clip = try cache.clip(for: spec) { progress(.synthesizing(preset, $0)) }
            let single = try measure(clip, spec, threads: 1) { progress(.decoding(preset, threads: 1, $0)) }
            let threads = configuration.multiThreadCount
            let multi = try measure(clip, spec, threads: threads) { progress(.decoding(preset, threads: threads, $0)) }
            var hash: FrameHashRun?
            if spec.kind == .video { hash = try measureHash(clip) { progress(.hashing(preset, $0)) } }
            let result = PresetResult(preset: preset, clip: clip, singleThread: single, multiThread: multi, frameHash: hash)
            progress(.measured(result))
            results.append(result)
        }
        return results
    }

    /// Decodes the clip `repetitions` times; keeps the run with the median CPU time, with the
    /// largest memory high-water mark seen.
    private func measure(
        _ clip: URL, _ spec: ClipSpec, threads: Int, progress: (Double) -> Void
    ) throws -> DecodeMeasurement {
        let count = max(1, configuration.repetitions)
        var runs: [DecodeMeasurement] = []
        for index in 0..<count {
            do {
                runs.append(
                    try DecodeBenchmark.run(
                        path: clip.path, kind: spec.kind, threads: threads, expectedMediaSeconds: spec.durationSeconds
                    ) { progress((Double(index) + $0) / Double(count)) })
            } catch {
                throw ClipCache.explainDamage(error)
            }
        }
        var median = runs.sorted { $0.cpuSeconds < $1.cpuSeconds }[runs.count / 2]
        median.memoryHighWaterBytes = runs.compactMap(\.memoryHighWaterBytes).max()
        return median
    }

    /// Hashes the clip's pictures `repetitions` times; keeps the run with the median rate.
    private func measureHash(_ clip: URL, progress: (Double) -> Void) throws -> FrameHashRun {
        let count = max(1, configuration.repetitions)
        var runs: [FrameHashRun] = []
        for index in 0..<count {
            progress(Double(index) / Double(count))
            do {
                runs.append(try FrameHashBenchmark.run(path: clip.path))
            } catch {
                throw ClipCache.explainDamage(error)
            }
        }
        progress(1)
        return runs.sorted { $0.bytesPerCPUSecond < $1.bytesPerCPUSecond }[runs.count / 2]
    }

    /// The capability profile of `results`, measured on `device`.
    public func profile(
        of results: [PresetResult], device: DeviceInfo, measuredAt: Date = Date(), throttling: String? = nil,
        extraNotes: [String] = []
    ) -> CapabilityProfile {
        let specs = results.map { ClipSpec(preset: $0.preset, durationSeconds: configuration.clipDurationSeconds) }
        let notes =
            [
                "cpuSecondsPerMediaSecond: getrusage(RUSAGE_SELF) user+system time of the whole process "
                    + "(every decoder thread) from just before the decoder is opened until it is flushed, "
                    + "including demuxing, divided by the seconds of media decoded.",
                "wallSecondsPerMediaSecond: CLOCK_MONOTONIC over the same span; real-time factor = 1 / it.",
                "frameDecode p50/p99: nearest-rank percentiles of the time of one avcodec_send_packet plus "
                    + "the avcodec_receive_frame calls it enables, one sample per packet (one coded frame).",
                "memoryHighWaterBytes: the larger of both runs' VmHWM minus the VmRSS baseline taken after "
                    + "malloc_trim(0) and resetting the peak (/proc/self/clear_refs = 5) after the file is opened and before the decoder opens; "
                    + "resident pages have 4 KiB granularity and reuse pages the heap already holds, so a decoder needing "
                    + "less than that (MP3) can read 0 and is recorded as one page (4096 bytes).",
                "Each figure is from the run with the median CPU time of \(configuration.repetitions) runs.",
                "multiThread: thread_count 0 (FFmpeg's choice; cores + 1 frame threads for H.264); "
                    + "audio decoders are single-threaded.",
                "frameHash.bytesPerCPUSecond: bytes of decoded picture data (each picture packed without padding in "
                    + "the decoder's pixel format, yuv420p here: width x height x 1.5) hashed per CPU second of one thread, "
                    + "packing (av_image_copy_to_buffer) and av_md5_sum as a member's decode worker hashes every picture "
                    + "for frames.md5 (the same code, FrameHasher); CLOCK_THREAD_CPUTIME_ID around each picture's hash, "
                    + "just after it is decoded (single-thread decode), summed over the video clips' pictures, each clip's "
                    + "run with the median rate of \(configuration.repetitions).",
                "Clips are synthesised in-process with deterministic moving content: "
                    + specs.map(\.encodingSummary).joined(separator: "; ") + ".",
            ] + extraNotes
        return CapabilityProfile(
            id: ProfileNaming.id(model: device.model, hostname: device.hostname),
            device: device,
            measurement: MeasurementInfo(
                measuredAt: measuredAt, tool: "node profile (Coalition)", libraries: FFmpegLibrary.versionMap,
                clipDurationSeconds: configuration.clipDurationSeconds, throttling: throttling, notes: notes),
            presets: results.map(\.measurement),
            frameHash: FrameHashBenchmark.measurement(of: results.compactMap(\.frameHash)))
    }
}
