import Testing

@testable import Profiler

@Suite("Measurement figures")
struct MeasurementFiguresTests {
    @Test("other processes' load is the system's busy cores minus our own CPU rate")
    func backgroundLoad() {
        #expect(BackgroundLoad.otherCores(busyFraction: 0.75, cores: 2, ownCPUSeconds: 10, seconds: 10) == 0.5)
        #expect(BackgroundLoad.otherCores(busyFraction: 0.25, cores: 2, ownCPUSeconds: 10, seconds: 10) == 0)
        #expect(BackgroundLoad.otherCores(busyFraction: 1, cores: 2, ownCPUSeconds: 1, seconds: 0) == 0)
    }

    @Test("real-time factor and per-media-second figures follow from the run")
    func derivedFigures() {
        let measurement = DecodeMeasurement(
            file: "/c", threadsRequested: 1, threadsUsed: 1, mediaSeconds: 10, frames: 240, userSeconds: 1.5,
            systemSeconds: 0.5, wallSeconds: 2.5, frameMillisecondsP50: 1, frameMillisecondsP99: 2, memoryHighWaterBytes: 1)
        #expect(measurement.cpuSecondsPerMediaSecond == 0.2)
        #expect(measurement.wallSecondsPerMediaSecond == 0.25)
        #expect(measurement.realTimeFactor == 4)
        #expect(measurement.decodeRun.threads == 1)
    }
}
