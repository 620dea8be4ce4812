@testable import Coalition
import MembershipCore
import QoSModel
import ServiceCore
import Testing

@Suite struct ServiceSupervisorTests {
    let hd = try! ServiceRequest(QoSLevel(video: .hd))
    func id(_ name: String) -> MemberID { MemberID.named(name) }

    @Test func formation_choosesTheFewestMembers_strongestFirst_andReportsTheCapableSet() {
        var lab = ServiceHarness()
        lab.addMember("a", cores: 1.0)
        lab.addMember("b", cores: 0.5)
        lab.addMember("c", cores: 2.0)
        lab.addMember("d", cores: 0.0)
        lab.request("s1", by: "a", hd)
        lab.run()
        #expect(lab.events[ServiceID("s1")] == [
            .formed(level: QoSLevel(video: .hd), members: [SubClusterMember(peer: id("c"), share: 1)], capable: 3)
        ])
        #expect(lab.supervisors[ServiceID("s1")]!.phase == .serving)
        #expect(abs(lab.reservedShare(of: ServiceID("s1")) - 1) < 1e-9)
    }

    @Test func weakBoards_shareAStream_inProportionToWhatEachCanCarry() throws {
        var lab = ServiceHarness()
        for name in ["a", "b", "c"] { lab.addMember(name, cores: 0.6) }
        lab.addMember("d", cores: 0.3)
        lab.request("s1", by: "a", try ServiceRequest(QoSLevel(video: .hd), streams: 2))
        lab.run()
        let members = lab.supervisors[ServiceID("s1")]!.members
        #expect(members.count == 4)
        #expect(abs(members.map(\.share).reduce(0, +) - 2) < 1e-9)
        for member in members {
            let offered = member.peer == id("d") ? 0.3 : 0.6
            #expect(member.share <= offered + 1e-9)
            #expect(abs(member.share / offered - 2 / 2.1) < 1e-9, "every member keeps the same relative headroom")
        }
    }

    @Test func twoRequestersRacingForOneBoard_neverOversubscribeIt() {
        var lab = ServiceHarness()
        lab.addMember("a", cores: 1.0)
        lab.addMember("b", cores: 1.0)
        lab.request("s1", by: "a", hd)
        lab.request("s2", by: "b", hd)
        // Both queries are answered before either reservation arrives: both pick board a.
        lab.run()
        #expect(lab.supervisors[ServiceID("s1")]!.phase == .serving)
        #expect(lab.supervisors[ServiceID("s2")]!.phase == .serving)
        #expect(lab.members[id("a")]!.ledger.reservations.count == 1)
        #expect(lab.members[id("b")]!.ledger.reservations.count == 1)
        for member in lab.members.values {
            let left = member.profile.evaluate(QoSLevel(video: .hd), spare: member.spare, reserved: member.ledger.heldDemands())
            #expect(left.share >= 0 && left.share < 0.05, "no board carries more than it can")
        }
    }

    @Test func servicesAreAddedBesideExistingOnes_untilTheCoalitionIsFull() {
        // Algorithm 2: each new service goes where it can be accommodated next to what is held.
        var lab = ServiceHarness()
        lab.addMember("a", cores: 2.0)
        lab.addMember("b", cores: 1.0)
        for number in 1...4 {
            lab.request("s\(number)", by: "a", hd)
            lab.run()
        }
        let phases = (1...4).map { lab.supervisors[ServiceID("s\($0)")]!.phase }
        #expect(phases[0...2].allSatisfy { $0 == .serving })
        guard case .unserved(let reason) = phases[3] else {
            Issue.record("the fourth HD stream was accepted on boards with room for three: \(phases[3])")
            return
        }
        #expect(reason.contains("no peer can carry any part of it"))
        #expect(lab.members[id("a")]!.ledger.reservations.count == 2)
        #expect(lab.members[id("b")]!.ledger.reservations.count == 1)
    }

    @Test func aReserveMargin_isReservedOnTopOfTheDemand_andKeptWhenAMemberIsReplaced() throws {
        var lab = ServiceHarness()
        for name in ["a", "b", "c"] { lab.addMember(name, cores: 0.6) }
        let service = ServiceID("s1")
        lab.request("s1", by: "a", hd, reserveMargin: 0.1)
        lab.run()
        let members = lab.supervisors[service]!.members
        #expect(abs(members.map(\.share).reduce(0, +) - 1.1) < 1e-9, "\(members)")
        #expect(abs(lab.reservedShare(of: service) - 1.1) < 1e-9)

        lab.now = lab.now + .milliseconds(500)
        let lost = try #require(["a", "b", "c"].first { id($0) == members[0].peer })
        lab.fail(lost)
        lab.run()
        let rebuilt = lab.supervisors[service]!.members
        #expect(!rebuilt.map(\.peer).contains(id(lost)) && lab.events[service]!.last.map { if case .rebuilt = $0 { true } else { false } } == true)
        #expect(abs(rebuilt.map(\.share).reduce(0, +) - 1.1) < 1e-9, "the margin survives the rebuild: \(rebuilt)")
    }

    @Test func aReserveMarginTheSurvivorsCannotCarry_leavesTheServiceServedAtItsDemand() throws {
        var lab = ServiceHarness()
        // Three boards that each carry a bit more than half a stream: all three are needed for
        // the margin, any two for the demand.
        for name in ["a", "b", "c"] { lab.addMember(name, cores: 0.52) }
        let service = ServiceID("s1")
        lab.request("s1", by: "a", hd, reserveMargin: 0.1)
        lab.run()
        let members = lab.supervisors[service]!.members
        try #require(lab.supervisors[service]!.phase == .serving, "\(lab.events[service] ?? [])")
        let lost = try #require(["a", "b", "c"].first { id($0) == members[0].peer })
        lab.now = lab.now + .milliseconds(500)
        lab.fail(lost)
        lab.run()
        #expect(lab.supervisors[service]!.phase == .serving, "a margin must never leave a servable service unserved: \(lab.events[service] ?? [])")
        let total = lab.supervisors[service]!.members.map(\.share).reduce(0, +)
        #expect(total >= 1 - 1e-9 && total <= 1.1 + 1e-9, "\(lab.supervisors[service]!.members)")
    }

    @Test func aRebuildReservesTheRecoveryMargin_thenTrimsItBack_inProportion() throws {
        var lab = ServiceHarness()
        for name in ["a", "b", "c"] { lab.addMember(name, cores: 0.6) }
        let service = ServiceID("s1")
        lab.request("s1", by: "a", hd, reserveMargin: 0.1, recoveryMargin: 0.5)
        lab.run()
        #expect(abs(lab.reservedShare(of: service) - 1.1) < 1e-9, "formation reserves the ordinary margin only")
        #expect(lab.trims.isEmpty)

        let lost = try #require(["a", "b", "c"].first { id($0) == lab.supervisors[service]!.members[0].peer })
        lab.fail(lost)
        lab.run()
        // The survivor keeps 0.55; the third board (0.6 cores at 0.8 per stream with 25%
        // headroom: 0.6 of a stream) gives all it has towards the 1.5 asked for.
        let rebuilt = lab.supervisors[service]!.members
        #expect(abs(rebuilt.map(\.share).reduce(0, +) - 1.15) < 1e-9, "\(rebuilt)")
        #expect(lab.trims == [service], "the recovery margin is to be given back")

        lab.trimAll()
        lab.run()
        let trimmed = lab.supervisors[service]!.members
        #expect(abs(trimmed.map(\.share).reduce(0, +) - 1.1) < 1e-9, "\(trimmed)")
        #expect(abs(lab.reservedShare(of: service) - 1.1) < 1e-9, "the members' ledgers hold the smaller shares")
        for (before, after) in zip(rebuilt, trimmed) {
            #expect(before.peer == after.peer && abs(after.share - before.share * 1.1 / 1.15) < 1e-9, "shrunk in proportion")
        }
        #expect(lab.events[service]!.last == .trimmed(level: QoSLevel(video: .hd), members: trimmed))
        #expect(lab.supervisors[service]!.phase == .serving && lab.trims.isEmpty)
    }

    @Test func aRecalibration_reservesEveryMembersShareAgain_andARefusalKeepsWhatWasHeld() throws {
        let level = QoSLevel(video: .hd)
        var supervisor = ServiceSupervisor(id: ServiceID("s1"), request: hd)
        #expect(supervisor.onRecalibration().isEmpty, "nothing held yet")
        #expect(supervisor.start() == [.query(round: 1)])
        let reserves = supervisor.onOffers(round: 1, [PeerOffer(peer: id("a"), shares: [0.6]), PeerOffer(peer: id("b"), shares: [0.6])])
        #expect(reserves.count == 2)
        #expect(supervisor.onRecalibration().isEmpty, "a round under way")
        _ = supervisor.onReservation(round: 2, peer: id("a"), accepted: true)
        let formed = supervisor.onReservation(round: 2, peer: id("b"), accepted: true)
        guard case .emit(.formed) = formed.first else {
            Issue.record("not formed: \(formed)")
            return
        }
        let before = supervisor.members

        let again = supervisor.onRecalibration()
        #expect(Set(again) == Set(before.map { ServiceDirective.reserve(round: 3, peer: $0.peer, level: level, share: $0.share) }))
        #expect(supervisor.onRecalibration().isEmpty, "one at a time")
        #expect(supervisor.onReservation(round: 3, peer: id("a"), accepted: true).isEmpty)
        let done = supervisor.onReservation(round: 3, peer: id("b"), accepted: false, reason: "no room at that price")
        #expect(done == [.emit(.recalibrated(level: level, members: before))])
        #expect(supervisor.members == before && supervisor.phase == .serving)

        // While rebuilding, the rebuild reserves at the new price anyway.
        _ = supervisor.onMemberLost(id("a"), reason: "declared dead")
        #expect(supervisor.onRecalibration().isEmpty)
    }

    @Test func aMemberLostDuringATrim_isRebuilt_withItsOwnRecoveryMargin() throws {
        var lab = ServiceHarness()
        for name in ["a", "b", "c", "d"] { lab.addMember(name, cores: 0.6) }
        let service = ServiceID("s1")
        lab.request("s1", by: "a", hd, reserveMargin: 0.1, recoveryMargin: 0.5)
        lab.run()
        let firstLost = try #require(["a", "b", "c", "d"].first { id($0) == lab.supervisors[service]!.members[0].peer })
        lab.fail(firstLost)
        lab.run()
        try #require(lab.trims == [service])
        lab.trimAll()
        // Every member is asked for its smaller share; one dies before it answers.
        let second = try #require(["a", "b", "c", "d"].first { $0 != firstLost && lab.supervisors[service]!.members.map(\.peer).contains(id($0)) })
        lab.fail(second)
        lab.run()
        let members = lab.supervisors[service]!.members
        #expect(lab.supervisors[service]!.phase == .serving, "\(lab.events[service] ?? [])")
        #expect(!members.map(\.peer).contains(id(second)) && !members.map(\.peer).contains(id(firstLost)))
        #expect(members.map(\.share).reduce(0, +) >= 1.1 - 1e-9, "\(members)")
        #expect(lab.events[service]!.contains(.memberLost(peer: id(second), reason: "declared dead")))
        #expect(lab.trims == [service], "the new rebuild's margin is trimmed in its turn")
    }

    @Test func aFailedMember_isReplaced_andSurvivorsKeepTheirReservations() throws {
        var lab = ServiceHarness()
        for name in ["a", "b", "c"] { lab.addMember(name, cores: 1.0) }
        let service = ServiceID("s1")
        lab.request("s1", by: "a", try ServiceRequest(QoSLevel(video: .hd), streams: 2))
        lab.run()
        #expect(Set(lab.supervisors[service]!.members.map(\.peer)) == [id("a"), id("b")])
        let survivorLease = lab.members[id("a")]!.ledger.reservations[service]

        lab.now = lab.now + .milliseconds(500)
        lab.fail("b")
        lab.run()
        #expect(lab.events[service]!.suffix(2) == [
            .memberLost(peer: id("b"), reason: "declared dead"),
            .rebuilt(level: QoSLevel(video: .hd), members: [
                SubClusterMember(peer: id("a"), share: 1), SubClusterMember(peer: id("c"), share: 1),
            ]),
        ])
        #expect(lab.members[id("a")]!.ledger.reservations[service] == survivorLease, "the survivor was not asked again")
    }

    @Test func whenTheLevelCannotBeKept_itDegradesAlongTheAcceptedLadderOnly() throws {
        var lab = ServiceHarness()
        lab.addMember("a", cores: 1.0)
        lab.addMember("b", cores: 0.5)
        let service = ServiceID("s1")
        lab.request("s1", by: "a", try ServiceRequest.parse(video: "HD", audio: nil, accept: ["SD"]))
        lab.run()
        lab.fail("a")
        lab.run()
        #expect(lab.events[service]!.last == .degraded(
            from: QoSLevel(video: .hd), to: QoSLevel(video: .sd), members: [SubClusterMember(peer: id("b"), share: 1)]))
        #expect(lab.members[id("b")]!.ledger.reservations[service]?.level == QoSLevel(video: .sd))
    }

    @Test func withoutALadder_itReportsUnserved_andIsRestoredWhenCapacityAppears() {
        var lab = ServiceHarness()
        lab.addMember("a", cores: 1.0)
        lab.addMember("b", cores: 0.5)
        let service = ServiceID("s1")
        lab.request("s1", by: "b", hd)
        lab.run()
        lab.fail("a")
        lab.run()
        guard case .unserved(let reason) = lab.supervisors[service]!.phase else {
            Issue.record("expected unserved, got \(lab.supervisors[service]!.phase)")
            return
        }
        #expect(reason.hasPrefix("cannot serve 1 stream(s) of HD: at HD, 1 capable peer(s) can carry 0.50 of the 1.00 stream(s) needed"))
        #expect(lab.reservedShare(of: service) == 0, "nothing stays reserved for an unserved service")

        let eventsBefore = lab.events[service]!.count
        lab.retryAll()
        lab.run()
        #expect(lab.supervisors[service]!.phase == .unserved(reason: reason), "still not enough")
        #expect(lab.events[service]!.count == eventsBefore, "an unchanged verdict is not repeated at every retry")
        #expect(lab.retries == [service], "it keeps retrying")

        lab.addMember("c", cores: 0.6)
        lab.retryAll()
        lab.run()
        #expect(lab.supervisors[service]!.phase == .serving)
        guard case .restored(let level, let members) = lab.events[service]!.last else {
            Issue.record("expected restored, got \(lab.events[service]!)")
            return
        }
        #expect(level == QoSLevel(video: .hd))
        #expect(Set(members.map(\.peer)) == [id("b"), id("c")])
    }

    @Test func aRequestNoCoalitionCanServe_saysWhy() {
        var lab = ServiceHarness()
        lab.addMember("a", cores: 0.1)
        lab.request("s1", by: "a", try! ServiceRequest(QoSLevel(video: .fhd)))
        lab.run()
        guard case .unserved(let reason) = lab.events[ServiceID("s1")]!.last else {
            Issue.record("expected unserved")
            return
        }
        #expect(reason.contains("cannot serve 1 stream(s) of FHD: at FHD, no peer can carry any part of it"))
        #expect(reason.contains("\(id("a")): 0.10 cores free"))
    }

    @Test func releasing_freesEveryReservation() {
        var lab = ServiceHarness()
        lab.addMember("a", cores: 0.6)
        lab.addMember("b", cores: 0.6)
        let service = ServiceID("s1")
        lab.request("s1", by: "a", hd)
        lab.run()
        #expect(lab.reservedShare(of: service) > 0.99)
        lab.enqueue(service, lab.supervisors[service]!.release())
        lab.run()
        #expect(lab.reservedShare(of: service) == 0)
        #expect(lab.events[service]!.last == .released)
    }

    @Test func aLateAcceptanceOfAnOldRound_isReleased() throws {
        var supervisor = ServiceSupervisor(id: ServiceID("s"), request: hd)
        _ = supervisor.start()
        let reserve = supervisor.onOffers(round: 1, [PeerOffer(peer: id("a"), shares: [1.5])])
        #expect(reserve == [.reserve(round: 2, peer: id("a"), level: QoSLevel(video: .hd), share: 1)])
        _ = supervisor.onMemberLost(id("a"), reason: "timed out")
        #expect(supervisor.onReservation(round: 2, peer: id("a"), accepted: true) == [.release(peer: id("a"))])
    }
}

