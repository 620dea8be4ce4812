import Foundation
import Media
import SystemCalls

/// A directory of synthesised test clips. A clip is made only when its file is missing; it is
/// written under a temporary name and renamed into place, so a crash never leaves a half clip
/// under the real name.
public struct ClipCache: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// `$XDG_CACHE_HOME/coalition/clips`, else `~/.cache/coalition/clips`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return URL(fileURLWithPath: cache).appendingPathComponent("coalition/clips")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/coalition/clips")
    }

    /// Where the clip of `spec` lives (whether or not it exists yet).
    public func url(for spec: ClipSpec) -> URL {
        directory.appendingPathComponent(spec.fileName)
    }

    /// Returns the clip of `spec`, making it first if it is missing. `progress` gets the share of
    /// the synthesis done; it is not called for a clip already in the cache.
    public func clip(for spec: ClipSpec, progress: (Double) -> Void = { _ in }) throws -> URL {
        let target = url(for: spec)
        if FileManager.default.fileExists(atPath: target.path) { return target }
        try FileSystem.makeDirectories(directory.path, purpose: "creating the clip cache directory")
        let temporary = directory.appendingPathComponent(".\(spec.fileName).\(CurrentProcess.id)-\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try ClipSynthesizer.write(spec, to: temporary.path, progress: progress)
        } catch {
            try? FilePaths.remove(temporary.path)
            throw error
        }
        do {
            try FilePaths.rename(temporary.path, to: target.path)
        } catch {
            try? FilePaths.remove(temporary.path)
            throw FileError(path: target.path, operation: "moving the new clip into place", error)
        }
        return target
    }
}

extension ClipCache {
    /// Adds to an invalid-data or missing-stream error on a cached clip how to get a good one
    /// again.
    public static func explainDamage(_ error: FFmpegError) -> FFmpegError {
        guard error.isInvalidData || error.code == FFmpegError.streamNotFound else { return error }
        var explained = error
        explained.message += "; this cached test clip is damaged: delete it and it will be made again"
        return explained
    }
}
