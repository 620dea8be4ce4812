import Foundation
import ArgumentParser
import Coalition
import QoSModel

struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Ask the coalition to deliver a service at a minimum quality.",
        discussion: """
            The running daemon (`node join`) forms a sub-cluster of peers whose QoS meets the \
            request in every dimension, reserves their spare capacity, keeps it, and rebuilds it \
            when a member fails. It degrades to a lower level only along --accept, in order.

            Video levels: SD (640x480@24), HD (1280x720@24), FHD (1920x1080@30).
            Audio levels: low (128 kbit/s, 32 kHz), medium (192, 44.1), high (320, 48).
            """
    )

    @Option(help: "The video level: SD, HD or FHD.")
    var video: String?

    @Option(help: "The audio level: low, medium or high.")
    var audio: String?

    @Option(help: "How many concurrent streams of that level (1...64).")
    var streams: Int = 1

    @Option(help: ArgumentHelp(
        "How much this service matters against others (> 0, default 1): members may step services of lower weight down their ladders for it.",
        valueName: "W"))
    var weight: Double?

    @Option(
        help: "Lower video levels you accept if the requested one cannot be served, best first (e.g. HD,SD).",
        transform: { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } })
    var accept: [String] = []

    @Flag(help: "Print the answer as JSON.")
    var json = false

    @Flag(help: "Keep running and print formation, rebuild, degrade and unserved events as they happen.")
    var watch = false

    @Option(help: "The daemon's control socket.")
    var controlSocket: String?

    @Option(help: ArgumentHelp(
        "Have the sub-cluster decode this input: a media file (H.264 video, AAC or MP3 audio; MP4, Matroska or MPEG-TS), `-` for MPEG-TS on standard input, or `testsrc` for a synthesized stream. The level comes from the input unless --video/--audio say otherwise.",
        valueName: "input"))
    var input: String?

    @Option(help: ArgumentHelp("With --input: write frames.md5 and report.json into this directory.", valueName: "dir"))
    var output: String?

    @Flag(help: "With --input: decode as fast as the reservations allow instead of at the media's own pace.")
    var batch = false

    @Option(help: ArgumentHelp("With --input, live: how late a frame may be after its time (e.g. 2s, 500ms).", valueName: "duration"))
    var latency = "2s"

    @Option(help: "With --input: about how many seconds of media per unit (cut at keyframes).")
    var unitSeconds = 1.0

    @Option(help: ArgumentHelp("With --input testsrc: the length of the stream (e.g. 60s).", valueName: "duration"))
    var duration = "60s"

    @Option(help: ArgumentHelp(
        "With --input and --output: write contact-sheet.png, the video every this many seconds, each tile labelled with its time.",
        valueName: "seconds"))
    var thumbnails: Double?

    /// The request as the QoS model reads it: parsed here once and sent as such.
    func serviceRequest() throws -> ServiceRequest {
        try ServiceRequest.parse(video: video, audio: audio, accept: accept, streams: streams)
    }

    func validate() throws {
        if let weight {
            guard weight.isFinite, weight > 0, weight <= 1_000_000 else {
                throw ValidationError("--weight must be above 0 and at most 1000000, got \(weight)")
            }
            guard input == nil else {
                throw ValidationError(
                    "--weight cannot be used with --input: a stream is not weighed yet (it counts as weight 1, and a heavier service may step it down to reference frames only)")
            }
        }
        if input == nil {
            for (given, name) in [(output != nil, "--output"), (batch, "--batch"), (thumbnails != nil, "--thumbnails")] where given {
                throw ValidationError("\(name) needs --input")
            }
        } else {
            if let thumbnails {
                guard output != nil else { throw ValidationError("--thumbnails needs --output: the contact sheet is written there") }
                guard thumbnails.isFinite, (0.1...3600).contains(thumbnails) else {
                    throw ValidationError("--thumbnails must be within 0.1...3600 seconds, got \(thumbnails)")
                }
            }
            _ = try Self.seconds(latency, option: "--latency")
            _ = try Self.seconds(duration, option: "--duration")
            guard (0.1...10).contains(unitSeconds) else { throw ValidationError("--unit-seconds must be within 0.1...10") }
            if video == nil && audio == nil {
                guard accept.isEmpty else { throw ValidationError("--accept needs --video: the ladder starts at the requested level") }
                return
            }
        }
        if video == nil && audio == nil {
            throw ValidationError("Say what to deliver: --video SD|HD|FHD, --audio low|medium|high, or both.")
        }
        do {
            _ = try serviceRequest()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    @Option(name: .customLong("wait"), help: "Seconds to wait for the first formation to settle.")
    var waitSeconds: Double = 5

    /// `2s`, `500ms`, `1.5` (seconds) as seconds.
    static func seconds(_ text: String, option: String) throws -> Double {
        let (number, scale): (Substring, Double) =
            text.hasSuffix("ms") ? (text.dropLast(2), 0.001) : text.hasSuffix("s") ? (text.dropLast(), 1) : (Substring(text), 1)
        guard let value = Double(number), value.isFinite, value >= 0 else {
            throw ValidationError("\(option) takes a duration such as 2s or 500ms, not \(text)")
        }
        return value * scale
    }

    func run() async throws {
        let path = controlSocket ?? ControlProtocol.defaultSocketPath()
        if let input {
            let testsrcVideo = input == "testsrc" ? try video.map { try VideoLevel(parsing: $0) } ?? .hd : nil
            let parameters = StreamParameters(
                input: input, request: video == nil && audio == nil ? nil : try serviceRequest(), batch: batch,
                latencyMillis: Int((try Self.seconds(latency, option: "--latency") * 1000).rounded()), unitSeconds: unitSeconds,
                testsrcVideo: testsrcVideo, testsrcSeconds: input == "testsrc" ? try Self.seconds(duration, option: "--duration") : nil,
                thumbnailSeconds: thumbnails)
            let outcome = try await StreamRun(parameters: parameters, input: input, outputDirectory: output, socketPath: path, json: json).run()
            if outcome != .complete { throw ExitCode(outcome.rawValue) }
            return
        }
        let parameters = ServiceRequestParameters(
            try serviceRequest(), watch: watch, waitMillis: Int((waitSeconds * 1000).rounded()), weight: weight ?? 1)
        let json = self.json
        let watch = self.watch
        let outcome = RequestOutcome()
        do {
            try await ControlClient(path: path).stream(RequestCall.self, parameters) { update in
                switch update {
                case .answer(let answer):
                    ServiceOutput.emit(json ? ServiceOutput.json(answer) : Rendering.answer(answer))
                    await outcome.set(answer)
                case .event(let event):
                    ServiceOutput.emit(json ? ServiceOutput.json(event) : Rendering.event(event))
                }
                return watch
            }
        } catch let error as ControlClientError {
            throw NodeNotRunning(path: path, detail: error.reason)
        }
        if let answer = await outcome.answer, answer.service.phase == .unserved {
            throw ExitCode(2)
        }
    }
}

/// The first answer of `request`, remembered for the exit code.
private actor RequestOutcome {
    var answer: ServiceRequestAnswer?
    func set(_ answer: ServiceRequestAnswer) { self.answer = answer }
}
