import ArgumentParser
import Foundation
import LabKit

/// `coalition-bench formation`: per peer count, a lab of `--hosts` hosts running that many
/// `node join` daemons (spread over the hosts), then `formation-trials` in host 1 against its
/// first daemon: formation through the product (parallel queries) beside the paper's Listing 1
/// (sequential queries), same peers, same run.
struct BenchFormationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formation",
        abstract: "Formation latency among 5, 20 and 50 peers in the lab: parallel queries against the paper's sequential ones.",
        discussion: """
            Needs root and the lab (scripts/lab). The figures of the README:
              swift build -c release && sudo .build/release/coalition-bench formation --peers 5,20,50 --trials 30
            """
    )

    @Option(help: "Peer counts to run, comma-separated (2...200).", transform: { $0.split(separator: ",").compactMap { Int($0) } })
    var peers: [Int] = [5, 20, 50]

    @Option(help: "Trials per mode and peer count.")
    var trials: Int = 30

    @Option(help: "Lab hosts the peers are spread over (the 50 peers of the README ran on 5).")
    var hosts: Int = 5

    @OptionGroup var options: ServiceBenchOptions

    func validate() throws {
        guard !peers.isEmpty, peers.allSatisfy({ (2...200).contains($0) }) else { throw ValidationError("--peers must list counts in 2...200") }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard (1...100).contains(hosts) else { throw ValidationError("--hosts must be in 1...100") }
    }

    func run() async throws {
        if let reason = Lab.unavailableReason { throw ValidationError(reason) }
        let binary = options.node
        let bench = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        for count in peers {
            let lab = try Lab.up(hosts: min(hosts, count), name: "bench-formation", node: binary)
            defer { lab.down() }
            let fleet = try LabNodes(in: lab, count: count, binary: binary) { _ in 1 }
            let requester = fleet.nodes[0]
            if !(try await fleet.waitUntilEveryoneIsListed(by: requester, within: 30)) {
                say("only part of the \(count) peers are listed after 30 s")
            }
            let output = try lab.run(host: requester.host, [
                bench, "formation-trials", "--trials", "\(trials)", "--video", options.video, "--control-socket", requester.socket,
                "--address", requester.address, "--key-file", lab.keyFile, "--json",
            ])
            guard output.succeeded, let summary = try? JSONDecoder().decode(FormationFigures.Summary.self, from: Data(output.stdout.utf8)) else {
                throw BenchFailure("formation-trials among \(count) peers failed: \(output)")
            }
            say(summary.table(video: options.video))
        }
    }
}
