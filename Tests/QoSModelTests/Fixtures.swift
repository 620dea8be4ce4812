import Foundation
import QoSModel

/// A profile built in code for tests: a 4-core, 1 GiB board whose single-thread decode costs
/// are given per preset (CPU seconds per media second), memory 30/45/60 MiB for video and
/// 8 MiB for audio.
func makeProfile(
    cpu: [MediaPreset: Double] = [
        .video(.sd): 0.30, .video(.hd): 0.80, .video(.fhd): 1.90,
        .audio(.low): 0.02, .audio(.medium): 0.03, .audio(.high): 0.04,
    ],
    cores: Int = 4, memoryBytes: UInt64 = 1 << 30
) -> CapabilityProfile {
    let memory: [MediaPreset: UInt64] = [
        .video(.sd): 30 << 20, .video(.hd): 45 << 20, .video(.fhd): 60 << 20,
        .audio(.low): 8 << 20, .audio(.medium): 8 << 20, .audio(.high): 8 << 20,
    ]
    let presets = MediaPreset.allCases.compactMap { preset -> PresetMeasurement? in
        guard let seconds = cpu[preset] else { return nil }
        return PresetMeasurement(
            preset: preset,
            singleThread: DecodeRun(
                threads: 1, cpuSecondsPerMediaSecond: seconds, wallSecondsPerMediaSecond: seconds,
                frameDecodeP50Milliseconds: 5, frameDecodeP99Milliseconds: 9),
            multiThread: DecodeRun(
                threads: cores, cpuSecondsPerMediaSecond: seconds * 1.1, wallSecondsPerMediaSecond: seconds / 3,
                frameDecodeP50Milliseconds: 2, frameDecodeP99Milliseconds: 4),
            memoryHighWaterBytes: memory[preset]!)
    }
    return CapabilityProfile(
        id: "test-board",
        device: DeviceInfo(
            model: "Test Board", cpu: "Cortex-A53", cores: cores, memoryBytes: memoryBytes,
            architecture: "aarch64", hostname: "test", isBuildMachine: false),
        measurement: MeasurementInfo(
            measuredAt: Date(timeIntervalSince1970: 1_800_000_000), tool: "test", libraries: ["libavcodec": "59.37.100"],
            clipDurationSeconds: 10),
        presets: presets)
}

/// The profile as a mutable JSON object, to break it in one place.
func profileJSON(_ profile: CapabilityProfile = makeProfile()) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: profile.encoded()) as! [String: Any]
}

func data(_ object: [String: Any]) throws -> Data {
    try JSONSerialization.data(withJSONObject: object)
}
