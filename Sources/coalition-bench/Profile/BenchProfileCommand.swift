import ArgumentParser
import Foundation
import Profiler
import QoSModel

/// `coalition-bench profile`: our decode measurement against `ffmpeg -benchmark` on the same clips.
struct BenchProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Compare the profiler's decode figures with `ffmpeg -benchmark` on the same clips.",
        discussion: """
            For each preset, decodes the cached test clip (and one a fifth as long) with one thread \
            in this process and with `ffmpeg -benchmark -threads 1 -i CLIP -f null -` (the clip's \
            one stream only), several times alternately, and prints the best (smallest) CPU seconds per media second and wall \
            time of each with their ratios, and how busy other processes kept the machine. Targets: CPU within 5%, our wall time <= 1.05x ffmpeg's.
            """
    )

    @Option(help: "Seconds of media per video test clip (default 10).")
    var duration: Double = 10

    @Option(
        help: "Seconds of media per audio test clip (default 60): decoding 10 s of MP3 takes ~10 ms, as little as ffmpeg's own fixed setup cost, so audio is compared on longer clips.")
    var audioDuration: Double = 60

    @Option(help: "Runs of each decoder per preset; the best (smallest) is reported.")
    var repeats: Int = 5

    @Option(help: "Where test clips are cached (default: $XDG_CACHE_HOME/coalition/clips or ~/.cache/coalition/clips).")
    var cacheDir: String?

    @Option(help: "The ffmpeg executable (default: ffmpeg on PATH).")
    var ffmpeg: String?

    func validate() throws {
        for (name, value) in [("--duration", duration), ("--audio-duration", audioDuration)] where !(0.2...3600).contains(value) {
            throw ValidationError("\(name) must be between 0.2 and 3600 seconds, got \(value).")
        }
        if !(1...50).contains(repeats) { throw ValidationError("--repeats must be 1...50, got \(repeats).") }
    }

    func run() async throws {
        var runner = BenchRunner()
        runner.videoSeconds = duration
        runner.audioSeconds = audioDuration
        runner.repeats = repeats
        runner.ffmpeg = ffmpeg
        if let cacheDir { runner.cache = ClipCache(directory: URL(fileURLWithPath: cacheDir)) }
        let display = TerminalProgress()
        let rows: [BenchComparison]
        let load: (otherCores: Double, seconds: Double)
        do {
            let background = try BackgroundLoad()
            rows = try runner.run { display.report($0) }
            display.finishLine()
            load = try background.finish()
        } catch {
            display.finishLine()
            throw BenchFailure("coalition-bench profile: \(error)")
        }
        print(BenchComparison.render(rows, repeats: repeats))
        print(BackgroundLoad.note(otherCores: load.otherCores, cores: ProcessInfo.processInfo.activeProcessorCount, seconds: load.seconds))
    }
}
