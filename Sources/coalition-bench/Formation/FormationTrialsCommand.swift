import ArgumentParser
import Coalition
import Foundation
import MembershipCore
import Profiler
import QoSModel
import ServiceCore

/// `coalition-bench formation-trials`: against a running daemon, forms (and releases) a service
/// many times, alternately through the daemon (the product: its peers queried in parallel) and
/// from here with the paper's Listing 1 (the same peers queried one after the other, see
/// ``SequentialFormation``), and prints both latencies side by side. `coalition-bench formation`
/// runs it in host 1 of its lab; on real boards, run it on the requesting board.
struct FormationTrialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formation-trials",
        abstract: "Formation latency against a running daemon: its parallel queries beside the paper's sequential ones."
    )

    @Option(help: "Trials per mode.")
    var trials: Int = 30

    @Option(help: "Untimed trials per mode first, so connections to the peers are open as in a running daemon.")
    var warmup: Int = 2

    @Option(help: "The video level to request.")
    var video: String = "HD"

    @Option(name: .customLong("control-socket"), help: "The daemon's control socket.")
    var controlSocket: String?

    @Option(help: "The daemon's address (its --bind), where the sequential requester asks it as the daemon asks itself.")
    var address: String

    @Option(name: .customLong("key-file"), help: "The coalition key file the daemons run with (none: --insecure daemons).")
    var keyFile: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard trials >= 1, warmup >= 0 else { throw ValidationError("--trials must be at least 1 and --warmup at least 0") }
    }

    func run() async throws {
        let control = ControlClient(path: controlSocket ?? ControlProtocol.defaultSocketPath())
        let status = try await control.call(StatusCall.self)
        let request = try ServiceRequest.parse(video: video, audio: nil)
        let keyring = try keyFile.map { path throws(WireKeyError) in try WireKeyring(keyFile: path) }
        // The daemon's own id, from the daemon's host: a member serves only members, each from its
        // own address (`RequesterAdmission`). The services are named apart from the daemon's.
        guard let me = MemberID(status.node.id) else { throw BenchFailure("the daemon reports a malformed id \(status.node.id)") }
        let client = ServiceClient(me: me, configuration: .init(keyring: keyring))
        let endpoints = try ([(status.node.id, address, status.node.queryPort)] + status.peers.map { ($0.id, $0.address, $0.queryPort) })
            .map { id, host, port in
                guard let id = MemberID(id) else { throw BenchFailure("the daemon reports a peer with a malformed id \(id)") }
                return ServiceEndpoint(id: id, host: host, port: UInt16(port))
            }
        let sequential = SequentialFormation(client: client, peers: endpoints)
        var figures = FormationFigures(peers: status.peers.count + 1, trials: trials)
        for trial in 0..<(warmup + trials) {
            let parallelMillis = try await formThroughTheDaemon(control, request, trial: trial)
            let outcome = try await sequential.form(request, id: ServiceID("\(me)/sequential-\(getpid())-\(trial + 1)"))
            guard outcome.event.settlesServed else {
                throw BenchFailure("trial \(trial): the sequential formation did not serve: \(outcome.event)")
            }
            if trial >= warmup {
                figures.parallel.append(parallelMillis)
                figures.sequential.append(outcome.millis)
            }
        }
        await client.close()
        print(json ? jsonLine(figures.summary) : figures.table(video: video))
    }

    /// One formation through the daemon's control socket (`node request`), released at once;
    /// returns the daemon's own measure of it.
    private func formThroughTheDaemon(_ control: ControlClient, _ request: ServiceRequest, trial: Int) async throws -> Double {
        guard case .answer(let answer) = try await control.call(RequestCall.self, ServiceRequestParameters(request, waitMillis: 10_000)) else {
            throw BenchFailure("trial \(trial): the daemon sent an event before its answer")
        }
        guard let event = answer.event, let millis = event.formationMillis else {
            throw BenchFailure("trial \(trial): the service did not settle: \(answer.service.phase)")
        }
        guard event.kind == .formed || event.kind == .degraded else { throw BenchFailure("trial \(trial): \(event.message)") }
        _ = try await control.call(ReleaseCall.self, ServiceReleaseParameters(service: answer.service.id))
        return millis
    }
}

extension ServiceEvent {
    /// Formed or degraded: the formation ended with the service served.
    var settlesServed: Bool {
        switch self {
        case .formed, .degraded: true
        default: false
        }
    }
}
