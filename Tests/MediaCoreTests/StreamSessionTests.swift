import Foundation
import MediaCore
import MembershipCore
import Testing

@Suite struct StreamSessionTests {
    let a = Fixture.member(1), b = Fixture.member(2), c = Fixture.member(3)

    /// A session with members a and b (0.6 each), batch unless told.
    func session(_ configuration: StreamConfiguration = .init(pacing: .batch), members: [MemberID]? = nil) -> StreamSession {
        var session = StreamSession(configuration: configuration)
        for member in members ?? [a, b] {
            _ = session.handle(.memberAdded(member, share: 0.6, estimate: CPUEstimate(cpuPerMediaSecond: 0.8)), at: .zero)
        }
        return session
    }

    @Test func aMemberLostMidStream_itsUnitsGoToTheOthersAtOnce_everyFrameOnceInOrder() {
        var session = session(members: [a, b, c])
        var sent: [UnitKey: MemberID] = [:]
        var emitted: [EmittedUnit] = []
        let units = (0..<9).map { Fixture.unit(UInt32($0)) }
        for unit in units {
            for send in session.handle(.unitCut(unit), at: .zero).sends { sent[send.key] = send.member }
        }
        #expect(sent.count == 6)
        let held = session.inFlight(at: b)
        let lost = session.handle(.memberLost(b), at: Fixture.at(0.5))
        #expect(lost.problems == [.memberLost(b, requeued: held)])
        // Every slot is taken: b's units wait at the queue's front, before any unit not yet
        // sent, and the first answers free slots for them.
        #expect(lost.sends.isEmpty)
        for member in [a, c] {
            let first = session.inFlight(at: member)[0]
            let directives = session.handle(.result(Fixture.result(for: units[Int(first.sequence)]), from: member), at: Fixture.at(1))
            emitted += directives.emitted
            #expect(directives.sends.count == 1)
            #expect(held.contains(directives.sends[0].key))
            for send in directives.sends { sent[send.key] = send.member }
        }
        _ = session.handle(.inputEnded, at: Fixture.at(1))
        var now = 1.0
        while !session.isFinished {
            now += 0.5
            for member in session.members {
                guard let key = session.inFlight(at: member).first else { continue }
                let directives = session.handle(.result(Fixture.result(for: units[Int(key.sequence)]), from: member), at: Fixture.at(now))
                emitted += directives.emitted
                #expect(!directives.sends.contains { $0.member == b })
            }
        }
        #expect(emitted.map(\.key.sequence) == Array(0..<9))
        #expect(emitted.flatMap(\.frames).map(\.pts) == Array(0..<(9 * 24)))
        let report = session.report(at: Fixture.at(now))
        #expect(report.frames.lost == 0 && report.frames.delivered == 9 * 24 && report.complete)
        #expect(report.units.redispatched == 2)
        #expect(report.members.first { $0.member == b.rawValue }?.timesLost == 1)
    }

    @Test func aMemberLost_withRoomElsewhere_itsUnitsAreSentInTheSameCall() {
        var session = session(members: [a, b, c])
        let units = (0..<3).map { Fixture.unit(UInt32($0)) }
        for unit in units { _ = session.handle(.unitCut(unit), at: .zero) }
        let held = session.inFlight(at: b)
        #expect(held.count == 1)
        let lost = session.handle(.memberLost(b), at: Fixture.at(0.5))
        #expect(lost.sends.map(\.key) == held)
        #expect(lost.sends.allSatisfy { $0.member != b })
        #expect(session.report(at: Fixture.at(0.5)).units.redispatched == 1)
    }

    @Test func aMemberLeavingTheSubCluster_hasItsCopiesCancelledThere_beforeTheyAreSentElsewhere() {
        var session = session(members: [a, b, c])
        let units = (0..<6).map { Fixture.unit(UInt32($0)) }
        for unit in units { _ = session.handle(.unitCut(unit), at: .zero) }
        let held = session.inFlight(at: b)
        #expect(held.count == 2)
        // a answers one unit: room for one of b's.
        let first = session.inFlight(at: a)[0]
        _ = session.handle(.result(Fixture.result(for: units[Int(first.sequence)]), from: a), at: Fixture.at(0.4))
        let lost = session.handle(.memberLost(b), at: Fixture.at(0.5))
        #expect(lost.cancels.map(\.key) == held)
        #expect(lost.cancels.allSatisfy { $0.member == b })
        // Each cancel comes before any send: the member is told before the unit runs elsewhere.
        let firstSend = lost.firstIndex { if case .send = $0 { true } else { false } }
        let lastCancel = lost.lastIndex { if case .cancel = $0 { true } else { false } }
        #expect(firstSend.map { $0 > lastCancel! } ?? true)
        #expect(lost.sends.map(\.key) == [held[0]])
        let report = session.report(at: Fixture.at(0.5))
        #expect(report.units.cancelled == 2)
        #expect(report.members.first { $0.member == b.rawValue }?.unitsCancelled == 2)
        // A member lost twice is cancelled nothing more.
        #expect(session.handle(.memberLost(b), at: Fixture.at(0.7)).isEmpty)
    }

