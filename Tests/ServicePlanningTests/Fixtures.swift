import Foundation
import QoSModel

/// A profile built in code: single-thread costs per preset scaled by `slowness` (1 = SD 0.3,
/// HD 0.8, FHD 1.9 cores per media second; audio 0.02-0.04), memory 30/45/60 MiB for video
/// and 8 MiB for audio.
func makeProfile(id: String = "board", slowness: Double = 1, videoMemoryMiB: UInt64 = 30) -> CapabilityProfile {
    let cpu: [MediaPreset: Double] = [
        .video(.sd): 0.30, .video(.hd): 0.80, .video(.fhd): 1.90,
        .audio(.low): 0.02, .audio(.medium): 0.03, .audio(.high): 0.04,
    ]
    let memory: [MediaPreset: UInt64] = [
        .video(.sd): videoMemoryMiB << 20, .video(.hd): (videoMemoryMiB + 15) << 20, .video(.fhd): (videoMemoryMiB + 30) << 20,
        .audio(.low): 8 << 20, .audio(.medium): 8 << 20, .audio(.high): 8 << 20,
    ]
    let presets = MediaPreset.allCases.map { preset in
        let seconds = cpu[preset]! * slowness
        return PresetMeasurement(
            preset: preset,
            singleThread: DecodeRun(
                threads: 1, cpuSecondsPerMediaSecond: seconds, wallSecondsPerMediaSecond: seconds,
                frameDecodeP50Milliseconds: 5, frameDecodeP99Milliseconds: 9),
            multiThread: DecodeRun(
                threads: 4, cpuSecondsPerMediaSecond: seconds * 1.1, wallSecondsPerMediaSecond: seconds / 3,
                frameDecodeP50Milliseconds: 2, frameDecodeP99Milliseconds: 4),
            memoryHighWaterBytes: memory[preset]!)
    }
    return CapabilityProfile(
        id: id,
        device: DeviceInfo(
            model: "Test Board", cpu: "Cortex-A53", cores: 4, memoryBytes: 1 << 30, architecture: "aarch64",
            hostname: "test", isBuildMachine: false),
        measurement: MeasurementInfo(
            measuredAt: Date(timeIntervalSince1970: 1_800_000_000), tool: "test", libraries: [:], clipDurationSeconds: 10),
        presets: presets)
}
