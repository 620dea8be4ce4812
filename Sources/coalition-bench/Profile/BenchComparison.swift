import Foundation
import Profiler
import QoSModel

/// The best (smallest) figures of repeated runs of one decoder over one clip, in seconds.
///
/// Another process can only add CPU and wall time to a run (cache and core sharing), never remove
/// it, so on a shared machine the minimum is the steadiest estimate.
struct BestRun: Sendable, Equatable {
    var mediaSeconds: Double
    var user: Double
    var cpu: Double
    var wall: Double

    init(mediaSeconds: Double, user: Double, cpu: Double, wall: Double) {
        self.mediaSeconds = mediaSeconds
        self.user = user
        self.cpu = cpu
        self.wall = wall
    }

    init(ours runs: [DecodeMeasurement]) {
        self.init(
            mediaSeconds: runs.map(\.mediaSeconds).max() ?? 0, user: runs.map(\.userSeconds).min() ?? 0,
            cpu: runs.map(\.cpuSeconds).min() ?? 0, wall: runs.map(\.wallSeconds).min() ?? 0)
    }

    init(ffmpeg runs: [FFmpegBenchFigures], mediaSeconds: Double) {
        self.init(
            mediaSeconds: mediaSeconds, user: runs.map(\.user).min() ?? 0,
            cpu: runs.map { $0.user + $0.system }.min() ?? 0, wall: runs.map(\.real).min() ?? 0)
    }
}

/// One preset's figures from our decoder and from `ffmpeg -benchmark` on the same clip, plus,
/// when a short clip was also decoded, the marginal cost (long minus short, per extra second of
/// media), which leaves out each side's fixed start-up costs (ffmpeg's filter graph, encoder
/// and muxer set-up; first-touch page faults).
struct BenchComparison: Sendable {
    var preset: MediaPreset
    var ours: BestRun
    var ffmpeg: BestRun
    var oursShort: BestRun?
    var ffmpegShort: BestRun?
    /// ffmpeg's CPU seconds inside its decoder calls alone on the long clip (best run), from
    /// `-benchmark_all`; nil when not measured.
    var ffmpegDecodeOnlyCPU: Double?

    init(
        preset: MediaPreset, ours: BestRun, ffmpeg: BestRun, oursShort: BestRun? = nil, ffmpegShort: BestRun? = nil,
        ffmpegDecodeOnlyCPU: Double? = nil
    ) {
        self.preset = preset
        self.ours = ours
        self.ffmpeg = ffmpeg
        self.oursShort = oursShort
        self.ffmpegShort = ffmpegShort
        self.ffmpegDecodeOnlyCPU = ffmpegDecodeOnlyCPU
    }

    /// Our user+system CPU / ffmpeg's CPU inside its decode steps; nil when not measured.
    var decodeOnlyRatio: Double? { ffmpegDecodeOnlyCPU.map { ratio(ours.cpu, $0) } }

    /// Our user CPU / ffmpeg's utime.
    var userRatio: Double { ratio(ours.user, ffmpeg.user) }
    /// Our user+system CPU / ffmpeg's utime+stime.
    var cpuRatio: Double { ratio(ours.cpu, ffmpeg.cpu) }
    /// Our wall time / ffmpeg's rtime.
    var wallRatio: Double { ratio(ours.wall, ffmpeg.wall) }

    /// Our marginal user CPU per media second over ffmpeg's; nil without the short runs.
    var marginalUserRatio: Double? {
        guard let ourRate = Self.marginal(ours, oursShort, \.user), let theirRate = Self.marginal(ffmpeg, ffmpegShort, \.user)
        else { return nil }
        return ratio(ourRate, theirRate)
    }

    /// (long - short) / (media long - media short) of one figure.
    static func marginal(_ long: BestRun, _ short: BestRun?, _ figure: KeyPath<BestRun, Double>) -> Double? {
        guard let short, long.mediaSeconds > short.mediaSeconds else { return nil }
        return (long[keyPath: figure] - short[keyPath: figure]) / (long.mediaSeconds - short.mediaSeconds)
    }

    private func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : .nan }

    /// The side-by-side table `coalition-bench profile` prints.
    static func render(_ rows: [BenchComparison], repeats: Int) -> String {
        func f(_ value: Double, _ decimals: Int = 4) -> String { String(format: "%.\(decimals)f", value) }
        let header = [
            "preset", "media s", "ours user s/s", "ffmpeg utime s/s", "ratio", "ours cpu s/s", "ffmpeg u+s s/s",
            "ratio", "ours wall s", "ffmpeg rtime s", "ratio", "marginal user ratio", "ffmpeg decode-only s/s",
            "ratio",
        ]
        let table = rows.map { row -> [String] in
            let media = max(row.ours.mediaSeconds, 1e-9)
            return [
                row.preset.id, f(row.ours.mediaSeconds, 1), f(row.ours.user / media), f(row.ffmpeg.user / media),
                f(row.userRatio, 3), f(row.ours.cpu / media), f(row.ffmpeg.cpu / media), f(row.cpuRatio, 3),
                f(row.ours.wall, 3), f(row.ffmpeg.wall, 3), f(row.wallRatio, 3),
                row.marginalUserRatio.map { f($0, 3) } ?? "-",
                row.ffmpegDecodeOnlyCPU.map { f($0 / media) } ?? "-", row.decodeOnlyRatio.map { f($0, 3) } ?? "-",
            ]
        }
        var lines = [
            "decode, 1 thread, best of \(repeats) alternating runs each; ratio = ours / ffmpeg "
                + "(targets: CPU within 0.95...1.05, wall <= 1.05); marginal = (long clip - short clip) "
                + "per extra media second, without fixed start-up costs; decode-only = ffmpeg's CPU inside its "
                + "decoder calls (-benchmark_all), without its filter graph, encoder and muxer"
        ]
        lines += TextTable.render(header: header, rows: table)
        return lines.joined(separator: "\n")
    }
}
