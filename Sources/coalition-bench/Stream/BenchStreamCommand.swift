import ArgumentParser
import ChildProcess
import Coalition
import Foundation
import LabKit
import MediaCore
import Profiler

/// `coalition-bench stream`: a live HD stream decoded by a coalition of boards, none of which
/// could decode it alone in real time (each under a `lab cpu` quota), printed beside what one
/// such board does alone and beside the ffmpeg CLI doing the same work.
struct BenchStreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "A live HD stream on boards under CPU quotas: frames on time, a member killed, one board alone, its CPU split against ffmpeg.",
        discussion: """
            Needs root and the lab (scripts/lab). Three runs on the same clip (720p24 H.264 with \
            B-frames, a keyframe every --gop seconds, made with the ffmpeg CLI): the coalition; \
            the coalition with one member's daemon SIGKILLed --kill-at seconds in; and one board \
            under the same quota decoding alone (ffmpeg, at the media's pace). Each coalition run \
            first measures an idle baseline (--baseline-seconds in two halves, after \
            --settle-seconds: the fleet up and everyone listed, no stream), then splits the \
            stream's CPU, per media second and against ffmpeg: the decode workers, the demux worker, the transport (the daemons above their idle rate), \
            the requester's `node request`, the daemons' idle cost (membership), avahi-daemon and \
            dbus-daemon, and the rest of the hosts' cgroups; then the goal figure (decode + demux + \
            transport + the requester's CLI against ffmpeg, goal <= 1.10x). The figures of the README:
              swift build -c release && sudo .build/release/coalition-bench stream
            """
    )

    @Option(help: "Member boards (each under the quota).")
    var members: Int = 3

    @Option(help: "Each member board's CPU quota, in cores (it lends all of it).")
    var quota: Double = 0.12

    @Option(help: "Length of the stream, in seconds.")
    var seconds: Int = 60

    @Option(help: "Seconds into the second run when a member's daemon is killed.")
    var killAt: Double = 30

    @Option(help: "Seconds between keyframes of the clip (units are cut at keyframes).")
    var gop: Double = 0.5

    @Option(help: "Seconds of the idle baseline before each coalition run's request (the fleet up, everyone listed, no stream).")
    var baselineSeconds: Double = 15

    @Option(help: "Seconds the fleet runs once everyone is listed before the idle baseline starts (its start settling).")
    var settleSeconds: Double = 10

    @Flag(inversion: .prefixedNo, help: "Run the coalition again with a member's daemon SIGKILLed --kill-at seconds in.")
    var killRun = true

    @Flag(inversion: .prefixedNo, help: "Run one board alone under the quota (ffmpeg).")
    var aloneRun = true

    @Option(name: .customLong("node-binary"), help: ArgumentHelp("The `node` run on the lab hosts. Default: the one beside this binary.", valueName: "path"))
    var nodeBinary: String?

    func validate() throws {
        guard (2...20).contains(members) else { throw ValidationError("--members must be in 2...20") }
        guard quota > 0.01 && quota <= 4 else { throw ValidationError("--quota must be in 0.01...4 cores") }
        guard (10...600).contains(seconds) else { throw ValidationError("--seconds must be in 10...600") }
        guard !killRun || (killAt > 2 && killAt < Double(seconds) - 2) else { throw ValidationError("--kill-at must be inside the stream") }
        guard (5...600).contains(baselineSeconds) else { throw ValidationError("--baseline-seconds must be in 5...600") }
        guard (0...600).contains(settleSeconds) else { throw ValidationError("--settle-seconds must be in 0...600") }
    }

    func run() async throws {
        if let reason = Lab.unavailableReason { throw ValidationError(reason) }
        let binary = nodeBinary ?? Lab.nodeBinary
        let ffmpeg = Executables.find("ffmpeg") ?? "/usr/bin/ffmpeg"
        let clip = try StreamBenchClip.make(ffmpeg: ffmpeg, seconds: seconds, gop: gop)

        // The anchor: the ffmpeg CLI doing the same work (decode and hash every frame), one
        // thread, measured right before and right after each run: this shared VM's speed moves
        // by a fifth within minutes, so an anchor taken once at the start does not hold for a
        // run ten minutes later. Each run is set against the mean of its two.
        var before = try FFmpegReference.measure(ffmpeg: ffmpeg, clip: clip, mediaSeconds: Double(seconds))
        say(String(format: "ffmpeg -threads 1 decode + framemd5: %.3f CPU s per media s (the stream's measured demand); %.2f x real time on one core",
                   before.cpuPerMediaSecond, 1 / before.cpuPerMediaSecond))
        func bracket() throws -> FFmpegReference {
            let after = try FFmpegReference.measure(ffmpeg: ffmpeg, clip: clip, mediaSeconds: Double(seconds))
            let mean = FFmpegReference(cpuPerMediaSecond: (before.cpuPerMediaSecond + after.cpuPerMediaSecond) / 2)
            say(String(format: "  the anchor around this run: ffmpeg %.3f before, %.3f after (%+.1f%%): against %.3f",
                       before.cpuPerMediaSecond, after.cpuPerMediaSecond, 100 * (after.cpuPerMediaSecond / before.cpuPerMediaSecond - 1),
                       mean.cpuPerMediaSecond))
            before = after
            return mean
        }

        func trial(_ name: String) -> StreamTrial {
            StreamTrial(
                members: members, quota: quota, binary: binary, clip: clip, name: name, mediaSeconds: Double(seconds),
                baselineSeconds: baselineSeconds, settleSeconds: settleSeconds)
        }
        let plain = try await trial("bench-stream").run(kill: nil)
        plain.print(title: "coalition, \(members) boards at \(quota) cores", reference: try bracket(), seconds: Double(seconds))
        var killed: StreamTrial.Outcome?
        if killRun {
            let outcome = try await trial("bench-stream-kill").run(kill: killAt)
            outcome.print(title: "coalition, a member SIGKILLed \(killAt) s in", reference: try bracket(), seconds: Double(seconds))
            killed = outcome
        }
        guard aloneRun else { return }

        let alone = try BoardAlone.measure(quota: quota, clip: clip, ffmpeg: ffmpeg, binary: binary, mediaSeconds: Double(seconds), latency: 2)
        say(String(format: "one board alone at %.2f cores: decodes at %.2f x real time; live with 2 s latency, %d of %d frames late (%.1f%%)",
                   quota, alone.speed, alone.lateFrames, alone.frames, 100 * Double(alone.lateFrames) / Double(max(1, alone.frames))))
        let reference = try bracket()
        let beside = ([plain] + (killed.map { [$0] } ?? [])).map { String(format: "%.2fx", $0.memberDecodeCPUPerMediaSecond / alone.cpuPerMediaSecond) }
        say(String(format: "  ffmpeg under the quota: %.3f CPU s per media s (%.2fx its unthrottled %.3f): the cost of running in throttled slices; members' decode beside it: %@",
                   alone.cpuPerMediaSecond, alone.cpuPerMediaSecond / reference.cpuPerMediaSecond, reference.cpuPerMediaSecond,
                   beside.joined(separator: " and ")))
    }
}