    @Test func aSlowMember_itsQueuedUnitsMove_itsLateUnitIsDuplicated_theLosingAnswerIsDropped() {
        var session = session()
        let units = (0..<4).map { Fixture.unit(UInt32($0)) }
        for unit in units { _ = session.handle(.unitCut(unit), at: .zero) }
        let slowHeld = session.inFlight(at: a)
        #expect(slowHeld.count == 2)
        // b answers both of its units in time; a answers nothing. Bound: max(3 × 1/0.6 s, 1 s) = 5 s.
        var emitted: [EmittedUnit] = []
        for key in session.inFlight(at: b) {
            emitted += session.handle(.result(Fixture.result(for: units[Int(key.sequence)]), from: b), at: Fixture.at(1)).emitted
        }
        #expect(session.handle(.tick, at: Fixture.at(5)).isEmpty)
        let tick = session.handle(.tick, at: Fixture.at(5.1))
        #expect(tick.cancels.map(\.key) == [slowHeld[1]])
        #expect(tick.cancels.map(\.member) == [a])
        #expect(tick.problems == [
            .memberBehind(a, unit: slowHeld[0], waited: .nanoseconds(5_100_000_000), bound: .seconds(5), moved: [slowHeld[1]])
        ])
        // b takes both: the duplicate of the late unit, and the unit moved from behind it.
        #expect(Set(tick.sends.map(\.key)) == Set(slowHeld))
        #expect(tick.sends.allSatisfy { $0.member == b })
        // a behind receives nothing new.
        for key in slowHeld {
            let directives = session.handle(.result(Fixture.result(for: units[Int(key.sequence)]), from: b), at: Fixture.at(6))
            emitted += directives.emitted
            if key == slowHeld[0] {
                #expect(directives.cancels.map(\.member) == [a])
                #expect(directives.problems == [.memberSuspended(a, for: .seconds(5))])
            }
        }
        // The slow member's answer comes after all: dropped, counted, emitted nothing.
        let late = session.handle(.result(Fixture.result(for: units[Int(slowHeld[0].sequence)]), from: a), at: Fixture.at(7))
        #expect(late.emitted.isEmpty)
        let report = session.report(at: Fixture.at(7))
        #expect(report.units.duplicated == 1 && report.units.redispatched == 1)
        #expect(report.units.duplicateResultsDropped == 1)
        #expect(report.members.first { $0.member == a.rawValue }?.timesBehind == 1)
        #expect(emitted.map(\.key.sequence) == [0, 1, 2, 3])
        #expect(report.frames.delivered == 96 && report.frames.lost == 0)
    }

    @Test func aHungMember_isSuspendedAfterLosingEachRace_forTwiceAsLongEachTime() {
        var session = session(StreamConfiguration(pacing: .batch, dispatch: .init(inFlightLimit: 1)))
        var next: UInt32 = 0
        var suspensions: [Duration] = []
        var sentToA: [Double] = []
        // a never answers; b answers each unit 0.5 s after it is sent. One unit is cut a second.
        var bHolds: [(key: UnitKey, since: Double)] = []
        for step in 0..<600 {
            let now = Double(step) / 10
            var directives: [StreamDirective] = []
            if step % 10 == 0 {
                directives += session.handle(.unitCut(Fixture.unit(next)), at: Fixture.at(now))
                next += 1
            }
            if let held = bHolds.first, now >= held.since + 0.5 {
                bHolds.removeFirst()
                directives += session.handle(.result(Fixture.result(for: Fixture.unit(held.key.sequence)), from: b), at: Fixture.at(now))
            }
            directives += session.handle(.tick, at: Fixture.at(now))
            for send in directives.sends {
                if send.member == a { sentToA.append(now) } else { bHolds.append((send.key, now)) }
            }
            for case .memberSuspended(a, let length) in directives.problems { suspensions.append(length) }
        }
        // Each unit a takes is judged late after 3 × 1/0.6 = 5 s and lost to b's copy 0.5 s
        // later: a is then suspended 5, 10, 20, 40 s, so it holds up 4 units in 60 s, not 10.
        #expect(suspensions == [.seconds(5), .seconds(10), .seconds(20), .seconds(40)])
        #expect(sentToA == [0, 11, 27, 53])
        let report = session.report(at: Fixture.at(60))
        #expect(report.members.first { $0.member == a.rawValue }?.timesSuspended == 4)
        #expect(report.frames.lost == 0)
    }

    @Test func aUnitsOwnFailure_isNotRetried_itsFramesAreLostAndReportedWithItsRange() {
        var session = session()
        let units = (0..<2).map { Fixture.unit(UInt32($0)) }
        var member: [UnitKey: MemberID] = [:]
        for unit in units {
            for send in session.handle(.unitCut(unit), at: .zero).sends { member[send.key] = send.member }
        }
        let bad = units[0]
        let directives = session.handle(.result(Fixture.failure(for: bad, .invalidData), from: member[bad.key]!), at: Fixture.at(1))
        #expect(directives.problems == [
            .unitFailed(bad.key, emit: bad.emit, failure: .invalidData, member: member[bad.key]!, outcome: .lost(frames: 24))
        ])
        #expect(directives.sends.isEmpty)
        #expect(directives.emitted.map(\.lostFrames) == [24])
        #expect(directives.contains(.forget(bad.key)))
        let report = session.report(at: Fixture.at(1))
        #expect(report.frames.lost == 24 && report.units.lost == 1 && !report.complete)
        #expect(report.lostUnits.map { [$0.start, $0.end] } == [[0, 24]])
        #expect(report.lostUnits.first?.failure == .invalidData)
    }

    @Test func aWorkerThatDied_isRetriedOnceElsewhere_thenTheUnitIsLost() {
        var session = session()
        let unit = Fixture.unit(0)
        let first = session.handle(.unitCut(unit), at: .zero).sends[0].member
        let retry = session.handle(.result(Fixture.failure(for: unit, .workerDied), from: first), at: Fixture.at(1))
        #expect(retry.problems.map(\.description).count == 1)
        guard case .unitFailed(_, _, .workerDied, _, .retrying) = retry.problems[0] else {
            Issue.record("expected a retry, got \(retry.problems)")
            return
        }
        #expect(retry.sends.count == 1 && retry.sends[0].member != first)
        let second = retry.sends[0].member
        let lost = session.handle(.result(Fixture.failure(for: unit, .workerDied), from: second), at: Fixture.at(2))
        #expect(lost.problems == [.unitFailed(unit.key, emit: unit.emit, failure: .workerDied, member: second, outcome: .lost(frames: 24))])
        #expect(lost.sends.isEmpty)
        #expect(session.report(at: Fixture.at(2)).units.retried == 1)
    }

    @Test func framesOutsideTheRangeOrOutOfOrder_areNotEmitted_andTheMissingAreLost() {
        var session = session(members: [a])
        let unit = Fixture.unit(0, frames: 4)
        _ = session.handle(.unitCut(unit), at: .zero)
        var result = Fixture.result(for: unit)
        result.frames = [result.frames[0], result.frames[2], result.frames[1], result.frames[3], result.frames[3]]
        result.frames.append(DecodedFrame(pts: 4, duration: 1, byteCount: 16, md5: Array(repeating: 0, count: 16)))
        let directives = session.handle(.result(result, from: a), at: Fixture.at(1))
        #expect(directives.problems == [
            .framesRefused(unit.key, count: 3, member: a), .frameCountMismatch(unit.key, expected: 4, received: 3, member: a),
        ])
        #expect(directives.emitted.flatMap(\.frames).map(\.pts) == [0, 2, 3])
        #expect(directives.emitted.map(\.lostFrames) == [1])
    }

    @Test func backpressure_pausesTheInputAtTheWindow_andResumesBelowIt() {
        var session = session(StreamConfiguration(pacing: .batch, window: 6))
        let units = (0..<7).map { Fixture.unit(UInt32($0)) }
        for unit in units.prefix(5) {
            #expect(!session.handle(.unitCut(unit), at: .zero).contains(.pauseInput))
        }
        #expect(session.canAcceptUnit)
        #expect(session.handle(.unitCut(units[5]), at: .zero).contains(.pauseInput))
        #expect(!session.canAcceptUnit)
        // Unit 1 decoded first: still outstanding (held behind unit 0's gap), still paused.
        func holder(_ sequence: UInt32) -> MemberID {
            session.inFlight(at: a).contains(UnitKey(stream: 0, sequence: sequence)) ? a : b
        }
        let (holderOfOne, holderOfZero) = (holder(1), holder(0))
        let held = session.handle(.result(Fixture.result(for: units[1]), from: holderOfOne), at: Fixture.at(1))
        #expect(held.emitted.isEmpty && !held.contains(.resumeInput))
        let resumed = session.handle(.result(Fixture.result(for: units[0]), from: holderOfZero), at: Fixture.at(1))
        #expect(resumed.emitted.map(\.key.sequence) == [0, 1])
        #expect(resumed.contains(.resumeInput))
        #expect(session.canAcceptUnit)
    }

    @Test func live_framesAreOnTimeOrLateByTheInjectedClock() {
        var session = session(StreamConfiguration(pacing: .live(latency: .seconds(2))), members: [a])
        _ = session.handle(.inputStarted, at: Fixture.at(100))
        let units = (0..<2).map { Fixture.unit(UInt32($0), frames: 4) }
        for unit in units { _ = session.handle(.unitCut(unit), at: Fixture.at(101)) }
        // Unit 0 (due 102.00 ... 102.75) at exactly 102: on time. Unit 1 (due 103 ... 103.75) at 103.5: 2 late.
        _ = session.handle(.result(Fixture.result(for: units[0]), from: a), at: Fixture.at(102))
        _ = session.handle(.result(Fixture.result(for: units[1]), from: a), at: Fixture.at(103.5))
        let report = session.report(at: Fixture.at(103.5))
        #expect(report.frames.onTime == 6 && report.frames.late == 2)
        #expect(report.frames.maximumLatenessMilliseconds == 500)
        #expect(report.elapsedSeconds == 3.5)
    }

    @Test func degrade_skipsDisposableFramesOfUnitsSentFromThenOn_andSaysFromWhichFrame() {
        var session = session(members: [a])
        let units = (0..<4).map { Fixture.unit(UInt32($0), frames: 24, disposable: 12) }
        var plans: [UnitKey: DeliveryPlan] = [:]
        func record(_ directives: [StreamDirective]) {
            for case .send(let key, _, let plan) in directives { plans[key] = plan }
        }
        record(session.handle(.unitCut(units[0]), at: .zero))
        record(session.handle(.unitCut(units[1]), at: .zero))
        _ = session.handle(.deliveryChanged(.referenceFramesOnly), at: .zero)
        record(session.handle(.unitCut(units[2]), at: .zero))
        record(session.handle(.unitCut(units[3]), at: .zero))
        _ = session.handle(.inputEnded, at: .zero)
        var now = 0.0
        while !session.isFinished {
            now += 1
            let key = session.inFlight(at: a)[0]
            let keep = plans[key]!.skipsDisposableFrames ? 12 : 24
            record(session.handle(.result(Fixture.result(for: units[Int(key.sequence)], keep: keep), from: a), at: Fixture.at(now)))
        }
        #expect(plans.values.filter(\.skipsDisposableFrames).count == 2)
        let report = session.report(at: Fixture.at(now))
        #expect(report.frames.delivered == 72 && report.frames.skipped == 24 && report.frames.lost == 0 && report.complete)
        #expect(report.deliveryChanges.map(\.level) == [.full, .referenceFramesOnly])
        #expect(report.deliveryChanges.map(\.fromFrame) == [0, 48])
        #expect(report.deliveryChanges.map(\.fromUnit) == [0, 2])
        #expect(report.deliveryChanges.map(\.framesPerSecond) == [24, 12])
    }

    @Test func theReport_isCodableForReportJSON() throws {
        var session = session()
        _ = session.handle(.unitCut(Fixture.unit(0)), at: .zero)
        let report = session.report(at: Fixture.at(1))
        let json = try JSONEncoder().encode(report)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"throughput\""))
        #expect(try JSONDecoder().decode(StreamReport.self, from: json) == report)
    }

    @Test func abandon_losesEveryUnitNotDecoded_andFinishes() {
        var session = session()
        let units = (0..<3).map { Fixture.unit(UInt32($0)) }
        for unit in units { _ = session.handle(.unitCut(unit), at: .zero) }
        let holder = session.inFlight(at: a).contains(units[1].key) ? a : b
        _ = session.handle(.result(Fixture.result(for: units[1]), from: holder), at: Fixture.at(1))
        let directives = session.handle(.abandon(reason: "unserved"), at: Fixture.at(2))
        #expect(directives.emitted.map(\.key.sequence) == [0, 1, 2])
        #expect(directives.emitted.map(\.lostFrames) == [24, 0, 24])
        #expect(directives.cancels.count == 2)
        let report = directives.finishedReport
        #expect(report?.frames.lost == 48 && report?.frames.delivered == 24)
    }
}

