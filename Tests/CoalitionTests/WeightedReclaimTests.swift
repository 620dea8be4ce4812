@testable import Coalition
import MembershipCore
import NIOCore
import QoSModel
import ServiceCore
import Testing

/// A member's prices for the reclaim tests: CPU cores per stream (FHD 1.5, HD 0.9, SD 0.4)
/// and 10 MiB per decoder; memory never binds (1 GiB).
enum ReclaimPrices {
    static let fhd = QoSLevel(video: .fhd)
    static let hd = QoSLevel(video: .hd)
    static let sd = QoSLevel(video: .sd)

    static func cores(_ level: QoSLevel) -> Double {
        switch level.video {
        case .fhd: 1.5
        case .hd: 0.9
        case .sd: 0.4
        default: 0.2
        }
    }

    static func price(_ level: QoSLevel, _ share: Double) -> [Double]? {
        [cores(level) * share, 10 * Double(max(1, Int(share.rounded(.up))))]
    }

    static func demand(_ level: QoSLevel, _ share: Double) -> Demand? {
        Demand(cpuCores: cores(level) * share, memoryBytes: 10 << 20).scaled(toShare: share)
    }

    /// A ledger's pricing for a member lending `cores`.
    static func pricing(cores: Double) -> ReservationLedger.Pricing {
        ReservationLedger.Pricing(capacity: [cores, 1024]) { level, share in
            Demand(cpuCores: Self.cores(level), memoryBytes: 10 << 20).scaled(toShare: share)
        }
    }

    /// The local evaluation of this model: the share of `level` that fits beside `held`.
    static func evaluation(_ level: QoSLevel, cores: Double, held: [Demand]) -> Evaluation {
        let used = held.reduce(0) { $0 + $1.cpuCores }
        let share = max(0, cores - used) / Self.cores(level)
        let perStream = Demand(cpuCores: Self.cores(level), memoryBytes: 10 << 20)
        return Evaluation(
            level: level, share: share < 0.05 ? 0 : share, demandPerStream: perStream, reservationPerStream: perStream, limitedBy: .cpu,
            reason: "\(cores - used) cores free")
    }
}

/// The member's decision, pure and deterministic: who steps down for whom.
@Suite struct WeightedReclaimTests {
    typealias P = ReclaimPrices
    let t0 = MembershipInstant.zero

    func holding(_ name: String, weight: Double, at level: QoSLevel, ladder: [QoSLevel], share: Double = 1) -> WeightedReclaim.Holding {
        WeightedReclaim.Holding(service: ServiceID(name), claim: ReservationClaim(weight: weight, ladder: ladder), level: level, share: share)
    }

    func request(_ name: String, weight: Double, _ level: QoSLevel, share: Double = 1) -> WeightedReclaim.Request {
        WeightedReclaim.Request(service: ServiceID(name), claim: ReservationClaim(weight: weight, ladder: [level]), level: level, share: share)
    }

    /// Two weight-1 services at HD on a member lending 2 cores (room for two HD, not three).
    var twoAtHD: [WeightedReclaim.Holding] {
        [holding("a", weight: 1, at: P.hd, ladder: [P.hd, P.sd]), holding("b", weight: 1, at: P.hd, ladder: [P.hd, P.sd])]
    }

    @Test func aRequestThatFits_takesNothingFromAnyone() {
        let reclaim = WeightedReclaim()
        let decision = reclaim.decide(request("c", weight: 5, P.sd, share: 0.4), holdings: twoAtHD, capacity: [2, 1024], now: t0, price: P.price)
        #expect(decision == .fits)
    }

