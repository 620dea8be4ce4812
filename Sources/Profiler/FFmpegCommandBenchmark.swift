import Foundation

/// The figures `ffmpeg -benchmark` prints on its `bench:` line, in seconds.
public struct FFmpegBenchFigures: Sendable, Equatable {
    public var user: Double
    public var system: Double
    public var real: Double

    /// Parses `bench: utime=1.234s stime=0.010s rtime=1.250s` from ffmpeg's output (the last
    /// such line). Nil when there is none.
    public static func parse(_ output: String) -> FFmpegBenchFigures? {
        for line in output.split(whereSeparator: \.isNewline).reversed() {
            guard let range = line.range(of: "bench: utime=") else { continue }
            var values: [String: Double] = [:]
            for field in line[range.lowerBound...].dropFirst("bench: ".count).split(separator: " ") {
                let parts = field.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[1].hasSuffix("s"), let value = Double(parts[1].dropLast()) else { continue }
                values[String(parts[0])] = value
            }
            if let user = values["utime"], let system = values["stime"], let real = values["rtime"] {
                return FFmpegBenchFigures(user: user, system: system, real: real)
            }
        }
        return nil
    }
}

/// Runs the ffmpeg command line on a clip the way the paper profiled its boards:
/// `ffmpeg -benchmark -threads N -i CLIP -f null -`.
public enum FFmpegCommandBenchmark {
    /// The arguments for a clip of `kind`. Only the clip's one stream is decoded (`-map 0:v:0` or
    /// `-map 0:a:0`). Audio goes to `pcm_f32le`, the cheapest conversion from the MP3 decoder's
    /// planar float (the null muxer insists on an encoder; its default, `pcm_s16le`, would add a
    /// float-to-integer conversion our decoder never does).
    public static func arguments(clip: String, kind: MediaKind, threads: Int) -> [String] {
        var arguments = ["-hide_banner", "-nostdin", "-nostats", "-benchmark", "-threads", "\(threads)", "-i", clip]
        switch kind {
        case .video: arguments += ["-map", "0:v:0"]
        case .audio: arguments += ["-map", "0:a:0", "-c:a", "pcm_f32le"]
        }
        return arguments + ["-f", "null", "-"]
    }

    /// Runs ffmpeg (found on `PATH` unless `executable` is given) and returns its bench figures.
    /// Throws `FileError` when ffmpeg cannot be started, fails, or prints no `bench:` line.
    public static func run(
        clip: String, kind: MediaKind, threads: Int, executable: String? = nil
    ) throws -> FFmpegBenchFigures {
        let tool = executable ?? findOnPath("ffmpeg") ?? "/usr/bin/ffmpeg"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments(clip: clip, kind: kind, threads: threads)
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw FileError(path: tool, operation: "starting ffmpeg", reason: "\(error.localizedDescription)")
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let tail = output.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")
            throw FileError(
                path: clip, operation: "decoding with ffmpeg",
                reason: "ffmpeg exited with status \(process.terminationStatus): \(tail)")
        }
        guard let figures = FFmpegBenchFigures.parse(output) else {
            throw FileError(path: clip, operation: "decoding with ffmpeg", reason: "ffmpeg printed no `bench:` line")
        }
        return figures
    }

    static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
