import ArgumentParser
import Foundation
import Profiler
import QoSModel

struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Measure what this device can decode and write its capability table.",
        discussion: """
            Synthesises a test clip per preset (H.264 video SD 640x480@24, HD 1280x720@24, \
            FHD 1920x1080@30; MP3 audio low 128 kbit/s 32 kHz, medium 192/44.1, high 320/48) \
            in-process, caches it, decodes it with one thread and with the decoder's default \
            thread count, and writes the capability profile as JSON with an SVG chart beside it.
            """
    )

    @Flag(help: "Short clips (2 s) for a quick, rougher measurement.")
    var quick = false

    @Option(help: "Seconds of media per test clip (default 10, or 2 with --quick).")
    var duration: Double?

    @Option(help: "Where to write the profile: a .json file, or a directory.")
    var out: String = "profiles"

    @Option(help: "Where test clips are cached (default: $XDG_CACHE_HOME/coalition/clips or ~/.cache/coalition/clips).")
    var cacheDir: String?

    @Option(
        help: "Presets to measure, comma-separated (e.g. video.HD,audio.high; default all). A profile that misses one cannot be loaded by `node join`.",
        transform: { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } })
    var presets: [String] = []

    @Flag(help: "Mark the profile as measured on a build or CI machine, not on a board of a coalition.")
    var buildMachine = false

    func validate() throws {
        if let duration, !(0.2...3600).contains(duration) {
            throw ValidationError("--duration must be between 0.2 and 3600 seconds, got \(duration).")
        }
        _ = try parsedPresets()
    }

    func parsedPresets() throws -> [MediaPreset] {
        if presets.isEmpty { return MediaPreset.allCases }
        return try presets.map { name in
            guard let preset = MediaPreset(id: name) else {
                throw ValidationError(
                    "'\(name)' is not a preset; valid presets are \(MediaPreset.allCases.map(\.id).joined(separator: ", ")).")
            }
            return preset
        }
    }

    func run() async throws {
        var configuration = quick ? ProfilerConfiguration.quick : ProfilerConfiguration()
        if let duration { configuration.clipDurationSeconds = duration }
        if let cacheDir { configuration.cacheDirectory = URL(fileURLWithPath: cacheDir) }
        configuration.presets = try parsedPresets()
        configuration.isBuildMachine = buildMachine
        let runner = ProfileRunner(configuration: configuration)

        do {
            let device = try DeviceProbe.current(isBuildMachine: buildMachine)
            let started = Date()
            let display = TerminalProgress()
            let background = try BackgroundLoad()
            let results = try runner.run { display.report($0) }
            display.finishLine()
            let load = try background.finish()
            let profile = runner.profile(
                of: results, device: device, measuredAt: started, throttling: DeviceProbe.throttling(),
                extraNotes: [BackgroundLoad.note(otherCores: load.otherCores, cores: device.cores, seconds: load.seconds)])
            let written = try ProfileWriter.write(profile, out: URL(fileURLWithPath: out))
            print(ProfileTable.render(profile))
            print("")
            print("profile: \(written.json.path)")
            print("chart:   \(written.svg.path)")
            print(BackgroundLoad.note(otherCores: load.otherCores, cores: device.cores, seconds: load.seconds))
            if let problem = profile.validationProblems().first {
                print("note: this profile cannot be loaded by `node join`: \(problem.field): \(problem.problem)")
            }
        } catch {
            throw ProfilerFailure(message: "\(error)")
        }
    }
}

/// A profiling failure, printed as the error's own sentence (file and reason) and exit status 1.
struct ProfilerFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "node profile: \(message)" }
}
