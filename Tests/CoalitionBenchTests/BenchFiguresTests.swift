import Foundation
import QoSModel
import Testing

@testable import Profiler
@testable import coalition_bench

@Suite("Benchmark figures")
struct BenchFiguresTests {
    private func run(user: Double, system: Double, wall: Double) -> DecodeMeasurement {
        DecodeMeasurement(
            file: "/c", threadsRequested: 1, threadsUsed: 1, mediaSeconds: 10, frames: 240, userSeconds: user,
            systemSeconds: system, wallSeconds: wall, frameMillisecondsP50: 1, frameMillisecondsP99: 2,
            memoryHighWaterBytes: 1)
    }

    @Test("a comparison takes the best run of each side and divides ours by ffmpeg's")
    func comparisonUsesBestRunsAndRatios() {
        let ours = BestRun(ours: [run(user: 1.0, system: 0.1, wall: 1.2), run(user: 3.0, system: 0.1, wall: 9), run(user: 1.1, system: 0.1, wall: 1.1)])
        let ffmpeg = BestRun(
            ffmpeg: [
                FFmpegBenchFigures(user: 1.0, system: 0.0, real: 1.0), FFmpegBenchFigures(user: 1.1, system: 0.0, real: 1.2),
                FFmpegBenchFigures(user: 0.5, system: 0.0, real: 1.1),
            ], mediaSeconds: 10)
        let comparison = BenchComparison(preset: .video(.hd), ours: ours, ffmpeg: ffmpeg)
        #expect(ours.user == 1.0)
        #expect(ffmpeg.user == 0.5)
        #expect(abs(comparison.userRatio - 2) < 1e-9)
        #expect(abs(comparison.wallRatio - 1.1 / 1.0) < 1e-9)
        #expect(comparison.marginalUserRatio == nil)
        #expect(BenchComparison.render([comparison], repeats: 3).contains("video.HD"))
    }

    @Test("the marginal ratio leaves out each side's fixed start-up cost")
    func marginalRatioIgnoresFixedCosts() throws {
        // Both decode at 0.1 s per media second; ffmpeg pays 0.05 s more to start.
        let comparison = BenchComparison(
            preset: .video(.sd),
            ours: BestRun(mediaSeconds: 10, user: 1.0, cpu: 1.0, wall: 1.0),
            ffmpeg: BestRun(mediaSeconds: 10, user: 1.05, cpu: 1.05, wall: 1.05),
            oursShort: BestRun(mediaSeconds: 2, user: 0.2, cpu: 0.2, wall: 0.2),
            ffmpegShort: BestRun(mediaSeconds: 2, user: 0.25, cpu: 0.25, wall: 0.25))
        #expect(abs(comparison.userRatio - 1 / 1.05) < 1e-9)
        #expect(abs(try #require(comparison.marginalUserRatio) - 1) < 1e-9)
    }
}