@Suite struct ReservationLedgerTests {
    let requester = MemberID.named("req")
    let level = QoSLevel(video: .hd)
    let profile = makeBoardProfile()
    let spare = QoSModel.SpareCapacity(cores: 1.0, memoryAvailableBytes: 900 << 20)

    func reserve(_ ledger: inout ReservationLedger, _ service: String, share: Double, at now: MembershipInstant) -> ReservationDecision {
        ledger.reserve(service: ServiceID(service), requester: requester, level: level, share: share, now: now) { held in
            profile.evaluate(level, spare: spare, reserved: held)
        }
    }

    @Test func aReservationIsAcceptedOnlyBesideWhatIsHeld() {
        var ledger = ReservationLedger()
        guard case .accepted = reserve(&ledger, "s1", share: 0.6, at: .zero) else {
            Issue.record("first reservation refused")
            return
        }
        guard case .rejected(let reason, let available) = reserve(&ledger, "s2", share: 0.6, at: .zero) else {
            Issue.record("second reservation accepted beside the first")
            return
        }
        #expect(abs(available - 0.4) < 1e-9)
        #expect(reason.hasPrefix("can carry 0.40 of HD, asked 0.60"))
        guard case .accepted = reserve(&ledger, "s2", share: 0.4, at: .zero) else {
            Issue.record("what is left was refused")
            return
        }
    }