    @Test func aHeavierService_makesLighterOnesStepDownTheirLadders() {
        let reclaim = WeightedReclaim()
        let decision = reclaim.decide(request("c", weight: 5, P.hd), holdings: twoAtHD, capacity: [2, 1024], now: t0, price: P.price)
        // HD for c (5 x 0.8) with a and b at SD (0.9 + 0.4 + 0.4 = 1.7 cores) beats every other plan.
        guard case .reclaim(let stepDowns) = decision else {
            Issue.record("expected a reclaim, got \(decision)")
            return
        }
        #expect(stepDowns.map(\.service) == [ServiceID("a"), ServiceID("b")])
        #expect(stepDowns.allSatisfy { $0.level == P.sd })
        #expect(stepDowns[0].reason.contains("weight 5"))
    }

    @Test func aServiceOfEqualWeight_neverTakesCapacity() {
        let reclaim = WeightedReclaim()
        let decision = reclaim.decide(request("c", weight: 1, P.hd), holdings: twoAtHD, capacity: [2, 1024], now: t0, price: P.price)
        #expect(decision == .refused)
    }

    @Test func aServiceOfLowerWeight_neverTakesCapacity() {
        let reclaim = WeightedReclaim()
        let heavy = [holding("a", weight: 3, at: P.hd, ladder: [P.hd, P.sd]), holding("b", weight: 3, at: P.hd, ladder: [P.hd, P.sd])]
        #expect(reclaim.decide(request("c", weight: 2, P.hd), holdings: heavy, capacity: [2, 1024], now: t0, price: P.price) == .refused)
    }

    @Test func aReclaimThatWouldLowerTheWeightedQoS_isRefused() {
        let reclaim = WeightedReclaim()
        // Only unserving a (0.8) makes room, and c at SD weighs 1.2 x 0.5 = 0.6.
        let fixed = [holding("a", weight: 1, at: P.hd, ladder: [P.hd]), holding("b", weight: 1, at: P.hd, ladder: [P.hd])]
        #expect(reclaim.decide(request("c", weight: 1.2, P.sd), holdings: fixed, capacity: [2, 1024], now: t0, price: P.price) == .refused)
        // At weight 2 it is worth it (1.0 > 0.8): a is taken back entirely.
        let decision = reclaim.decide(request("c", weight: 2, P.sd), holdings: fixed, capacity: [2, 1024], now: t0, price: P.price)
        guard case .reclaim(let stepDowns) = decision else {
            Issue.record("expected a reclaim, got \(decision)")
            return
        }
        #expect(stepDowns.count == 1 && stepDowns[0].level == nil)
    }

    @Test func aServiceSteppedDown_isProtectedForAMinute_unlessAFailureHappens() {
        var reclaim = WeightedReclaim()
        let holdings = [holding("a", weight: 1, at: P.sd, ladder: [P.hd, P.sd])]
        reclaim.record([StepDown(service: ServiceID("a"), level: P.sd, reason: "")], now: t0)
        // 0.4 + 1.5 > 1.8: FHD for c needs a gone.
        let fhd = request("c", weight: 5, P.fhd)
        let soon = t0 + .seconds(59)
        #expect(reclaim.decide(fhd, holdings: holdings, capacity: [1.8, 1024], now: soon, price: P.price) == .refused)
        let later = t0 + .seconds(60)
        #expect(reclaim.decide(fhd, holdings: holdings, capacity: [1.8, 1024], now: later, price: P.price) != .refused)
        reclaim.failureHappened()
        #expect(reclaim.decide(fhd, holdings: holdings, capacity: [1.8, 1024], now: soon, price: P.price) != .refused)
    }

    @Test func anUpgrade_mustBeatKeepingWhatTheServiceHolds() {
        let reclaim = WeightedReclaim()
        // c (weight 1.5) holds SD and asks for HD: a (weight 1) would have to go entirely
        // (1.5 x 0.3 gained < 0.8 lost), so it is refused.
        let holdings = [holding("a", weight: 1, at: P.hd, ladder: [P.hd])]
        var upgrade = request("c", weight: 1.5, P.hd)
        upgrade.current = (P.sd, 1)
        #expect(reclaim.decide(upgrade, holdings: holdings, capacity: [1.5, 1024], now: t0, price: P.price) == .refused)
    }

