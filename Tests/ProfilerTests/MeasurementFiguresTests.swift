import Testing

@testable import Profiler

@Suite("Measurement figures")
struct MeasurementFiguresTests {
    private func run(user: Double, system: Double, wall: Double) -> DecodeMeasurement {
        DecodeMeasurement(
            file: "/c", threadsRequested: 1, threadsUsed: 1, mediaSeconds: 10, frames: 240, userSeconds: user,
            systemSeconds: system, wallSeconds: wall, frameMillisecondsP50: 1, frameMillisecondsP99: 2,
            memoryHighWaterBytes: 1)
    }

    @Test("other processes' load is the system's busy cores minus our own CPU rate")
    func backgroundLoad() {
        #expect(BackgroundLoad.otherCores(busyFraction: 0.75, cores: 2, ownCPUSeconds: 10, seconds: 10) == 0.5)
        #expect(BackgroundLoad.otherCores(busyFraction: 0.25, cores: 2, ownCPUSeconds: 10, seconds: 10) == 0)
        #expect(BackgroundLoad.otherCores(busyFraction: 1, cores: 2, ownCPUSeconds: 1, seconds: 0) == 0)
    }

    @Test("real-time factor and per-media-second figures follow from the run")
    func derivedFigures() {
        let measurement = run(user: 1.5, system: 0.5, wall: 2.5)
        #expect(measurement.cpuSecondsPerMediaSecond == 0.2)
        #expect(measurement.wallSecondsPerMediaSecond == 0.25)
        #expect(measurement.realTimeFactor == 4)
        #expect(measurement.decodeRun.threads == 1)
    }
}
