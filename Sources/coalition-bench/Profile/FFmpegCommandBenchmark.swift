import ChildProcess
import Foundation
import Profiler
import Media

/// The figures `ffmpeg -benchmark` prints on its `bench:` line, in seconds.
struct FFmpegBenchFigures: Sendable, Equatable {
    var user: Double
    var system: Double
    var real: Double

    init(user: Double, system: Double, real: Double) {
        self.user = user
        self.system = system
        self.real = real
    }

    /// Parses `bench: utime=1.234s stime=0.010s rtime=1.250s` from ffmpeg's output (the last
    /// such line). Nil when there is none.
    static func parse(_ output: String) -> FFmpegBenchFigures? {
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

/// ffmpeg's CPU time inside its decoder calls alone, summed from the per-step lines
/// `-benchmark_all` prints (`bench:  133 user  0 sys  133 real decode_video 0.0`, microseconds):
/// the ffmpeg figure without its filter graph, encoder and muxer.
struct FFmpegDecodeOnlyFigures: Sendable, Equatable {
    /// User + system seconds inside `decode_video` / `decode_audio` steps.
    var cpu: Double
    /// Steps summed.
    var steps: Int

    init(cpu: Double, steps: Int) {
        self.cpu = cpu
        self.steps = steps
    }

    /// Nil when the output has no decode step line.
    static func parse(_ output: String) -> FFmpegDecodeOnlyFigures? {
        var microseconds = 0
        var steps = 0
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ")
            guard let bench = fields.firstIndex(of: "bench:"), fields.count >= bench + 8,
                fields[bench + 2] == "user", fields[bench + 4] == "sys", fields[bench + 7].hasPrefix("decode_"),
                let user = Int(fields[bench + 1]), let system = Int(fields[bench + 3])
            else { continue }
            microseconds += user + system
            steps += 1
        }
        return steps > 0 ? FFmpegDecodeOnlyFigures(cpu: Double(microseconds) / 1_000_000, steps: steps) : nil
    }
}

/// Runs the ffmpeg command line on a clip the way the paper profiled its boards:
/// `ffmpeg -benchmark -threads N -i CLIP -f null -`.
enum FFmpegCommandBenchmark {
    /// The arguments for a clip of `kind`. Only the clip's one stream is decoded (`-map 0:v:0` or
    /// `-map 0:a:0`). Audio goes to `pcm_f32le`, the cheapest conversion from the MP3 decoder's
    /// planar float (the null muxer insists on an encoder; its default, `pcm_s16le`, would add a
    /// float-to-integer conversion our decoder never does).
    /// With `decodeSteps`, `-benchmark_all` replaces `-benchmark`, for `FFmpegDecodeOnlyFigures`.
    static func arguments(clip: String, kind: MediaKind, threads: Int, decodeSteps: Bool = false) -> [String] {
        var arguments = [
            "-hide_banner", "-nostdin", "-nostats", decodeSteps ? "-benchmark_all" : "-benchmark", "-threads", "\(threads)",
            "-i", clip,
        ]
        switch kind {
        case .video: arguments += ["-map", "0:v:0"]
        case .audio: arguments += ["-map", "0:a:0", "-c:a", "pcm_f32le"]
        }
        return arguments + ["-f", "null", "-"]
    }

    /// Runs ffmpeg (found on `PATH` unless `executable` is given) and returns its bench figures.
    /// Throws `FileError` when ffmpeg cannot be started, fails, or prints no `bench:` line.
    static func run(
        clip: String, kind: MediaKind, threads: Int, executable: String? = nil
    ) throws -> FFmpegBenchFigures {
        let output = try execute(arguments(clip: clip, kind: kind, threads: threads), clip: clip, executable: executable)
        guard let figures = FFmpegBenchFigures.parse(output) else {
            throw FileError(path: clip, operation: "decoding with ffmpeg", reason: "ffmpeg printed no `bench:` line")
        }
        return figures
    }

    /// Runs ffmpeg with `-benchmark_all` and sums the CPU time of its decode steps.
    static func runDecodeSteps(
        clip: String, kind: MediaKind, threads: Int, executable: String? = nil
    ) throws -> FFmpegDecodeOnlyFigures {
        let output = try execute(
            arguments(clip: clip, kind: kind, threads: threads, decodeSteps: true), clip: clip, executable: executable)
        guard let figures = FFmpegDecodeOnlyFigures.parse(output) else {
            throw FileError(path: clip, operation: "decoding with ffmpeg", reason: "ffmpeg printed no decode step")
        }
        return figures
    }

    /// Runs ffmpeg and returns what it printed (standard output, then standard error).
    private static func execute(_ arguments: [String], clip: String, executable: String?) throws -> String {
        let tool = executable ?? Executables.find("ffmpeg") ?? "/usr/bin/ffmpeg"
        let output: CommandOutput
        do {
            output = try ChildProcess.run(tool, arguments)
        } catch {
            throw FileError(path: tool, operation: "starting ffmpeg", reason: "\(error.localizedDescription)")
        }
        guard output.succeeded else {
            let tail = output.combined.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")
            throw FileError(
                path: clip, operation: "decoding with ffmpeg", reason: "ffmpeg exited with status \(output.status): \(tail)")
        }
        return output.combined
    }
}
