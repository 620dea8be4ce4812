@testable import Coalition
import MembershipCore
import QoSModel
import ServiceCore
import Testing

/// A service served below its preferred level goes back up when room appears: make before
/// break, quietly when there is no room, and safely when a reservation is refused or a member
/// dies half-way.
@Suite struct ServiceUpgradeTests {
    let hd = QoSLevel(video: .hd)
    let sd = QoSLevel(video: .sd)
    func id(_ name: String) -> MemberID { MemberID.named(name) }

    /// Offers of one peer for the ladder HD, SD.
    func offer(_ name: String, hd: Double, sd: Double) -> PeerOffer {
        PeerOffer(peer: id(name), shares: [hd, sd], reasons: ["", ""])
    }

    /// A supervisor for HD accepting SD, served at SD by `a` (only `a` offered, and only SD).
    func degradedAtSD() throws -> ServiceSupervisor {
        var supervisor = ServiceSupervisor(id: ServiceID("s1"), request: try ServiceRequest.parse(video: "HD", audio: nil, accept: ["SD"]))
        _ = supervisor.start()
        let reserve = supervisor.onOffers(round: 1, [offer("a", hd: 0.5, sd: 1.3)])
        #expect(reserve == [.reserve(round: 2, peer: id("a"), level: sd, share: 1)])
        let served = supervisor.onReservation(round: 2, peer: id("a"), accepted: true)
        #expect(served == [
            .emit(.degraded(from: hd, to: sd, members: [SubClusterMember(peer: id("a"), share: 1)])),
            .scheduleRetry(after: .seconds(5)),
        ], "a degraded service schedules its first look for room")
        return supervisor
    }

    @Test func roomForThePreferredLevel_isReservedBeforeTheOldMemberIsReleased() throws {
        var supervisor = try degradedAtSD()
        #expect(supervisor.onRetryTimer() == [.query(round: 3)])
        let reserving = supervisor.onOffers(round: 3, [offer("a", hd: 0.5, sd: 1.3), offer("b", hd: 2, sd: 5)])
        #expect(reserving == [.reserve(round: 4, peer: id("b"), level: hd, share: 1)])
        #expect(supervisor.phase == .serving, "still served by a while b is asked")
        #expect(supervisor.reservedPeers == [id("a")], "a's lease is still renewed while b is asked")
        #expect(!reserving.contains(.release(peer: id("a"))), "nothing is released before the better level is held")

        let done = supervisor.onReservation(round: 4, peer: id("b"), accepted: true)
        #expect(done == [
            .release(peer: id("a")),
            .emit(.upgraded(from: sd, to: hd, members: [SubClusterMember(peer: id("b"), share: 1)])),
        ])
        #expect(supervisor.level == hd)
        #expect(supervisor.members == [SubClusterMember(peer: id("b"), share: 1)])
        #expect(supervisor.reservedPeers == [id("b")])
        #expect(supervisor.onRetryTimer() == [], "at the preferred level it stops probing")
    }

    @Test func withoutRoom_aProbeSaysNothing_andTheNextIsScheduled() throws {
        var supervisor = try degradedAtSD()
        #expect(supervisor.onRetryTimer() == [.query(round: 3)])
        let directives = supervisor.onOffers(round: 3, [offer("a", hd: 0.5, sd: 1.3), offer("c", hd: 0.3, sd: 0.8)])
        #expect(directives == [.scheduleRetry(after: .seconds(5))])
        #expect(supervisor.level == sd && supervisor.phase == .serving)
        // A peer appearing probes at once, but never adds a second timer while one is pending.
        #expect(supervisor.onRetry() == [.query(round: 4)])
        #expect(supervisor.onOffers(round: 4, [offer("a", hd: 0.5, sd: 1.3)]) == [])
    }

    @Test func aRefusedUpgrade_keepsTheServiceWhereItWas() throws {
        var supervisor = try degradedAtSD()
        _ = supervisor.onRetryTimer()
        _ = supervisor.onOffers(round: 3, [offer("b", hd: 2, sd: 5)])
        let directives = supervisor.onReservation(round: 4, peer: id("b"), accepted: false, reason: "busy now")
        #expect(directives == [.scheduleRetry(after: .seconds(5))], "no event, nothing released")
        #expect(supervisor.level == sd)
        #expect(supervisor.members == [SubClusterMember(peer: id("a"), share: 1)])
        #expect(supervisor.phase == .serving)
    }

    @Test func anUpgradeThatReplacedASurvivorsReservation_andFailsElsewhere_rebuildsTheOldLevel() throws {
        // HD needs a and b together; a accepts (its SD reservation is replaced), b refuses.
        var supervisor = try degradedAtSD()
        _ = supervisor.onRetryTimer()
        let reserving = supervisor.onOffers(round: 3, [offer("a", hd: 0.6, sd: 1.3), offer("b", hd: 0.6, sd: 1.3)])
        #expect(reserving.count == 2)
        _ = supervisor.onReservation(round: 4, peer: id("a"), accepted: true)
        let directives = supervisor.onReservation(round: 4, peer: id("b"), accepted: false)
        #expect(directives == [.query(round: 5)], "a holds HD now, not SD: the SD sub-cluster is re-formed")
        #expect(supervisor.phase == .rebuilding)
        #expect(supervisor.level == sd)
    }

    @Test func aMemberDyingDuringAnUpgrade_isReportedOnce_andTheUpgradeStillCompletes() throws {
        var supervisor = try degradedAtSD()
        _ = supervisor.onRetryTimer()
        _ = supervisor.onOffers(round: 3, [offer("a", hd: 0.5, sd: 1.3), offer("b", hd: 2, sd: 5)])
        let lost = supervisor.onMemberLost(id("a"), reason: "declared dead")
        #expect(lost == [.emit(.memberLost(peer: id("a"), reason: "declared dead"))])
        let done = supervisor.onReservation(round: 4, peer: id("b"), accepted: true)
        #expect(done == [.emit(.upgraded(from: sd, to: hd, members: [SubClusterMember(peer: id("b"), share: 1)]))])
    }

    @Test func inTheHarness_aDegradedServiceReturnsToHD_whenABoardJoins() throws {
        var lab = ServiceHarness()
        lab.addMember("a", cores: 0.6)
        let service = ServiceID("s1")
        lab.request("s1", by: "a", try ServiceRequest.parse(video: "HD", audio: nil, accept: ["SD"]))
        lab.run()
        #expect(lab.supervisors[service]!.level == sd)
        lab.addMember("b", cores: 2)
        lab.retryAll()
        lab.run()
        guard case .upgraded(let from, let to, let members) = lab.events[service]!.last else {
            Issue.record("expected upgraded, got \(lab.events[service]!)")
            return
        }
        #expect(from == sd && to == hd)
        #expect(members.map(\.peer) == [id("b")])
        #expect(lab.members[id("a")]!.ledger.reservations[service] == nil, "the SD member let go")
        #expect(lab.members[id("b")]!.ledger.reservations[service]?.level == hd)
    }
}
