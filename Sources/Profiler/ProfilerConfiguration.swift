import Foundation
import QoSModel

/// What `ProfileRunner` measures and where it keeps its clips.
public struct ProfilerConfiguration: Sendable {
    /// Seconds of media in each test clip. Default 10 s; `--quick` uses 2 s. Longer clips give
    /// steadier figures; the clip's first frames (decoder warm-up) weigh less.
    public var clipDurationSeconds: Double = 10
    /// Presets to measure, in order. Default: all six. A capability profile needs all of them.
    public var presets: [MediaPreset] = MediaPreset.allCases
    /// Where synthesised clips are cached. Default: `ClipCache.defaultDirectory()`.
    public var cacheDirectory: URL = ClipCache.defaultDirectory()
    /// Threads asked for in the multi-thread run. Default 0: FFmpeg's automatic choice (for
    /// H.264 frame threading, cores + 1); the count really used is recorded.
    public var multiThreadCount = 0
    /// Decode runs per preset and thread setting; the run with the median CPU time is kept (and
    /// the largest memory high-water mark of all). Default 3, so that one run disturbed by another
    /// process does not decide the figure; `--quick` uses 1.
    public var repetitions = 3
    /// Marks the profile as measured on a build or CI machine rather than on a coalition board.
    public var isBuildMachine = false

    public init() {}

    /// The short-clip settings of `--quick`.
    public static var quick: ProfilerConfiguration {
        var configuration = ProfilerConfiguration()
        configuration.clipDurationSeconds = 2
        configuration.repetitions = 1
        return configuration
    }
}
