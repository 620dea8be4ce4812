import Coalition
import MediaCore
import MembershipCore
import NIOCore
import QoSModel
import ServiceCore
import Testing

/// What a member's CPU estimate is made of (decode, hash, basis), trailing a reservation
/// answer's demand, so the requester's report can show it against what the member measured.
@Suite struct EstimatePartsMessageTests {
    let demand = Demand(cpuCores: 0.171, memoryBytes: 16_277_504)
    let parts = CPUEstimate(
        cpuPerMediaSecond: 0.171, decodeCPUPerMediaSecond: 0.105, hashCPUPerMediaSecond: 0.066, basis: "decode 0.1050 (measured at HD) + hash")

    func decode(_ body: ByteBuffer) throws -> ServiceMessage {
        try ServiceMessage.decode(WireFrame(type: .serviceReserveAnswer, body: body)).get()
    }

    @Test func theParts_surviveARoundTrip_withAndWithoutTheHash() throws {
        let unpriced = CPUEstimate(cpuPerMediaSecond: 0.171, decodeCPUPerMediaSecond: 0.171, hashCPUPerMediaSecond: nil, basis: "hash not priced")
        for estimate in [parts, unpriced] {
            let message = ServiceMessage.reserveAnswer(request: 3, accepted: true, available: 0.5, reason: "", demand: demand, estimate: estimate)
            #expect(try decode(message.body()) == message)
        }
    }

    @Test func thePartsSection_isLaidOutAsDocumented() throws {
        var expected = ServiceMessage.reserveAnswer(request: 3, accepted: true, available: 0.5, reason: "", demand: demand).body()
        expected.writeInteger((0.105).bitPattern)
        expected.writeInteger(UInt8(1))
        expected.writeInteger((0.066).bitPattern)
        expected.writeInteger(UInt16(parts.basis!.utf8.count))
        expected.writeString(parts.basis!)
        let message = ServiceMessage.reserveAnswer(request: 3, accepted: true, available: 0.5, reason: "", demand: demand, estimate: parts)
        #expect(message.body() == expected)
    }

    @Test func theLongestAnswer_fitsItsFrameLimit() throws {
        let long = CPUEstimate(
            cpuPerMediaSecond: 1, decodeCPUPerMediaSecond: 0.5, hashCPUPerMediaSecond: 0.5, basis: String(repeating: "b", count: 2000))
        let message = ServiceMessage.reserveAnswer(
            request: 3, accepted: true, available: 0.5, reason: String(repeating: "r", count: 2000), demand: demand, estimate: long)
        #expect(message.body().readableBytes <= WireMessageType.serviceReserveAnswer.maximumBodyLength)
        guard case .reserveAnswer(_, _, _, _, _, let read) = try decode(message.body()) else {
            Issue.record("not a reservation answer")
            return
        }
        #expect(read?.basis?.utf8.count == ServiceMessage.maximumBasisBytes)
    }

    @Test func anAnswerOfAnEarlierNode_decodesWithoutParts() throws {
        let old = ServiceMessage.reserveAnswer(request: 3, accepted: true, available: 0.5, reason: "", demand: demand)
        guard case .reserveAnswer(_, _, _, _, let read, let estimate) = try decode(old.body()) else {
            Issue.record("not a reservation answer")
            return
        }
        #expect(read == demand)
        #expect(estimate == nil)
    }

    @Test func badParts_areMalformed() throws {
        let base = ServiceMessage.reserveAnswer(request: 3, accepted: true, available: 0.5, reason: "", demand: demand).body()
        func body(_ write: (inout ByteBuffer) -> Void) -> ByteBuffer {
            var buffer = base
            write(&buffer)
            return buffer
        }
        let bad: [ByteBuffer] = [
            body { $0.writeInteger(Double.nan.bitPattern); $0.writeInteger(UInt8(0)); $0.writeInteger(UInt16(0)) },
            body { $0.writeInteger((-0.1).bitPattern); $0.writeInteger(UInt8(0)); $0.writeInteger(UInt16(0)) },
            body { $0.writeInteger((0.1).bitPattern); $0.writeInteger(UInt8(2)); $0.writeInteger(UInt16(0)) },
            body { $0.writeInteger((0.1).bitPattern); $0.writeInteger(UInt8(1)); $0.writeInteger(Double.infinity.bitPattern); $0.writeInteger(UInt16(0)) },
            body { $0.writeInteger((0.1).bitPattern); $0.writeInteger(UInt8(1)); $0.writeInteger((5000.0).bitPattern); $0.writeInteger(UInt16(0)) },
            body { $0.writeInteger((0.1).bitPattern); $0.writeInteger(UInt8(0)) },  // no basis
            body { $0.writeInteger((0.1).bitPattern); $0.writeInteger(UInt8(0)); $0.writeInteger(UInt16(300)); $0.writeString(String(repeating: "x", count: 300)) },
            body { $0.writeInteger((0.1).bitPattern); $0.writeInteger(UInt8(0)); $0.writeInteger(UInt16(0)); $0.writeInteger(UInt8(9)) },
            body { $0.writeInteger(UInt32(1)) },
        ]
        for body in bad {
            #expect(throws: WireDropReason.malformedBody) { try decode(body) }
        }
    }
}

/// A member with a frame-hash rate in its profile reserves for decoding and hashing, and says
/// which is which.
@Suite struct HashPricingHostTests {
    let hd24 = InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 24, frameRateDenominator: 1)!

    @Test func theEstimatePerStream_isTheDemand_inParts() async throws {
        var profile = makeBoardProfile()
        profile.frameHash = FrameHashMeasurement(bytesPerCPUSecond: 331_776_000, frames: 240, bytes: 331_776_000)
        let host = ServiceHost(
            profile: profile, spare: { QoSModel.SpareCapacity(cores: 2, memoryAvailableBytes: 900 << 20) },
            now: { MembershipInstant(nanoseconds: 0) })
        let level = QoSLevel(video: .hd)
        let parts = try #require(await host.estimatePerStream(of: level, input: hd24))
        let demand = try #require(await host.demandPerStream(of: level, input: hd24))
        // 33,177,600 picture bytes per media second at 331,776,000 per CPU second: 0.1.
        #expect(parts.hashCPUSecondsPerMediaSecond == 0.1)
        #expect(abs(parts.decodeCPUSecondsPerMediaSecond + 0.1 - demand.cpuCores) < 1e-12)
        #expect(parts.description.contains("hash 0.1000"))
        // A level the input does not price (below its own): the preset prices it, no parts.
        #expect(await host.estimatePerStream(of: QoSLevel(video: .sd), input: hd24) == nil)
    }
}