    @Test func aQuery_isOfferedWhatLighterServicesWouldGiveUp_andNoMore() {
        let reclaim = WeightedReclaim()
        let plain = 0.2 / 0.9
        let heavy = reclaim.offeredShare(
            service: ServiceID("c"), claim: ReservationClaim(weight: 5, ladder: [P.hd]), level: P.hd, plain: plain, ceiling: 2 / 0.9,
            holdings: twoAtHD, capacity: [2, 1024], now: t0, price: P.price)
        #expect(heavy >= 1, "a weight-5 HD stream fits once a and b step down: offered \(heavy)")
        let equal = reclaim.offeredShare(
            service: ServiceID("c"), claim: ReservationClaim(weight: 1, ladder: [P.hd]), level: P.hd, plain: plain, ceiling: 2 / 0.9,
            holdings: twoAtHD, capacity: [2, 1024], now: t0, price: P.price)
        #expect(equal == plain)
    }
}

/// The ledger applies a reclaim, tells each requester once, and reports what it took back.
@Suite struct WeightedReclaimLedgerTests {
    typealias P = ReclaimPrices
    let requester = MemberID.named("r")
    let other = MemberID.named("o")

    func reserve(
        _ ledger: inout ReservationLedger, _ service: String, by requester: MemberID, _ level: QoSLevel, weight: Double,
        ladder: [QoSLevel], cores: Double = 2, at now: MembershipInstant = .zero
    ) -> ReservationDecision {
        ledger.reserve(
            service: ServiceID(service), requester: requester, level: level, share: 1,
            claim: ReservationClaim(weight: weight, ladder: ladder), pricing: P.pricing(cores: cores), now: now
        ) { held in P.evaluation(level, cores: cores, held: held) }
    }

    @Test func aHeavierReservation_stepsTheLighterDown_andTheirRequesterLearnsItOnce() {
        var ledger = ReservationLedger()
        #expect(reserve(&ledger, "a", by: requester, P.hd, weight: 1, ladder: [P.hd, P.sd]).isAccepted)
        #expect(reserve(&ledger, "b", by: requester, P.hd, weight: 1, ladder: [P.hd, P.sd]).isAccepted)
        #expect(!reserve(&ledger, "c", by: other, P.hd, weight: 1, ladder: [P.hd]).isAccepted, "equal weight takes nothing")
        #expect(reserve(&ledger, "c", by: other, P.hd, weight: 5, ladder: [P.hd]).isAccepted)
        #expect(ledger.reservations[ServiceID("a")]?.level == P.sd)
        #expect(ledger.reservations[ServiceID("b")]?.level == P.sd)
        #expect(ledger.reservations.values.reduce(0) { $0 + $1.demand.cpuCores } <= 2 + 1e-9)
        let told = ledger.takeStepDowns([ServiceID("a"), ServiceID("b")], for: requester)
        #expect(told.map(\.service).sorted() == [ServiceID("a"), ServiceID("b")])
        #expect(ledger.takeStepDowns([ServiceID("a"), ServiceID("b")], for: requester).isEmpty, "told once")
        #expect(ledger.takeReclaimed().isEmpty, "nothing was taken back entirely")
    }

    @Test func aReservationTakenBackEntirely_isReported_andToldToItsRequesterOnly() {
        var ledger = ReservationLedger()
        #expect(reserve(&ledger, "a", by: requester, P.hd, weight: 1, ladder: [P.hd], cores: 1).isAccepted)
        #expect(reserve(&ledger, "c", by: other, P.hd, weight: 5, ladder: [P.hd], cores: 1).isAccepted)
        #expect(ledger.reservations[ServiceID("a")] == nil)
        #expect(ledger.takeReclaimed().map(\.service) == [ServiceID("a")])
        #expect(ledger.takeStepDowns([ServiceID("a")], for: other).isEmpty, "not told to another requester")
        let told = ledger.takeStepDowns([ServiceID("a")], for: requester)
        #expect(told.count == 1 && told[0].level == nil)
    }

