import Coalition
import MembershipCore
import NIOCore
import QoSModel
import ServiceCore
import Testing

/// The input section of `node request --input` on queries and reservations, and the demand a
/// member estimated for it on reservation answers: trailing and optional, after the weights.
@Suite struct InputServiceMessageTests {
    let a = MemberID.named("a")
    let s = ServiceID("a/1")
    let hd = QoSLevel(video: .hd)
    let qhd = InputDescription(codec: .h264, width: 960, height: 540, frameRateNumerator: 30, frameRateDenominator: 1)!
    let ntsc = InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 30000, frameRateDenominator: 1001)!

    func roundTrip(_ message: ServiceMessage) throws -> ServiceMessage {
        try ServiceMessage.decode(WireFrame(type: message.type, body: message.body())).get()
    }

    func decode(_ type: WireMessageType, _ body: ByteBuffer) throws -> ServiceMessage {
        try ServiceMessage.decode(WireFrame(type: type, body: body)).get()
    }

    @Test func anInputAndADemand_surviveARoundTrip() throws {
        let messages: [ServiceMessage] = [
            .query(request: 1, sender: a, service: s, ladder: [hd], weight: 1, input: qhd),
            .query(request: 1, sender: a, service: s, ladder: [hd, QoSLevel(video: .sd)], weight: 5, input: ntsc),
            .reserve(request: 2, sender: a, service: s, level: hd, share: 0.5, claim: ReservationClaim(weight: 3, ladder: [hd]), input: qhd),
            .reserveAnswer(request: 2, accepted: true, available: 0.5, reason: "", demand: Demand(cpuCores: 0.0755, memoryBytes: 12_202_496)),
        ]
        for message in messages { #expect(try roundTrip(message) == message) }
    }

    @Test func anInputWithoutTheFieldBeforeIt_writesThatFieldsDefault() throws {
        // The weight (a query) and the claim (a reservation) come before the input, so they are
        // written with their defaults and read back as them.
        let query = try roundTrip(.query(request: 1, sender: a, service: s, ladder: [hd], weight: nil, input: qhd))
        #expect(query == .query(request: 1, sender: a, service: s, ladder: [hd], weight: 1, input: qhd))
        let reserve = try roundTrip(.reserve(request: 2, sender: a, service: s, level: hd, share: 1, claim: nil, input: qhd))
        #expect(reserve == .reserve(request: 2, sender: a, service: s, level: hd, share: 1, claim: ReservationClaim(ladder: [hd]), input: qhd))
    }

    @Test func theInputSection_isLaidOutAsDocumented() throws {
        var expected = ServiceMessage.query(request: 1, sender: a, service: s, ladder: [hd], weight: 2).body()
        expected.writeInteger(UInt8(1))
        expected.writeInteger(UInt16(960))
        expected.writeInteger(UInt16(540))
        expected.writeInteger(UInt32(30))
        expected.writeInteger(UInt32(1))
        #expect(ServiceMessage.query(request: 1, sender: a, service: s, ladder: [hd], weight: 2, input: qhd).body() == expected)
        #expect(try decode(.serviceQuery, expected).body() == expected)
    }

    @Test func aCalibratedInput_carriesItsCalibrationLast_onQueriesAndReservations() throws {
        let measured = qhd.calibrated(by: 0.55)
        let query = ServiceMessage.query(request: 1, sender: a, service: s, ladder: [hd], weight: 2, input: measured)
        let reserve = ServiceMessage.reserve(
            request: 2, sender: a, service: s, level: hd, share: 0.5, claim: ReservationClaim(weight: 3, ladder: [hd]), input: measured)
        for message in [query, reserve] { #expect(try roundTrip(message) == message) }
        var expected = ServiceMessage.query(request: 1, sender: a, service: s, ladder: [hd], weight: 2, input: qhd).body()
        expected.writeInteger((0.55).bitPattern)
        #expect(query.body() == expected)
        // An uncalibrated input is written as before: no trailing bytes.
        let plain = ServiceMessage.query(request: 1, sender: a, service: s, ladder: [hd], weight: 2, input: qhd).body()
        #expect(plain.readableBytes == expected.readableBytes - 8)
    }

    @Test func bodiesOfEarlierNodes_decodeWithoutInput_andReEncodeToThemselves() throws {
        for message: ServiceMessage in [
            .query(request: 1, sender: a, service: s, ladder: [hd]),
            .query(request: 1, sender: a, service: s, ladder: [hd], weight: 5),
            .reserve(request: 2, sender: a, service: s, level: hd, share: 0.5),
            .reserve(request: 2, sender: a, service: s, level: hd, share: 0.5, claim: ReservationClaim(weight: 5, ladder: [hd])),
            .reserveAnswer(request: 2, accepted: false, available: 0.25, reason: "busy"),
        ] {
            let body = message.body()
            let decoded = try decode(message.type, body)
            #expect(decoded == message)
            #expect(decoded.body() == body)
        }
    }

    @Test func badInputsAndDemands_areMalformed() throws {
        func withInput(_ codec: UInt8, _ width: UInt16, _ height: UInt16, _ numerator: UInt32, _ denominator: UInt32) -> ByteBuffer {
            var body = ServiceMessage.query(request: 1, sender: a, service: s, ladder: [hd], weight: 1).body()
            body.writeInteger(codec)
            body.writeInteger(width)
            body.writeInteger(height)
            body.writeInteger(numerator)
            body.writeInteger(denominator)
            return body
        }
        let bad = [
            withInput(2, 960, 540, 30, 1),  // AAC is not a video codec
            withInput(0, 960, 540, 30, 1),
            withInput(1, 0, 540, 30, 1),
            withInput(1, 960, 0, 30, 1),
            withInput(1, 20_000, 540, 30, 1),
            withInput(1, 960, 540, 0, 1),
            withInput(1, 960, 540, 30, 0),
            withInput(1, 960, 540, 5000, 1),
        ]
        for body in bad {
            #expect(throws: WireDropReason.malformedBody) { try decode(.serviceQuery, body) }
        }
        var short = withInput(1, 960, 540, 30, 1)
        short.moveWriterIndex(to: short.writerIndex - 1)
        #expect(throws: WireDropReason.malformedBody) { try decode(.serviceQuery, short) }

        for calibration in [Double.nan, .infinity, 0, 0.01, 25, -1] {
            var body = withInput(1, 960, 540, 30, 1)
            body.writeInteger(calibration.bitPattern)
            #expect(throws: WireDropReason.malformedBody) { try decode(.serviceQuery, body) }
        }
        var shortCalibration = withInput(1, 960, 540, 30, 1)
        shortCalibration.writeInteger(UInt32(0))
        #expect(throws: WireDropReason.malformedBody) { try decode(.serviceQuery, shortCalibration) }

        for (cores, memory) in [(Double.nan, UInt64(1)), (-1, 1), (.infinity, 1), (2000, 1), (0.1, UInt64(1) << 41)] {
            var body = ServiceMessage.reserveAnswer(request: 2, accepted: true, available: 1, reason: "").body()
            body.writeInteger(cores.bitPattern)
            body.writeInteger(memory)
            #expect(throws: WireDropReason.malformedBody) { try decode(.serviceReserveAnswer, body) }
        }
    }
}

/// A member prices the input a query or reservation names, not its level's preset.
@Suite struct InputPricingHostTests {
    let qhd = InputDescription(codec: .h264, width: 960, height: 540, frameRateNumerator: 30, frameRateDenominator: 1)!

    func host() -> ServiceHost {
        ServiceHost(
            profile: makeBoardProfile(), spare: { QoSModel.SpareCapacity(cores: 1, memoryAvailableBytes: 900 << 20) },
            now: { MembershipInstant(nanoseconds: 0) })
    }

    @Test func anOffer_pricesTheInputAtItsLevel_andThePresetsOfOtherLevels() async throws {
        let profile = makeBoardProfile()
        let estimate = try #require(profile.estimateDemand(for: qhd))
        #expect(estimate.cpuSecondsPerMediaSecond < 0.80, "between SD (0.30) and HD (0.80)")
        let offer = await host().offer(
            for: ServiceID("a/1"), ladder: [QoSLevel(video: .fhd), QoSLevel(video: .hd), QoSLevel(video: .sd)], input: qhd,
            me: MemberID.named("m"))
        #expect(abs(offer.shares[0] - 1 / (1.90 * 1.25)) < 1e-9, "FHD is more than the input holds: its preset")
        #expect(abs(offer.shares[1] - 1 / (estimate.cpuSecondsPerMediaSecond * 1.25)) < 1e-9)
        #expect(abs(offer.shares[2] - 1 / (0.30 * 1.25)) < 1e-9, "SD is below the input's level: its preset")
        let plain = await host().offer(for: ServiceID("a/1"), ladder: [QoSLevel(video: .hd)], me: MemberID.named("m"))
        #expect(abs(plain.shares[0] - 1 / (0.80 * 1.25)) < 1e-9)
    }

    @Test func aReservationOfAnInput_holdsItsEstimate() async throws {
        let host = host()
        let estimate = try #require(makeBoardProfile().estimateDemand(for: qhd))
        let decision = await host.reserve(
            service: ServiceID("a/1"), requester: MemberID.named("a"), level: QoSLevel(video: .hd), share: 0.5, input: qhd)
        guard case .accepted(let reservation) = decision else {
            Issue.record("not reserved: \(decision)")
            return
        }
        #expect(abs(reservation.demand.cpuCores - estimate.cpuSecondsPerMediaSecond * 1.25 * 0.5) < 1e-9)
        #expect(await host.demandPerStream(of: QoSLevel(video: .hd), input: qhd) == estimate.demand)
    }

    @Test func reservingAgainAtAMeasuredCalibration_replacesTheLease_withoutTheProfilesHeadroom() async throws {
        let host = host()
        let service = ServiceID("a/1"), requester = MemberID.named("a"), hd = QoSLevel(video: .hd)
        let estimate = try #require(makeBoardProfile().estimateDemand(for: qhd))
        _ = await host.reserve(service: service, requester: requester, level: hd, share: 0.5, input: qhd)
        let measured = qhd.calibrated(by: 0.6)
        let decision = await host.reserve(service: service, requester: requester, level: hd, share: 0.5, input: measured)
        guard case .accepted = decision else {
            Issue.record("not reserved again: \(decision)")
            return
        }
        let lease = try #require(await host.lease(of: service, for: requester))
        // The profile's board prices no hash: the decode alone, at 0.6x, with no headroom.
        #expect(abs(lease.demand.cpuCores - estimate.decodeCPUSecondsPerMediaSecond * 0.6 * 0.5) < 1e-9)
        let parts = try #require(await host.estimatePerStream(of: hd, input: measured))
        #expect(parts.calibration == 0.6)
        #expect(abs(parts.decodeCPUSecondsPerMediaSecond - estimate.decodeCPUSecondsPerMediaSecond * 0.6) < 1e-12)
    }
}
