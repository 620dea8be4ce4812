import ArgumentParser
import Coalition
import Foundation
import Profiler
import QoSModel
import ServiceCore

/// `coalition-bench formation`: asks the running daemon to form (and release) a service many times,
/// querying its peers in parallel and, alternately in the same run, one after the other as the
/// paper's Listing 1 does, and prints the formation latencies side by side with their ratio.
struct BenchFormationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formation",
        abstract: "Formation latency: parallel queries against the paper's sequential ones, same daemon, same peers."
    )

    @Option(help: "Trials per mode.")
    var trials: Int = 30

    @Option(help: "Untimed trials per mode first, so connections to the peers are open as in a running daemon.")
    var warmup: Int = 2

    @Option(help: "The video level to request.")
    var video: String = "HD"

    @Option(name: .customLong("control-socket"), help: "The daemon's control socket.")
    var controlSocket: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    struct Figures: Codable {
        var peers: Int
        var trials: Int
        var parallelP50Millis: Double
        var parallelP99Millis: Double
        var sequentialP50Millis: Double
        var sequentialP99Millis: Double
        var ratioP99: Double
    }

    func run() async throws {
        let client = ControlClient(path: controlSocket ?? ControlProtocol.defaultSocketPath())
        let status = try await client.call(StatusCall.self)
        var parallel: [Double] = []
        var sequential: [Double] = []
        for trial in 0..<(2 * (warmup + trials)) {
            let isSequential = trial % 2 == 1
            let counted = trial >= 2 * warmup
            let parameters = ServiceRequestParameters(
                try ServiceRequest.parse(video: video, audio: nil), waitMillis: 10_000, sequentialQueries: isSequential)
            guard case .answer(let answer) = try await client.call(RequestCall.self, parameters) else {
                throw ValidationError("trial \(trial): the daemon sent an event before its answer")
            }
            guard let event = answer.event, let millis = event.formationMillis else {
                throw ValidationError("trial \(trial): the service did not settle: \(answer.service.phase)")
            }
            guard event.kind == .formed || event.kind == .degraded else {
                throw ValidationError("trial \(trial): \(event.message)")
            }
            if counted {
                if isSequential { sequential.append(millis) } else { parallel.append(millis) }
            }
            _ = try await client.call(ReleaseCall.self, ServiceReleaseParameters(service: answer.service.id))
        }
        let figures = Figures(
            peers: status.peers.count + 1, trials: trials,
            parallelP50Millis: Percentiles.nearestRank(50, of: parallel.sorted()), parallelP99Millis: Percentiles.nearestRank(99, of: parallel.sorted()),
            sequentialP50Millis: Percentiles.nearestRank(50, of: sequential.sorted()), sequentialP99Millis: Percentiles.nearestRank(99, of: sequential.sorted()),
            ratioP99: Percentiles.nearestRank(99, of: sequential.sorted()) / max(Percentiles.nearestRank(99, of: parallel.sorted()), 1e-9))
        if json {
            print(jsonLine(figures))
        } else {
            print("formation of \(video) among \(figures.peers) peers, \(trials) trials per mode")
            print(String(format: "  parallel queries (ours)        p50 %7.2f ms  p99 %7.2f ms", figures.parallelP50Millis, figures.parallelP99Millis))
            print(String(format: "  sequential (paper's Listing 1) p50 %7.2f ms  p99 %7.2f ms", figures.sequentialP50Millis, figures.sequentialP99Millis))
            print(String(format: "  sequential / parallel at p99: %.2fx", figures.ratioP99))
        }
    }
}
