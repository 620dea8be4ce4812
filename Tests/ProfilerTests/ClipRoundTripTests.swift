import Foundation
import QoSModel
import Testing

@testable import Profiler

/// A clip cache in a fresh temporary directory, shared by the tests of one suite run.
enum TestClips {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("coalition-profiler-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static let cache = ClipCache(directory: directory)

    /// Short clips keep the suite fast.
    static let duration = 0.5
}

@Suite("Clip synthesis and decoding")
struct ClipRoundTripTests {
    @Test("every preset's synthesised clip decodes to its full length", arguments: MediaPreset.allCases)
    func synthesisedClipDecodesFully(preset: MediaPreset) throws {
        let spec = ClipSpec(preset: preset, durationSeconds: TestClips.duration)
        let clip = try TestClips.cache.clip(for: spec)
        let run = try DecodeBenchmark.run(
            path: clip.path, kind: spec.kind, threads: 1, expectedMediaSeconds: TestClips.duration)
        #expect(abs(run.mediaSeconds - TestClips.duration) < 0.1)
        #expect(run.threadsUsed == 1)
        #expect(run.frames > 0)
        #expect(run.cpuSeconds > 0)
        #expect(run.frameMillisecondsP99 >= run.frameMillisecondsP50)
        if case .video(let level) = preset {
            #expect(run.frames == Int(TestClips.duration * Double(level.framesPerSecond)))
        }
    }
}
