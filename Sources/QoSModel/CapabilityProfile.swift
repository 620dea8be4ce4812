import Foundation

/// A device's measured capability table: what decoding each media preset costs on it.
/// Written by `node profile`, loaded by `node join`. See `profiles/README.md` for the format.
///
/// Version 1 of the schema; `load(from:)` rejects any other version. Fields added since are
/// optional (`frameHash`), so a profile without them still loads, and a build that predates them
/// reads a profile with them (it ignores keys it does not know).
public struct CapabilityProfile: Codable, Sendable, Equatable {
    /// The schema version this build reads and writes.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// A short stable identifier, e.g. `raspberry-pi-4-model-b-rev-1-4.pi4-kitchen`; announced in
    /// the mDNS TXT record.
    public var id: String
    public var device: DeviceInfo
    public var measurement: MeasurementInfo
    /// One entry per preset of `MediaPreset.allCases`.
    public var presets: [PresetMeasurement]
    /// What hashing decoded pictures for `frames.md5` costs on this device; nil in a profile
    /// measured before `node profile` measured it (the demand estimate then says so).
    public var frameHash: FrameHashMeasurement?

    public init(
        id: String, device: DeviceInfo, measurement: MeasurementInfo, presets: [PresetMeasurement],
        frameHash: FrameHashMeasurement? = nil
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.id = id
        self.device = device
        self.measurement = measurement
        self.presets = presets
        self.frameHash = frameHash
    }

    /// The measurement of one preset, if present.
    public func measurement(of preset: MediaPreset) -> PresetMeasurement? {
        presets.first { $0.preset == preset }
    }
}

/// The device a profile was measured on.
public struct DeviceInfo: Codable, Sendable, Equatable {
    /// From `/proc/device-tree/model` on a Raspberry Pi, else the CPU model name.
    public var model: String
    /// CPU model name from `/proc/cpuinfo`.
    public var cpu: String
    /// Online CPU cores.
    public var cores: Int
    /// Total memory in bytes (MemTotal).
    public var memoryBytes: UInt64
    /// `uname -m`, e.g. `aarch64`, `x86_64`.
    public var architecture: String
    public var hostname: String
    /// True for a profile measured on a build or CI machine rather than on a board of a coalition.
    public var isBuildMachine: Bool

    public init(
        model: String, cpu: String, cores: Int, memoryBytes: UInt64, architecture: String,
        hostname: String, isBuildMachine: Bool
    ) {
        self.model = model
        self.cpu = cpu
        self.cores = cores
        self.memoryBytes = memoryBytes
        self.architecture = architecture
        self.hostname = hostname
        self.isBuildMachine = isBuildMachine
    }
}

/// When and how a profile was measured.
public struct MeasurementInfo: Codable, Sendable, Equatable {
    public var measuredAt: Date
    /// The tool and its version, e.g. `node profile 0.1`.
    public var tool: String
    /// Library versions used, e.g. `["libavcodec": "59.37.100"]`.
    public var libraries: [String: String]
    /// Length of each test clip in seconds of media.
    public var clipDurationSeconds: Double
    /// `vcgencmd get_throttled` output where it exists; nil elsewhere.
    public var throttling: String?
    /// How each figure was measured, and anything a reader should know.
    public var notes: [String]

    public init(
        measuredAt: Date, tool: String, libraries: [String: String], clipDurationSeconds: Double,
        throttling: String? = nil, notes: [String] = []
    ) {
        self.measuredAt = measuredAt
        self.tool = tool
        self.libraries = libraries
        self.clipDurationSeconds = clipDurationSeconds
        self.throttling = throttling
        self.notes = notes
    }
}

/// What decoding one preset costs.
public struct PresetMeasurement: Codable, Sendable, Equatable {
    public var preset: MediaPreset
    /// The decoder restricted to one thread.
    public var singleThread: DecodeRun
    /// The decoder with its default thread count (recorded in `threads`).
    public var multiThread: DecodeRun
    /// Peak memory the decoder added, in bytes.
    public var memoryHighWaterBytes: UInt64

    public init(
        preset: MediaPreset, singleThread: DecodeRun, multiThread: DecodeRun, memoryHighWaterBytes: UInt64
    ) {
        self.preset = preset
        self.singleThread = singleThread
        self.multiThread = multiThread
        self.memoryHighWaterBytes = memoryHighWaterBytes
    }
}

/// One decode run over a test clip.
public struct DecodeRun: Codable, Sendable, Equatable {
    /// Decoder threads used.
    public var threads: Int
    /// CPU time (user + system) spent per second of media, in seconds: 0.25 means a quarter of
    /// one core keeps up in real time; above 1 one core cannot.
    public var cpuSecondsPerMediaSecond: Double
    /// Wall-clock time per second of media, in seconds (below 1 is faster than real time).
    public var wallSecondsPerMediaSecond: Double
    /// Median time to decode one frame, in milliseconds.
    public var frameDecodeP50Milliseconds: Double
    /// 99th percentile time to decode one frame, in milliseconds.
    public var frameDecodeP99Milliseconds: Double

    public init(
        threads: Int, cpuSecondsPerMediaSecond: Double, wallSecondsPerMediaSecond: Double,
        frameDecodeP50Milliseconds: Double, frameDecodeP99Milliseconds: Double
    ) {
        self.threads = threads
        self.cpuSecondsPerMediaSecond = cpuSecondsPerMediaSecond
        self.wallSecondsPerMediaSecond = wallSecondsPerMediaSecond
        self.frameDecodeP50Milliseconds = frameDecodeP50Milliseconds
        self.frameDecodeP99Milliseconds = frameDecodeP99Milliseconds
    }
}

/// The device's frame-hash cost: how fast one thread hashes decoded pictures as a member's decode
/// worker does for `frames.md5` (each picture packed without padding, `av_image_copy_to_buffer`,
/// then `av_md5_sum` over it), measured by `node profile` over the pictures of its video clips.
public struct FrameHashMeasurement: Codable, Sendable, Equatable {
    /// Bytes of packed picture data hashed per CPU second of the hashing thread
    /// (`CLOCK_THREAD_CPUTIME_ID` around the packing and the MD5 of each picture).
    public var bytesPerCPUSecond: Double
    /// Pictures hashed in the measurement.
    public var frames: Int
    /// Bytes hashed in the measurement.
    public var bytes: UInt64

    public init(bytesPerCPUSecond: Double, frames: Int, bytes: UInt64) {
        self.bytesPerCPUSecond = bytesPerCPUSecond
        self.frames = frames
        self.bytes = bytes
    }
}