/// The session measures what the stream costs each member and asks for new reservations when
/// they priced it wrong.
@Suite struct StreamSessionCalibrationTests {
    let a = Fixture.member(1), b = Fixture.member(2)
    /// Priced at 0.8 CPU s per media s of decode, no hash; the units cost 0.5 (Fixture's results).
    let estimate = CPUEstimate(cpuPerMediaSecond: 0.8, decodeCPUPerMediaSecond: 0.8)

    func recalibrations(_ directives: [StreamDirective]) -> [DemandCalibration.Decision] {
        directives.compactMap { if case .recalibrate(let decision) = $0 { decision } else { nil } }
    }

    /// Decodes `count` units from `first` in batch, each at whichever member holds it; returns
    /// the decisions seen.
    func decode(_ session: inout StreamSession, from first: UInt32, count: UInt32, at seconds: Double) -> [DemandCalibration.Decision] {
        var decisions: [DemandCalibration.Decision] = []
        var units: [UnitKey: UnitMetadata] = [:]
        for sequence in first..<(first + count) {
            let unit = Fixture.unit(sequence)
            units[unit.key] = unit
            decisions += recalibrations(session.handle(.unitCut(unit), at: Fixture.at(seconds)))
        }
        while !units.isEmpty {
            for member in session.members {
                guard let key = session.inFlight(at: member).first, let unit = units.removeValue(forKey: key) else { continue }
                decisions += recalibrations(session.handle(.result(Fixture.result(for: unit), from: member), at: Fixture.at(seconds)))
            }
        }
        return decisions
    }