    @Test func reservingTheSameServiceAgain_resizesIt() {
        var ledger = ReservationLedger()
        _ = reserve(&ledger, "s1", share: 0.6, at: .zero)
        guard case .accepted(let resized) = reserve(&ledger, "s1", share: 1.0, at: .zero) else {
            Issue.record("resize refused")
            return
        }
        #expect(resized.share == 1.0)
        #expect(ledger.reservations.count == 1)
    }

    @Test func leasesExpireUnlessRenewed() {
        var ledger = ReservationLedger(configuration: .init(leaseDuration: .seconds(3)))
        _ = reserve(&ledger, "s1", share: 0.5, at: .zero)
        _ = reserve(&ledger, "s2", share: 0.3, at: .zero)
        let twoSeconds = MembershipInstant.zero + .seconds(2)
        #expect(ledger.renew([ServiceID("s1"), ServiceID("ghost")], for: requester, now: twoSeconds) == [ServiceID("ghost")])
        #expect(ledger.expire(now: .zero + .milliseconds(2999)).isEmpty)
        #expect(ledger.expire(now: .zero + .seconds(3)).map(\.service) == [ServiceID("s2")])
        #expect(ledger.expire(now: .zero + .seconds(5)).map(\.service) == [ServiceID("s1")])
        #expect(ledger.reservations.isEmpty)
    }

