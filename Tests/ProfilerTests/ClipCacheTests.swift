import Foundation
import QoSModel
import Testing

@testable import Profiler

@Suite("Clip cache")
struct ClipCacheTests {
    private func freshCache() -> ClipCache {
        ClipCache(directory: TestClips.directory.appendingPathComponent("cache-\(UUID().uuidString)/clips"))
    }

    @Test("a cached clip is reused: same file, mtime unchanged, no synthesis")
    func cachedClipIsReused() throws {
        let cache = freshCache()
        let spec = ClipSpec(preset: .audio(.medium), durationSeconds: 0.3)
        var firstCallProgress = 0
        let first = try cache.clip(for: spec) { _ in firstCallProgress += 1 }
        let modified = try FileManager.default.attributesOfItem(atPath: first.path)[.modificationDate] as? Date

        var secondCallProgress = 0
        let second = try cache.clip(for: spec) { _ in secondCallProgress += 1 }
        let modifiedAgain = try FileManager.default.attributesOfItem(atPath: second.path)[.modificationDate] as? Date

        #expect(first == second)
        #expect(modified != nil && modified == modifiedAgain)
        #expect(firstCallProgress > 0)
        #expect(secondCallProgress == 0)
    }

    @Test("synthesis leaves only the finished clip in the cache directory")
    func noTemporaryFilesRemain() throws {
        let cache = freshCache()
        let clip = try cache.clip(for: ClipSpec(preset: .video(.sd), durationSeconds: 0.2))
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.directory.path)
        #expect(entries == [clip.lastPathComponent])
    }

    @Test("clip names carry the preset, the duration and the synthesis version")
    func clipNamesAreDistinct() {
        let names = Set(MediaPreset.allCases.flatMap { preset in
            [0.5, 10].map { ClipSpec(preset: preset, durationSeconds: $0).fileName }
        })
        #expect(names.count == 12)
        #expect(ClipSpec(preset: .video(.hd), durationSeconds: 10).fileName == "video.HD-10000ms-v2.mp4")
        #expect(ClipSpec(preset: .audio(.high), durationSeconds: 0.5).fileName == "audio.high-500ms-v2.mp3")
    }

    @Test("the default cache directory follows XDG_CACHE_HOME, else HOME")
    func defaultDirectoryFollowsXDG() {
        #expect(ClipCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/a"]).path
            == "/x/cache/coalition/clips")
        #expect(ClipCache.defaultDirectory(environment: ["HOME": "/home/a"]).path == "/home/a/.cache/coalition/clips")
    }

    @Test("a cache directory that cannot be created is a file error naming it")
    func uncreatableCacheDirectory() throws {
        let blocker = TestClips.directory.appendingPathComponent("a-file-\(UUID().uuidString)")
        try Data("x".utf8).write(to: blocker)
        let cache = ClipCache(directory: blocker.appendingPathComponent("clips"))
        let error = #expect(throws: FileError.self) {
            try cache.clip(for: ClipSpec(preset: .audio(.low), durationSeconds: 0.2))
        }
        #expect(error?.path.hasPrefix(blocker.path) == true)
        #expect(error?.reason == "Not a directory")
    }
}
