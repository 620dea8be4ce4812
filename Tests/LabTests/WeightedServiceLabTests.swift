import ChildProcess
import Coalition
import Foundation
import LabKit
import QoSModel
import Testing

/// Weights end to end (issue 17, "in the coalition"): real `node join` processes in lab hosts;
/// host 2 lends room for two HD streams and not three; host 1 requests three services of
/// weights 1, 1 and 5. The member holding the capacity (host 2) steps the two light services
/// down to SD for the heavy one, host 1 learns it at its next lease renewal, and when the heavy
/// service is released the light ones go back to HD at their next upgrade probe.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct WeightedServiceLabTests {
    func join(_ lab: Lab, host: Int, idleCores: Double) throws {
        try lab.joinBoard(host: host, idleCores: idleCores)
    }

    func node(_ lab: Lab, _ arguments: [String]) throws -> CommandOutput {
        try lab.run(host: 1, timeout: 30, [Lab.nodeBinary] + arguments + ["--control-socket", "\(lab.host(1).directory)/node.sock"])
    }

    func status(_ lab: Lab, host: Int = 1) -> StatusDocument? {
        Lab.nodeStatus(socket: "\(lab.host(host).directory)/node.sock")
    }

    func log(_ lab: Lab, host: Int) -> String {
        (try? String(contentsOfFile: "\(lab.host(host).directory)/node.log", encoding: .utf8)) ?? ""
    }

    /// Requests `video` with `extra` options; returns the service as first answered.
    func request(_ lab: Lab, _ arguments: [String]) throws -> ServiceSummary {
        let output = try node(lab, ["request"] + arguments + ["--json"])
        let line = output.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let answer = try #require(try? JSONDecoder().decode(ServiceRequestAnswer.self, from: Data(line.utf8)), "\(output)")
        return answer.service
    }

    @Test func aWeightFiveService_getsHD_theWeightOneServicesStepDown_andReturnToHDWhenItIsReleased() throws {
        let costs = try ProfileCosts(path: Lab.committedProfile())
        try #require(2 * costs.sdCoresWithHeadroom < 1.2 * costs.hdCoresWithHeadroom, "the profile's SD is too dear: one HD and two SD must fit where two HD do")
        let lab = try Lab.up(hosts: 2, name: "svc-weight")
        defer { lab.down() }
        try join(lab, host: 1, idleCores: 0)
        try join(lab, host: 2, idleCores: 2.3 * costs.hdCoresWithHeadroom)  // two HD streams, not three; one HD and two SD
        let listed = Lab.poll(within: 10, every: 0.1) { (status(lab)?.status.peers.count ?? 0) >= 1 }
        try #require(listed, "host 1 does not see host 2")

        let light = [
            try request(lab, ["--video", "HD", "--accept", "SD"]),
            try request(lab, ["--video", "HD", "--accept", "SD", "--weight", "1"]),
        ]
        for service in light { try #require(service.phase == .serving && service.level == "HD", "\(service)") }
        // As before weights: a third HD service of the same weight takes nothing from them.
        let equal = try request(lab, ["--video", "HD"])
        #expect(equal.phase == .unserved, "an equal weight must not take capacity: \(equal)")
        _ = try node(lab, ["release", equal.id])
        let heavy = try request(lab, ["--video", "HD", "--weight", "5"])
        #expect(heavy.phase == .serving && heavy.level == "HD", "the weight-5 service must get HD: \(heavy)\n\(log(lab, host: 2))")
        let formedAt = try #require(heavy.lastEvent?.atMillis)

        func services() -> [String: ServiceSummary] {
            Dictionary(uniqueKeysWithValues: (status(lab)?.services?.services ?? []).map { ($0.id, $0) })
        }
        var seen: [String: ServiceSummary] = [:]
        let steppedDown = Lab.poll(within: 10, every: 0.05) {
            seen = services()
            return light.allSatisfy { seen[$0.id]?.level == "SD" && seen[$0.id]?.lastEvent?.kind == .steppedDown }
        }
        #expect(steppedDown, "the weight-1 services did not step down: \(seen)\n\(log(lab, host: 1))")
        #expect(seen[heavy.id]?.level == "HD" && seen[heavy.id]?.phase == .serving)
        let stepDownMillis = light.compactMap { seen[$0.id]?.lastEvent?.atMillis }.map { Double($0 - formedAt) }
        for service in light {
            #expect(seen[service.id]?.lastEvent?.reason?.contains("weight 5") == true, "the requester is told why: \(String(describing: seen[service.id]))")
        }
        let held = status(lab, host: 2)?.services?.reservations ?? []
        #expect(held.filter { $0.level == "SD" }.count == 2 && held.filter { $0.level == "HD" }.count == 1, "host 2 holds \(held)")

        let released = Date()
        let releasedMillis = Double(Int64((released.timeIntervalSince1970 * 1000).rounded()))
        _ = try node(lab, ["release", heavy.id])
        let back = Lab.poll(within: 20, every: 0.05) {
            seen = services()
            return light.allSatisfy { seen[$0.id]?.level == "HD" && seen[$0.id]?.lastEvent?.kind == .upgraded }
        }
        #expect(back, "the weight-1 services did not return to HD: \(seen)\n\(log(lab, host: 1))")
        let upgradeMillis = light.compactMap { seen[$0.id]?.lastEvent?.atMillis }.map { Double($0) - releasedMillis }
        print(String(
            format: "weights: weight-5 HD formed -> weight-1 services stepped down after %.0f and %.0f ms (renewal every 1 s); released -> back to HD after %.0f and %.0f ms (upgrade probe every 5 s)",
            stepDownMillis.first ?? -1, stepDownMillis.last ?? -1, upgradeMillis.first ?? -1, upgradeMillis.last ?? -1))
    }
}
