import Foundation
import Profiler
import QoSModel

/// `coalition-bench profile`: decodes each preset's clip with our profiler and with
/// `ffmpeg -benchmark -threads 1`, alternately, on a long clip and on a short one (a fifth of it),
/// and once more per repeat with `ffmpeg -benchmark_all` for ffmpeg's decode-only CPU time.
struct BenchRunner: Sendable {
    /// Seconds of media of the long video clips. Default 10.
    var videoSeconds: Double = 10
    /// Seconds of media of the long audio clips. Default 60: decoding 10 s of MP3 takes ~10 ms,
    /// about ffmpeg's own fixed set-up cost.
    var audioSeconds: Double = 60
    /// Runs of each decoder on each clip; the best is kept. Default 5.
    var repeats = 5
    /// Where the clips are cached.
    var cache = ClipCache(directory: ClipCache.defaultDirectory())
    /// The ffmpeg executable; nil = `ffmpeg` on `PATH`.
    var ffmpeg: String?

    init() {}

    func run(progress: (ProfileProgress) -> Void = { _ in }) throws -> [BenchComparison] {
        var rows: [BenchComparison] = []
        for preset in MediaPreset.allCases {
            let seconds = if case .audio = preset { audioSeconds } else { videoSeconds }
            let long = ClipSpec(preset: preset, durationSeconds: seconds)
            let short = ClipSpec(preset: preset, durationSeconds: seconds / 5)
            let longClip = try cache.clip(for: long) { progress(.synthesizing(preset, $0)) }
            let shortClip = try cache.clip(for: short) { progress(.synthesizing(preset, $0)) }
            var ours: [[DecodeMeasurement]] = [[], []]
            var theirs: [[FFmpegBenchFigures]] = [[], []]
            var decodeOnly: [Double] = []
            for attempt in 0..<repeats {
                progress(.decoding(preset, threads: 1, Double(attempt) / Double(repeats)))
                for (index, clip) in [longClip, shortClip].enumerated() {
                    do {
                        ours[index].append(try DecodeBenchmark.run(path: clip.path, kind: long.kind, threads: 1))
                    } catch {
                        throw ClipCache.explainDamage(error)
                    }
                    theirs[index].append(
                        try FFmpegCommandBenchmark.run(clip: clip.path, kind: long.kind, threads: 1, executable: ffmpeg))
                }
                decodeOnly.append(
                    try FFmpegCommandBenchmark.runDecodeSteps(
                        clip: longClip.path, kind: long.kind, threads: 1, executable: ffmpeg
                    ).cpu)
            }
            progress(.decoding(preset, threads: 1, 1))
            let oursLong = BestRun(ours: ours[0])
            let oursShort = BestRun(ours: ours[1])
            rows.append(
                BenchComparison(
                    preset: preset, ours: oursLong, ffmpeg: BestRun(ffmpeg: theirs[0], mediaSeconds: oursLong.mediaSeconds),
                    oursShort: oursShort, ffmpegShort: BestRun(ffmpeg: theirs[1], mediaSeconds: oursShort.mediaSeconds),
                    ffmpegDecodeOnlyCPU: decodeOnly.min()))
        }
        return rows
    }
}
