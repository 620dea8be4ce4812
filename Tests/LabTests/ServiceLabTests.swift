import ChildProcess
import Coalition
import Foundation
import LabKit
import QoSModel
import Testing

/// Services end to end: real `node join` processes in lab hosts (their own avahi-daemons),
/// `node request` through host 1's control socket, failures made with the lab.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct ServiceLabTests {
    /// Starts `node join` on `host` with the committed build-machine profile, lending `idleCores`.
    @discardableResult
    func join(_ lab: Lab, host: Int, idleCores: Double, keyFile: String? = nil) throws -> String {
        try lab.joinBoard(host: host, idleCores: idleCores, keyFile: keyFile)
        return lab.boardSocket(host: host)
    }

    func node(_ lab: Lab, host: Int = 1, _ arguments: [String], timeout: Double = 30) throws -> CommandOutput {
        try lab.run(host: host, timeout: timeout, [Lab.nodeBinary] + arguments + ["--control-socket", "\(lab.host(host).directory)/node.sock"])
    }

    /// Waits until host 1's daemon lists `count` peers.
    func waitForPeers(_ lab: Lab, _ count: Int) throws {
        let listed = Lab.poll(within: 10, every: 0.1) { (status(lab)?.status.peers.count ?? 0) >= count }
        try #require(listed, "host 1 does not list \(count) peers: \((try? node(lab, ["status"]))?.description ?? "")")
    }

    /// Host `host`'s `node status --json`; nil when its daemon does not answer.
    func status(_ lab: Lab, host: Int = 1) -> StatusDocument? {
        Lab.nodeStatus(socket: "\(lab.host(host).directory)/node.sock")
    }

    /// The answer line (the first) of `node request --json`.
    func answer(_ output: CommandOutput) throws -> ServiceRequestAnswer {
        let line = output.stdout.split(separator: "\n").first.map(String.init) ?? ""
        return try JSONDecoder().decode(ServiceRequestAnswer.self, from: Data(line.utf8))
    }

    func log(_ lab: Lab, host: Int) -> String {
        (try? String(contentsOfFile: "\(lab.host(host).directory)/node.log", encoding: .utf8)) ?? ""
    }

    @Test func aRequestNoCoalitionCanServe_getsACannotServeAnswer() throws {
        let lab = try Lab.up(hosts: 3, name: "svc-none")
        defer { lab.down() }
        for host in 1...3 { try join(lab, host: host, idleCores: 0.05) }
        try waitForPeers(lab, 2)
        let output = try node(lab, ["request", "--video", "FHD", "--audio", "high"])
        #expect(output.status == 2, "\(output)")
        #expect(output.stdout.contains("cannot serve 1 stream(s) of FHD+high"), "\(output)")
        #expect(output.stdout.contains("0.05 cores free"), "the answer says why: \(output)")
    }

    @Test func aHostWithTheWrongKey_isNeverAdmitted() throws {
        let lab = try Lab.up(hosts: 3, name: "svc-key")
        defer { lab.down() }
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("svc-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: keys) }
        let good = keys.appendingPathComponent("good.key").path
        let bad = keys.appendingPathComponent("bad.key").path
        try Data("coalition-key-for-the-lab-0001".utf8).write(to: URL(fileURLWithPath: good))
        try Data("somebody-elses-key-9999999999".utf8).write(to: URL(fileURLWithPath: bad))

        try join(lab, host: 1, idleCores: 0, keyFile: good)
        try join(lab, host: 2, idleCores: 0.2, keyFile: good)
        try join(lab, host: 3, idleCores: 4, keyFile: bad)  // the strongest board, with the wrong key
        try waitForPeers(lab, 2)
        let output = try node(lab, ["request", "--video", "HD", "--streams", "2", "--json"])
        let answer = try answer(output)
        let host3 = try #require(nodeID(lab, host: 3))
        #expect(!answer.service.members.map(\.peer).contains(host3), "a board without the key was admitted: \(output)")
        #expect(answer.service.phase == .unserved, "host 2 alone cannot carry two HD streams: \(output)")
        let host3Status = status(lab, host: 3)
        let drops = host3Status?.services?.queryDrops ?? [:]
        #expect((drops["badTag"] ?? 0) >= 1, "host 3 must have dropped host 1's query for its tag: \(String(describing: host3Status))")
    }

    @Test func cuttingAMembersLink_rebuildsTheSubClusterAtTheSameLevel() throws {
        let lab = try Lab.up(hosts: 5, name: "svc-cut")
        defer { lab.down() }
        try join(lab, host: 1, idleCores: 0)
        for host in 2...5 { try join(lab, host: host, idleCores: 0.15) }
        try waitForPeers(lab, 4)
        let formed = try node(lab, ["request", "--video", "HD", "--json"])
        let answer = try answer(formed)
        try #require(answer.service.phase == .serving, "\(formed)")
        let member = try #require(answer.service.members.first?.peer)
        let memberHost = try #require((2...5).first { nodeID(lab, host: $0) == member })

        let cut = Date()
        try lab.cut(host: memberHost)
        var rebuilt: ServiceSummary?
        let back = Lab.poll(within: 5, every: 0.05) {
            guard let service = status(lab)?.services?.services.first(where: { $0.id == answer.service.id }) else { return false }
            rebuilt = service
            return service.phase == .serving && !service.members.contains { $0.peer == member }
        }
        let elapsed = Date().timeIntervalSince(cut)
        print("services: link cut -> sub-cluster reserved again after \(String(format: "%.2f", elapsed)) s (as polled)")
        #expect(back, "not rebuilt 5 s after the cut: \(String(describing: rebuilt))\n\(log(lab, host: 1))")
        #expect(rebuilt?.level == "HD", "the level must be kept: \(String(describing: rebuilt))")
    }

    @Test func aMemberLost_degradesAlongTheLadder_andTheServiceGoesBackUpWhenItReturns() throws {
        // Host 3 alone can carry HD; host 2 can carry an SD stream but only 0.6 of an HD one.
        let profile = try ProfileCosts(path: Lab.committedProfile())
        let lab = try Lab.up(hosts: 3, name: "svc-ladder")
        defer { lab.down() }
        try join(lab, host: 1, idleCores: 0)
        try join(lab, host: 2, idleCores: 0.6 * profile.hdCoresWithHeadroom)
        try join(lab, host: 3, idleCores: 3 * profile.hdCoresWithHeadroom)
        try #require(0.6 * profile.hdCoresWithHeadroom > 1.1 * profile.sdCoresWithHeadroom, "the profile's SD is too dear for this test")
        try waitForPeers(lab, 2)
        let host2 = try #require(nodeID(lab, host: 2))
        let host3 = try #require(nodeID(lab, host: 3))

        let formed = try node(lab, ["request", "--video", "HD", "--accept", "SD", "--json"])
        let answer = try answer(formed)
        try #require(answer.service.phase == .serving && answer.service.level == "HD", "\(formed)")
        #expect(answer.service.members.map(\.peer) == [host3], "\(formed)")

        func service() -> ServiceSummary? {
            status(lab)?.services?.services.first { $0.id == answer.service.id }
        }
        let cut = Date()
        try lab.cut(host: 3)
        var seen: ServiceSummary?
        let degraded = Lab.poll(within: 5, every: 0.1) {
            seen = service()
            return seen?.phase == .serving && seen?.level == "SD"
        }
        #expect(degraded, "not degraded to SD on host 2: \(String(describing: seen))\n\(log(lab, host: 1))")
        #expect(seen?.members.map(\.peer) == [host2])
        #expect(seen?.lastEvent?.kind == .degraded)
        let degradedAfter = Date().timeIntervalSince(cut)

        // Host 3 comes back: the service returns to HD on it, and host 2 lets go of its SD share.
        let heal = Date()
        try lab.heal(host: 3)
        let upgraded = Lab.poll(within: 15, every: 0.1) {
            seen = service()
            return seen?.phase == .serving && seen?.level == "HD"
        }
        print(String(format: "services: link cut -> degraded to SD after %.2f s; healed -> back to HD after %.2f s (as polled)",
                     degradedAfter, Date().timeIntervalSince(heal)))
        #expect(upgraded, "not back to HD: \(String(describing: seen))\n\(log(lab, host: 1))")
        #expect(seen?.lastEvent?.kind == .upgraded, "\(String(describing: seen))")
        #expect(seen?.members.map(\.peer) == [host3])
        let released = Lab.poll(within: 2, every: 0.1) {
            status(lab, host: 2)?.services?.reservations.isEmpty == true
        }
        #expect(released, "host 2 still holds the SD reservation")
    }

    @Test func aBoardUnderACPUQuota_lendsNoMoreThanItsQuota() throws {
        let lab = try Lab.up(hosts: 1, name: "svc-quota")
        defer { lab.down() }
        try lab.cpu(host: 1, fraction: 0.3)
        try join(lab, host: 1, idleCores: 4)  // idle as four cores, but the cgroup allows 0.3
        var spare: Double?
        let read = Lab.poll(within: 10, every: 0.1) {
            spare = status(lab)?.services?.spareCores
            return spare != nil
        }
        try #require(read, "\(log(lab, host: 1))")
        #expect(abs((spare ?? 0) - 0.3) < 1e-6, "lends \(spare ?? -1) cores under a 0.3-core quota")
    }

    func nodeID(_ lab: Lab, host: Int) -> String? {
        status(lab, host: host)?.status.node.id
    }
}
