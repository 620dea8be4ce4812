import Foundation
import QoSModel

/// One preset's figures from our decoder and from `ffmpeg -benchmark`: the best (smallest) of
/// the repeats on each side. Another process can only add CPU and wall time to a run (cache and
/// core sharing), never remove it, so on a shared machine the minimum is the steadiest estimate.
public struct BenchComparison: Sendable {
    public var preset: MediaPreset
    public var mediaSeconds: Double
    /// Smallest of our runs, in seconds.
    public var ourUser: Double, ourCPU: Double, ourWall: Double
    /// Smallest of ffmpeg's `utime`, `utime + stime` and `rtime`, in seconds.
    public var ffmpegUser: Double, ffmpegCPU: Double, ffmpegWall: Double

    public init(preset: MediaPreset, ours: [DecodeMeasurement], ffmpeg: [FFmpegBenchFigures]) {
        self.preset = preset
        mediaSeconds = ours.map(\.mediaSeconds).max() ?? 0
        ourUser = ours.map(\.userSeconds).min() ?? 0
        ourCPU = ours.map(\.cpuSeconds).min() ?? 0
        ourWall = ours.map(\.wallSeconds).min() ?? 0
        ffmpegUser = ffmpeg.map(\.user).min() ?? 0
        ffmpegCPU = ffmpeg.map { $0.user + $0.system }.min() ?? 0
        ffmpegWall = ffmpeg.map(\.real).min() ?? 0
    }

    /// Our user CPU / ffmpeg's utime.
    public var userRatio: Double { ffmpegUser > 0 ? ourUser / ffmpegUser : .nan }
    /// Our user+system CPU / ffmpeg's utime+stime.
    public var cpuRatio: Double { ffmpegCPU > 0 ? ourCPU / ffmpegCPU : .nan }
    /// Our wall time / ffmpeg's rtime.
    public var wallRatio: Double { ffmpegWall > 0 ? ourWall / ffmpegWall : .nan }

    /// The side-by-side table `node bench profile` prints.
    public static func render(_ rows: [BenchComparison], repeats: Int) -> String {
        func f(_ value: Double, _ decimals: Int = 4) -> String { String(format: "%.\(decimals)f", value) }
        let header = [
            "preset", "media s", "ours user s/s", "ffmpeg utime s/s", "ratio", "ours cpu s/s", "ffmpeg u+s s/s", "ratio",
            "ours wall s", "ffmpeg rtime s", "ratio",
        ]
        let table = rows.map { row -> [String] in
            let media = max(row.mediaSeconds, 1e-9)
            return [
                row.preset.id, f(row.mediaSeconds, 1), f(row.ourUser / media), f(row.ffmpegUser / media), f(row.userRatio, 3),
                f(row.ourCPU / media), f(row.ffmpegCPU / media), f(row.cpuRatio, 3),
                f(row.ourWall, 3), f(row.ffmpegWall, 3), f(row.wallRatio, 3),
            ]
        }
        var lines = [
            "decode, 1 thread, best of \(repeats) alternating runs each; "
                + "ratio = ours / ffmpeg (targets: CPU within 0.95...1.05, wall <= 1.05)"
        ]
        lines += TextTable.render(header: header, rows: table)
        return lines.joined(separator: "\n")
    }
}