    @Test func aDeadRequestersReservationsAreAllReleased() {
        var ledger = ReservationLedger()
        _ = reserve(&ledger, "s1", share: 0.5, at: .zero)
        _ = ledger.reserve(service: ServiceID("s2"), requester: MemberID.named("other"), level: level, share: 0.2, now: .zero) { held in
            profile.evaluate(level, spare: spare, reserved: held)
        }
        #expect(ledger.releaseAll(of: requester).map(\.service) == [ServiceID("s1")])
        #expect(ledger.reservations.keys.map(\.rawValue) == ["s2"])
    }

    @Test func onlyTheRequesterCanReleaseOrRenew() {
        var ledger = ReservationLedger()
        _ = reserve(&ledger, "s1", share: 0.5, at: .zero)
        #expect(ledger.release(ServiceID("s1"), for: MemberID.named("intruder")) == nil)
        #expect(ledger.renew([ServiceID("s1")], for: MemberID.named("intruder"), now: .zero) == [ServiceID("s1")])
        #expect(ledger.release(ServiceID("s1"), for: requester) != nil)
    }

    @Test func nonsenseSharesAreRefused() {
        var ledger = ReservationLedger()
        guard case .rejected = reserve(&ledger, "s1", share: .nan, at: .zero) else {
            Issue.record("NaN accepted")
            return
        }
        guard case .rejected = reserve(&ledger, "s1", share: -1, at: .zero) else {
            Issue.record("negative accepted")
            return
        }
    }
}