    @Test func whenTheHeavyServiceIsReleased_theLighterOnesCanReserveTheirBestLevelAgain() {
        var ledger = ReservationLedger()
        _ = reserve(&ledger, "a", by: requester, P.hd, weight: 1, ladder: [P.hd, P.sd])
        _ = reserve(&ledger, "b", by: requester, P.hd, weight: 1, ladder: [P.hd, P.sd])
        _ = reserve(&ledger, "c", by: other, P.hd, weight: 5, ladder: [P.hd])
        #expect(!reserve(&ledger, "a", by: requester, P.hd, weight: 1, ladder: [P.hd, P.sd]).isAccepted, "no room while c holds HD")
        ledger.release(ServiceID("c"), for: other)
        #expect(reserve(&ledger, "a", by: requester, P.hd, weight: 1, ladder: [P.hd, P.sd]).isAccepted)
        #expect(reserve(&ledger, "b", by: requester, P.hd, weight: 1, ladder: [P.hd, P.sd]).isAccepted)
    }
}

extension ReservationDecision {
    var isAccepted: Bool { if case .accepted = self { true } else { false } }
}

/// The requester's side: a step-down told at a renewal moves the service down its ladder.
@Suite struct SteppedDownSupervisorTests {
    let hd = QoSLevel(video: .hd)
    let sd = QoSLevel(video: .sd)
    func id(_ name: String) -> MemberID { MemberID.named(name) }

    func servedAtHD() throws -> ServiceSupervisor {
        var supervisor = ServiceSupervisor(id: ServiceID("s1"), request: try ServiceRequest.parse(video: "HD", audio: nil, accept: ["SD"]))
        _ = supervisor.start()
        _ = supervisor.onOffers(round: 1, [PeerOffer(peer: id("a"), shares: [1.2, 3])])
        _ = supervisor.onReservation(round: 2, peer: id("a"), accepted: true)
        try #require(supervisor.phase == .serving && supervisor.level == hd)
        return supervisor
    }

    @Test func aStepDown_movesTheServiceDownItsLadder_saysWhy_andLooksForRoomToGoBack() throws {
        var supervisor = try servedAtHD()
        let directives = supervisor.onSteppedDown(id("a"), to: sd, reason: "stepped down for a service of weight 5")
        #expect(directives == [
            .emit(.steppedDown(from: hd, to: sd, reason: "stepped down for a service of weight 5")),
            .scheduleRetry(after: .seconds(5)),
        ])
        #expect(supervisor.level == sd && supervisor.phase == .serving)
        #expect(supervisor.members == [SubClusterMember(peer: id("a"), share: 1)], "a still holds the same share, at SD")
        // Room again: the upgrade probe reserves HD and reports the way back up.
        #expect(supervisor.onRetryTimer() == [.query(round: 3)])
        #expect(supervisor.onOffers(round: 3, [PeerOffer(peer: id("a"), shares: [1.2, 3])]) == [.reserve(round: 4, peer: id("a"), level: hd, share: 1)])
        let back = supervisor.onReservation(round: 4, peer: id("a"), accepted: true)
        #expect(back == [.emit(.upgraded(from: sd, to: hd, members: [SubClusterMember(peer: id("a"), share: 1)]))])
    }

    @Test func aServiceTakenBackEntirely_isRebuilt() throws {
        var supervisor = try servedAtHD()
        let directives = supervisor.onSteppedDown(id("a"), to: nil, reason: "taken back")
        #expect(directives == [.emit(.steppedDown(from: hd, to: nil, reason: "taken back")), .query(round: 3)])
        #expect(supervisor.phase == .rebuilding && supervisor.members.isEmpty)
    }

    @Test func aStepDownFromAPeerThatIsNotAMember_isIgnored() throws {
        var supervisor = try servedAtHD()
        #expect(supervisor.onSteppedDown(id("z"), to: sd, reason: "?").isEmpty)
        #expect(supervisor.level == hd)
    }
}