    @Test func unitsCheaperThanPriced_askForReservationsAtTheMeasuredCost_onceAnInterval() throws {
        var session = StreamSession(configuration: .init(pacing: .batch))
        for member in [a, b] { _ = session.handle(.memberAdded(member, share: 0.6, estimate: estimate), at: .zero) }
        let first = decode(&session, from: 0, count: 8, at: 1)
        #expect(first.count == 1)
        let decision = try #require(first.first)
        #expect(abs(decision.calibration(for: a) - 0.625) < 1e-12)
        #expect(abs(decision.fallback - 0.625) < 1e-12)
        #expect(decode(&session, from: 8, count: 4, at: 5).isEmpty, "within the 10 s interval")

        // The members reserved again at 0.625: their new estimates say so, and nothing more is asked.
        let calibrated = CPUEstimate(cpuPerMediaSecond: 0.5, decodeCPUPerMediaSecond: 0.5, calibration: 0.625)
        for member in [a, b] { _ = session.handle(.memberAdded(member, share: 0.6, estimate: calibrated), at: Fixture.at(6)) }
        #expect(decode(&session, from: 12, count: 8, at: 20).isEmpty)
        #expect(session.report(at: Fixture.at(20)).members.allSatisfy { $0.estimate?.calibration == 0.625 })
    }

    @Test func unitsDeliveredBelowTheFullLevel_areNotMeasured_andNoCalibrationWhenSwitchedOff() {
        var degraded = StreamSession(configuration: .init(pacing: .batch))
        for member in [a, b] { _ = degraded.handle(.memberAdded(member, share: 0.6, estimate: estimate), at: .zero) }
        _ = degraded.handle(.deliveryChanged(.referenceFramesOnly), at: .zero)
        #expect(decode(&degraded, from: 0, count: 10, at: 1).isEmpty)
        #expect(degraded.calibration.measuredCost(of: a) == nil)

        var off = StreamSession(configuration: .init(pacing: .batch, calibration: nil))
        for member in [a, b] { _ = off.handle(.memberAdded(member, share: 0.6, estimate: estimate), at: .zero) }
        #expect(decode(&off, from: 0, count: 10, at: 1).isEmpty)
    }
}
