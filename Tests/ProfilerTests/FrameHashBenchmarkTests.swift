import Foundation
import Media
import QoSModel
import Testing

@testable import Profiler

@Suite("Frame-hash rate")
struct FrameHashBenchmarkTests {
    @Test("hashing a real clip's decoded pictures counts every picture's bytes and the time it took")
    func hashesEveryDecodedPicture() throws {
        let spec = ClipSpec(preset: .video(.sd), durationSeconds: TestClips.duration)
        let clip = try TestClips.cache.clip(for: spec)
        let run = try FrameHashBenchmark.run(path: clip.path)
        // 0.5 s at 24 fps: 12 pictures of 640 x 480 in yuv420p, 460,800 bytes each.
        #expect(run.frames == 12)
        #expect(run.bytes == 12 * 460_800)
        #expect(run.cpuSeconds > 0)
        // A plausible MD5 rate on any machine this runs on: 1 MB/s to 100 GB/s of picture data.
        #expect((1e6...1e11).contains(run.bytesPerCPUSecond), "\(run.bytesPerCPUSecond) bytes per CPU s")
        let measurement = try #require(FrameHashBenchmark.measurement(of: [run]))
        #expect(measurement.frames == 12)
        #expect(measurement.bytes == run.bytes)
        var profile = try CapabilityProfile.load(from: CommittedProfilesTests.directory.appendingPathComponent("amd-epyc.vm.json"))
        profile.frameHash = measurement
        #expect(profile.validationProblems().isEmpty)
    }

    @Test("the profile's rate is all the runs' bytes over all their CPU time")
    func aggregate() throws {
        let runs = [
            FrameHashRun(file: "a", frames: 10, bytes: 300, cpuSeconds: 1),
            FrameHashRun(file: "b", frames: 20, bytes: 900, cpuSeconds: 2),
            FrameHashRun(file: "c", frames: 5, bytes: 100, cpuSeconds: 0),
        ]
        let measurement = try #require(FrameHashBenchmark.measurement(of: runs))
        #expect(measurement == FrameHashMeasurement(bytesPerCPUSecond: 400, frames: 30, bytes: 1200))
        #expect(FrameHashBenchmark.measurement(of: []) == nil)
        #expect(FrameHashBenchmark.measurement(of: [runs[2]]) == nil)
    }

    @Test("an audio clip has no picture to hash: an error naming the file")
    func audioHasNoPictures() throws {
        let spec = ClipSpec(preset: .audio(.low), durationSeconds: TestClips.duration)
        let clip = try TestClips.cache.clip(for: spec)
        #expect(throws: FFmpegError.self) { try FrameHashBenchmark.run(path: clip.path) }
    }
}
