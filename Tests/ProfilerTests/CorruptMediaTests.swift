import Foundation
import Media
import QoSModel
import Testing

@testable import Profiler

@Suite("Damaged media and missing codecs")
struct CorruptMediaTests {
    /// A private copy of a real clip, so damaging it leaves the shared cache intact.
    private func copyOfClip(_ preset: MediaPreset, named name: String) throws -> URL {
        let clip = try TestClips.cache.clip(for: ClipSpec(preset: preset, durationSeconds: TestClips.duration))
        let copy = TestClips.directory.appendingPathComponent("\(name)-\(UUID().uuidString).\(clip.pathExtension)")
        try FileManager.default.copyItem(at: clip, to: copy)
        return copy
    }

    @Test("a truncated video clip is an invalid-data error naming the file")
    func truncatedVideoIsInvalidData() throws {
        let clip = try copyOfClip(.video(.sd), named: "truncated")
        let handle = try FileHandle(forWritingTo: clip)
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size / 2)
        try handle.close()

        let error = #expect(throws: FFmpegError.self) {
            try DecodeBenchmark.run(path: clip.path, kind: .video, threads: 1, expectedMediaSeconds: TestClips.duration)
        }
        #expect(error?.isInvalidData == true)
        #expect(error?.file == clip.path)
        #expect(error?.description.contains(clip.path) == true)
        #expect(error?.message.isEmpty == false)
    }

    @Test("a video clip with overwritten bytes is an invalid-data error naming the file")
    func overwrittenVideoIsInvalidData() throws {
        let clip = try copyOfClip(.video(.sd), named: "overwritten")
        var bytes = try Data(contentsOf: clip)
        // Damage the middle of the media data (the moov index is at the end of our MP4s).
        let start = bytes.count / 4
        for index in start..<(start + bytes.count / 4) { bytes[index] = UInt8(truncatingIfNeeded: index &* 31) }
        try bytes.write(to: clip)

        let error = #expect(throws: FFmpegError.self) {
            try DecodeBenchmark.run(path: clip.path, kind: .video, threads: 1, expectedMediaSeconds: TestClips.duration)
        }
        #expect(error?.isInvalidData == true)
        #expect(error?.file == clip.path)
    }

    @Test("a truncated audio clip is an invalid-data error naming the file")
    func truncatedAudioIsInvalidData() throws {
        let clip = try copyOfClip(.audio(.high), named: "truncated")
        let handle = try FileHandle(forWritingTo: clip)
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size / 3)
        try handle.close()

        let error = #expect(throws: FFmpegError.self) {
            try DecodeBenchmark.run(path: clip.path, kind: .audio, threads: 1, expectedMediaSeconds: TestClips.duration)
        }
        #expect(error?.isInvalidData == true)
        #expect(error?.file == clip.path)
    }

    @Test("a missing file is an error naming the file and the reason")
    func missingFileIsNamed() {
        let path = TestClips.directory.appendingPathComponent("no-such-clip.mp4").path
        let error = #expect(throws: FFmpegError.self) {
            try DecodeBenchmark.run(path: path, kind: .video, threads: 1)
        }
        #expect(error?.file == path)
        #expect(error?.message == "No such file or directory")
    }

    @Test("a clip without the requested kind of stream says so")
    func audioClipHasNoVideoStream() throws {
        let clip = try TestClips.cache.clip(for: ClipSpec(preset: .audio(.low), durationSeconds: TestClips.duration))
        let error = #expect(throws: FFmpegError.self) {
            try DecodeBenchmark.run(path: clip.path, kind: .video, threads: 1)
        }
        #expect(error?.operation.contains("video stream") == true)
        #expect(error?.code == FFmpegError.streamNotFound)
    }

    @Test("random bytes under a clip's name are an error naming the file, with a hint to delete it")
    func randomBytesAreNamed() throws {
        let clip = TestClips.directory.appendingPathComponent("random-\(UUID().uuidString).mp3")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: clip)
        let error = #expect(throws: FFmpegError.self) {
            do throws(FFmpegError) {
                _ = try DecodeBenchmark.run(path: clip.path, kind: .audio, threads: 1, expectedMediaSeconds: 1)
            } catch {
                throw ClipCache.explainDamage(error)
            }
        }
        #expect(error?.file == clip.path)
        #expect(error?.message.contains("delete it") == true)
    }

    @Test("an encoder FFmpeg lacks is an encoder-not-found error naming it")
    func missingEncoderIsNamed() {
        let path = TestClips.directory.appendingPathComponent("never-written.mp4").path
        var encoding = ClipSpec(preset: .video(.sd), durationSeconds: 0.1).videoEncoding!
        encoding.encoder = "no-such-encoder"
        let error = #expect(throws: FFmpegError.self) {
            try MediaEncoder.writeVideo(to: path, encoding) { _, _ in }
        }
        #expect(error?.code == FFmpegError.encoderNotFound)
        #expect(error?.operation.contains("no-such-encoder") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
