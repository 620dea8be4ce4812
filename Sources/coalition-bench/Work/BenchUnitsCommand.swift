import ArgumentParser
import ChildProcess
import Foundation
import LabKit
import Media
import MediaCore
import SystemCalls

/// `coalition-bench units`: what cutting a stream into units and decoding each alone costs,
/// beside the ffmpeg CLI decoding the same clip whole (`-threads 1 ... -f framemd5`), in one
/// process and without quotas, so the figure is the work itself: no cgroup throttling, no
/// transport, no daemon.
///
/// It demuxes and cuts the clip as the requester's demux worker does (`Demuxer`, `UnitCutter`),
/// then decodes every unit from its bytes as a decode worker does (`UnitDecoder`, a fresh
/// decoder per unit, every frame hashed), twice: with glibc's default heap, then with the
/// decode worker's setting (`UnitDecoder.prepareWorkerProcess`: freed picture buffers kept for
/// the next unit). Each pass runs `--repeats` times; the quickest counts. Page faults per unit
/// show what the setting saves.
struct BenchUnitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units",
        abstract: "Demux, cut and decode a clip as units in one process, against ffmpeg decoding it whole.",
        discussion: """
            No root, no lab. The clip is the stream benchmark's (720p24, B-frames, a keyframe \
            every --gop seconds), made with the ffmpeg CLI if missing, or --clip. The figures of \
            the README: swift build -c release && .build/release/coalition-bench units
            """
    )

    @Option(help: "A clip to use instead of the stream benchmark's.")
    var clip: String?

    @Option(help: "Length of the stream benchmark's clip, in seconds.")
    var seconds: Int = 60

    @Option(help: "Seconds between keyframes of the stream benchmark's clip.")
    var gop: Double = 0.5

    @Option(name: .customLong("unit-seconds"), help: "About how many seconds of media per unit (as `node request --unit-seconds`).")
    var unitSeconds: Double = 0.5

    @Option(help: "Passes over every unit per heap setting; the quickest counts.")
    var repeats: Int = 3

    func validate() throws {
        guard (0.1...10).contains(unitSeconds) else { throw ValidationError("--unit-seconds must be in 0.1...10") }
        guard (1...20).contains(repeats) else { throw ValidationError("--repeats must be in 1...20") }
    }

    func run() throws {
        let ffmpeg = Executables.find("ffmpeg") ?? "/usr/bin/ffmpeg"
        let clip = try clip ?? StreamBenchClip.make(ffmpeg: ffmpeg, seconds: seconds, gop: gop)

        let cutStart = processCPUSeconds()
        let demuxer = try Demuxer(.file(clip))
        let units = try demuxer.cutAll(UnitCutter.Configuration(targetDuration: unitSeconds))
            .flatMap { $0 }
            .filter { $0.parameters.codec.kind == .video }
        let encoded = units.map(MediaUnitEncoding.encode)
        let cutCPU = processCPUSeconds() - cutStart
        let mediaSeconds = units.reduce(0.0) { total, unit in
            let duration = UnitMetadata(describing: unit).mediaDuration.components
            return total + Double(duration.seconds) + Double(duration.attoseconds) / 1e18
        }
        guard mediaSeconds > 0, let first = encoded.first else { throw ValidationError("\(clip) holds no video units") }
        let reference = try FFmpegReference.measure(ffmpeg: ffmpeg, clip: clip, mediaSeconds: mediaSeconds)

        // The libraries loaded and the decoder's one-time tables built before anything is timed.
        _ = UnitDecoder.decode(unitBytes: first)
        let plain = try pass(encoded)
        if let problem = UnitDecoder.prepareWorkerProcess() { throw ValidationError("FFmpeg: \(problem)") }
        _ = UnitDecoder.decode(unitBytes: first)
        let kept = try pass(encoded)

        say(String(format: "%@: %d units of about %.1f s, %.1f media s", clip, units.count, unitSeconds, mediaSeconds))
        say(String(format: "ffmpeg -threads 1 decode + framemd5, whole clip:  %.4f CPU s per media s", reference.cpuPerMediaSecond))
        say(String(format: "demux + cut + encode units:                       %.4f CPU s per media s (%.3fx ffmpeg's decode)",
                   cutCPU / mediaSeconds, cutCPU / mediaSeconds / reference.cpuPerMediaSecond))
        for (label, figures) in [("units, glibc default heap:", plain), ("units, freed buffers kept (the worker):", kept)] {
            say(String(format: "%@ %.4f CPU s per media s (%.3fx ffmpeg), %.0f page faults per unit",
                       label.padding(toLength: 48, withPad: " ", startingAt: 0), figures.cpu / mediaSeconds,
                       figures.cpu / mediaSeconds / reference.cpuPerMediaSecond, Double(figures.faults) / Double(units.count)))
        }
        say(String(format: "all of it (demux + cut + units as the worker decodes them): %.3fx ffmpeg",
                   (cutCPU + kept.cpu) / mediaSeconds / reference.cpuPerMediaSecond))
    }

    /// Every unit decoded from its bytes, `repeats` times; the quickest pass's CPU seconds and
    /// its page faults.
    private func pass(_ units: [[UInt8]]) throws -> (cpu: Double, faults: Int) {
        var best = (cpu: Double.infinity, faults: 0)
        for _ in 0..<repeats {
            let faults = CurrentProcess.minorPageFaults()
            let start = processCPUSeconds()
            for unit in units {
                let answer = UnitDecoder.decode(unitBytes: unit)
                if let failure = MediaUnitEncoding.failure(ofResult: answer) { throw ValidationError("a unit failed: \(failure)") }
            }
            let cpu = processCPUSeconds() - start
            if cpu < best.cpu { best = (cpu, CurrentProcess.minorPageFaults() - faults) }
        }
        return best
    }

    private func processCPUSeconds() -> Double {
        let time = CurrentProcess.cpuTime(of: .process)
        return time.user + time.system
    }
}
