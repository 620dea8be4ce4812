import ArgumentParser
import Coalition
import Foundation
import LabKit
import MembershipCore
import Profiler
import QoSModel

/// `coalition-bench rebuild`: five boards in the lab, board 1 requests a service, the link of
/// its member is cut (a silent failure), and the time from the cut to the service being fully
/// reserved again (the `rebuilt` or `degraded` event) is taken; then the link heals.
struct BenchRebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Time from a member's link cut to its service fully reserved again, in the lab.",
        discussion: """
            Needs root and the lab (scripts/lab). Target: p99 <= 1500 ms. The figures of the README:
              swift build -c release && sudo .build/release/coalition-bench rebuild --trials 12
            """
    )

    @Option(help: "Link cuts timed.")
    var trials: Int = 12

    @Option(help: "Boards in the lab: board 1 asks, the others (0.15 idle cores each) lend.")
    var boards: Int = 5

    @OptionGroup var options: ServiceBenchOptions

    func validate() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard (3...50).contains(boards) else { throw ValidationError("--boards must be in 3...50") }
    }

    func run() async throws {
        if let reason = Lab.unavailableReason { throw ValidationError(reason) }
        let binary = options.node
        let lab = try Lab.up(hosts: boards, name: "bench-rebuild", node: binary)
        defer { lab.down() }
        let fleet = try LabNodes(in: lab, count: boards, binary: binary) { $0.host == 1 ? 0 : 0.15 }
        let requester = fleet.nodes[0]
        if !(try await fleet.waitUntilEveryoneIsListed(by: requester, within: 30)) { say("not every board listed after 30 s") }
        let hostOf = Dictionary(uniqueKeysWithValues: fleet.nodes.dropFirst().compactMap { node in
            fleet.status(node).map { ($0.status.node.id, node.host) }
        })
        var millis: [Double] = []
        for trial in 1...trials {
            if let recovered = try await cutAMember(trial: trial, lab: lab, fleet: fleet, hostOf: hostOf) { millis.append(recovered) }
        }
        let sorted = millis.sorted()
        func percentile(_ p: Double) -> String { sorted.isEmpty ? "n/a" : String(format: "%.0f", Percentiles.nearestRank(p, of: sorted)) }
        say("rebuild after a member's link cut, \(boards) boards, \(millis.count)/\(trials) trials: p50 \(percentile(50)) ms, p99 \(percentile(99)) ms, max \(sorted.last.map { String(format: "%.0f", $0) } ?? "n/a") ms (target: p99 <= 1500 ms)")
    }

    /// One trial: request, cut the member, wait for the service to be served again, heal,
    /// release; returns the milliseconds from the cut to the event that served it again.
    private func cutAMember(trial: Int, lab: Lab, fleet: LabNodes, hostOf: [String: Int]) async throws -> Double? {
        let requester = fleet.nodes[0]
        let control = ControlClient(path: requester.socket)
        let parameters = ServiceRequestParameters(try ServiceRequest.parse(video: options.video, audio: nil), waitMillis: 10_000)
        guard case .answer(let answer) = try await control.call(RequestCall.self, parameters),
            let member = answer.service.members.first?.peer, let victim = hostOf[member]
        else {
            say("trial \(trial): no member to cut")
            return nil
        }
        let cutAt = Date()
        try lab.cut(host: victim)
        var servedAgainAt: Int64?
        _ = try await Lab.wait(within: 10, every: 0.05) {
            let service = fleet.status(requester)?.services?.services.first { $0.id == answer.service.id }
            guard service?.phase == .serving, let event = service?.lastEvent, event.kind == .rebuilt || event.kind == .degraded
            else { return false }
            servedAgainAt = event.atMillis
            return true
        }
        try lab.heal(host: victim)
        _ = try await control.call(ReleaseCall.self, ServiceReleaseParameters(service: answer.service.id))
        // The healed board refutes its death and is alive again before the next trial.
        _ = try await Lab.wait(within: 10, every: 0.2) {
            fleet.status(requester)?.membership?.peers.allSatisfy { $0.state == .alive } == true
        }
        guard let servedAgainAt else {
            say("trial \(trial): not served again within 10 s of the cut")
            return nil
        }
        return Double(servedAgainAt) - cutAt.timeIntervalSince1970 * 1000
    }
}