/// The clip of the stream benchmarks: 720p24 H.264 (testsrc2, 3 Mb/s) with 3 B-frames and a
/// keyframe every `gop` seconds, made with the ffmpeg CLI once and kept in the temporary
/// directory.
enum StreamBenchClip {
    static func make(ffmpeg: String, seconds: Int, gop: Double) throws -> String {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("coalition-bench-stream").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let clip = "\(work)/hd\(seconds)-gop\(gop).mp4"
        if !FileManager.default.fileExists(atPath: clip) {
            let keyframeInterval = "\(Int((gop * 24).rounded()))"
            let made = try ChildProcess.run(ffmpeg, [
                "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=24", "-t", "\(seconds)",
                "-c:v", "libx264", "-bf", "3", "-g", keyframeInterval, "-keyint_min", keyframeInterval,
                "-sc_threshold", "0", "-b:v", "3M", "-pix_fmt", "yuv420p", clip,
            ])
            guard made.succeeded else { throw ValidationError("ffmpeg could not make the clip: \(made.stderr)") }
        }
        return clip
    }
}

/// The ffmpeg CLI's CPU time for the same work (`-benchmark` user + system).
struct FFmpegReference {
    var cpuPerMediaSecond: Double

    static func measure(ffmpeg: String, clip: String, mediaSeconds: Double) throws -> FFmpegReference {
        var best = Double.infinity
        for _ in 0..<3 {
            let output = try ChildProcess.run(ffmpeg, ["-hide_banner", "-benchmark", "-threads", "1", "-i", clip, "-map", "0:v:0", "-f", "framemd5", "-y", "/dev/null"])
            let figures = FFmpegBenchFigures.parse(output.stderr)
            if let figures { best = min(best, figures.user + figures.system) }
        }
        guard best.isFinite else { throw ValidationError("ffmpeg -benchmark printed no bench line") }
        return FFmpegReference(cpuPerMediaSecond: best / mediaSeconds)
    }
}

/// One board under the quota decoding the clip alone with the ffmpeg CLI: how fast it goes,
/// and so how many frames a live stream would have late (a frame at media time t is decoded at
/// t / speed when the board is slower than real time; late when that is beyond t + latency).
struct BoardAlone {
    var speed: Double
    var frames: Int
    var lateFrames: Int
    /// ffmpeg's own CPU time under the quota: what the same decode costs when throttled in
    /// slices, as the members' decode is (the anchor for their figure, beside the unthrottled one).
    var cpuPerMediaSecond: Double

    static func measure(quota: Double, clip: String, ffmpeg: String, binary: String, mediaSeconds: Double, latency: Double) throws -> BoardAlone {
        let lab = try Lab.up(hosts: 1, name: "bench-stream-alone", node: binary)
        defer { lab.down() }
        try lab.cpu(host: 1, fraction: quota)
        let start = Date()
        let output = try lab.run(host: 1, timeout: mediaSeconds * 40, [ffmpeg, "-hide_banner", "-benchmark", "-threads", "1", "-i", clip, "-map", "0:v:0", "-f", "framemd5", "-y", "/dev/null"])
        let wall = Date().timeIntervalSince(start)
        guard output.succeeded else { throw ValidationError("ffmpeg alone failed: \(output.stderr)") }
        guard let figures = FFmpegBenchFigures.parse(output.stderr) else { throw ValidationError("ffmpeg alone printed no bench line") }
        let speed = mediaSeconds / wall
        let frames = Int(mediaSeconds * 24)
        var late = 0
        if speed < 1 {
            for index in 0..<frames {
                let t = Double(index + 1) / 24
                if t / speed > t + latency { late += 1 }
            }
        }
        return BoardAlone(speed: speed, frames: frames, lateFrames: late, cpuPerMediaSecond: (figures.user + figures.system) / mediaSeconds)
    }
}
