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

    /// The request as the QoS model reads it: parsed here once and sent as such.
    func serviceRequest() throws -> ServiceRequest {
        try ServiceRequest.parse(video: video, audio: audio, accept: accept, streams: streams)
    }

    func validate() throws {
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

    func run() async throws {
        let path = controlSocket ?? ControlProtocol.defaultSocketPath()
        let parameters = ServiceRequestParameters(
            try serviceRequest(), watch: watch, waitMillis: Int((waitSeconds * 1000).rounded()))
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