/// The trailing fields keep old bodies decodable and every body canonical.
@Suite struct WeightedServiceMessageTests {
    let a = MemberID.named("a")
    let s = ServiceID("a/1")
    let hd = QoSLevel(video: .hd, audio: .high)
    let sd = QoSLevel(video: .sd)

    func roundTrip(_ message: ServiceMessage) throws -> ServiceMessage {
        try ServiceMessage.decode(WireFrame(type: message.type, body: message.body())).get()
    }

    @Test func theNewFields_surviveARoundTrip() throws {
        let messages: [ServiceMessage] = [
            .query(request: 1, sender: a, service: s, ladder: [hd, sd], weight: 5),
            .query(request: 1, sender: a, service: s, ladder: [hd, sd], weight: 0.25),
            .reserve(request: 2, sender: a, service: s, level: hd, share: 1, claim: ReservationClaim(weight: 5, ladder: [hd, sd])),
            .renewAnswer(
                request: 3, unknown: [ServiceID("b/2")],
                stepDowns: [StepDown(service: s, level: sd, reason: "for weight 5"), StepDown(service: ServiceID("a/2"), level: nil, reason: "")]),
        ]
        for message in messages { #expect(try roundTrip(message) == message) }
    }

    @Test func bodiesWithoutTheNewFields_decodeAsBefore_andReEncodeToThemselves() throws {
        // The bodies an earlier node sends, written out field by field.
        var query = ByteBuffer()
        query.writeInteger(UInt32(1))
        query.writeShortString(a.rawValue)
        query.writeShortString(s.rawValue)
        query.writeInteger(UInt8(1))
        query.writeBytes([2, 3])  // HD + high
        let decodedQuery = try ServiceMessage.decode(WireFrame(type: .serviceQuery, body: query)).get()
        #expect(decodedQuery == .query(request: 1, sender: a, service: s, ladder: [hd], weight: nil))
        #expect(decodedQuery.body() == query)

        var reserve = ByteBuffer()
        reserve.writeInteger(UInt32(2))
        reserve.writeShortString(a.rawValue)
        reserve.writeShortString(s.rawValue)
        reserve.writeBytes([2, 3])
        reserve.writeInteger(Double(0.5).bitPattern)
        let decodedReserve = try ServiceMessage.decode(WireFrame(type: .serviceReserve, body: reserve)).get()
        #expect(decodedReserve == .reserve(request: 2, sender: a, service: s, level: hd, share: 0.5, claim: nil))
        #expect(decodedReserve.body() == reserve)

        var renewAnswer = ByteBuffer()
        renewAnswer.writeInteger(UInt32(3))
        renewAnswer.writeInteger(UInt16(1))
        renewAnswer.writeShortString(s.rawValue)
        let decodedAnswer = try ServiceMessage.decode(WireFrame(type: .serviceRenewAnswer, body: renewAnswer)).get()
        #expect(decodedAnswer == .renewAnswer(request: 3, unknown: [s], stepDowns: []))
        #expect(decodedAnswer.body() == renewAnswer)
    }

    @Test func badWeightsAndAnEmptyStepDownList_areMalformed() throws {
        for weight in [0, -1, Double.nan, .infinity, 2e6] {
            var body = ServiceMessage.query(request: 1, sender: a, service: s, ladder: [hd]).body()
            body.writeInteger(weight.bitPattern)
            #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceQuery, body: body)).get() }
        }
        // A trailing count of 0 would be a second encoding of "no step-downs".
        var empty = ServiceMessage.renewAnswer(request: 3, unknown: []).body()
        empty.writeInteger(UInt16(0))
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceRenewAnswer, body: empty)).get() }
        // A claim cut short.
        var claim = ServiceMessage.reserve(request: 2, sender: a, service: s, level: hd, share: 1, claim: ReservationClaim(weight: 5, ladder: [hd])).body()
        claim.moveWriterIndex(to: claim.writerIndex - 1)
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceReserve, body: claim)).get() }
    }
}
