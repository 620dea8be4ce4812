import MediaCore
import Testing

@Suite struct DeadlineLedgerTests {
    static func output(_ unit: UnitMetadata) -> EmittedUnit {
        EmittedUnit(key: unit.key, emit: unit.emit, frames: Fixture.result(for: unit).frames, lostFrames: 0, level: .full, mediaDuration: unit.mediaDuration)
    }

    @Test func live_aFrameEmittedAtItsDueTimeIsOnTime_oneNanosecondLaterIsLate() {
        // 4 frames a second; the stream starts at 10 s; latency 2 s: frame k is due at 12 + k/4 s.
        let unit = Fixture.unit(0, frames: 4)
        var onTime = DeadlineLedger(pacing: .live(latency: .seconds(2)))
        onTime.markStart(at: Fixture.at(10))
        onTime.record(Self.output(unit), timeBase: unit.timeBase, at: Fixture.at(12))
        #expect(onTime.frames.onTime == 4 && onTime.frames.late == 0)
        #expect(onTime.due(pts: 3, stream: 0, timeBase: unit.timeBase) == Fixture.at(12.75))

        var late = DeadlineLedger(pacing: .live(latency: .seconds(2)))
        late.markStart(at: Fixture.at(10))
        late.record(Self.output(unit), timeBase: unit.timeBase, at: MediaInstant(nanoseconds: 12_000_000_001))
        #expect(late.frames.late == 1 && late.frames.onTime == 3)
        #expect(late.frames.maximumLatenessMilliseconds == 0.000_001)

        var later = DeadlineLedger(pacing: .live(latency: .seconds(2)))
        later.markStart(at: Fixture.at(10))
        later.record(Self.output(unit), timeBase: unit.timeBase, at: Fixture.at(12.5))
        #expect(later.frames.late == 2 && later.frames.onTime == 2)
        #expect(later.frames.maximumLatenessMilliseconds == 500)
    }

    @Test func live_presentationTimesCountFromTheStreamsFirstFrame() {
        var ledger = DeadlineLedger(pacing: .live)
        ledger.markStart(at: .zero)
        let first = Fixture.unit(5, frames: 4)  // pts 20...23
        ledger.record(Self.output(first), timeBase: first.timeBase, at: Fixture.at(2))
        #expect(ledger.frames.onTime == 4)
        #expect(ledger.due(pts: 24, stream: 0, timeBase: first.timeBase) == Fixture.at(3))
    }

    @Test func batch_hasNoDeadlines() {
        var ledger = DeadlineLedger(pacing: .batch)
        ledger.markStart(at: .zero)
        let unit = Fixture.unit(0)
        ledger.record(Self.output(unit), timeBase: unit.timeBase, at: Fixture.at(3_600))
        #expect(ledger.frames.onTime == 24 && ledger.frames.late == 0)
        #expect(ledger.due(pts: 0, stream: 0, timeBase: unit.timeBase) == nil)
    }

    @Test func aRunOfLateFrames_isOneSpell_thatEndsAtTheFirstFrameOnTime() {
        // 4 frames a second from 0, latency 2 s: frame k is due at 2 + k/4 s.
        var ledger = DeadlineLedger(pacing: .live(latency: .seconds(2)))
        ledger.markStart(at: .zero)
        let units = (0..<3).map { Fixture.unit(UInt32($0), frames: 4) }
        ledger.record(Self.output(units[0]), timeBase: units[0].timeBase, at: Fixture.at(2))  // on time
        ledger.record(Self.output(units[1]), timeBase: units[1].timeBase, at: Fixture.at(3.6))  // 3 late (due 3, 3.25, 3.5), 1 on time
        ledger.record(Self.output(units[2]), timeBase: units[2].timeBase, at: Fixture.at(4.1))  // due 4: late, then on time
        #expect(ledger.lateSpells == [
            LateSpell(firstLateDue: 3, backOnTimeAt: 3.6, frames: 3), LateSpell(firstLateDue: 4, backOnTimeAt: 4.1, frames: 1),
        ])
    }

    @Test func live_theLongestUnitAMemberCanDecodeInTime() {
        #expect(Pacing.live.longestUnit(share: 1) == .seconds(1))
        #expect(Pacing.live.longestUnit(share: 0.4) == .nanoseconds(571_428_571))
        #expect(Pacing.live(latency: .seconds(3)).longestUnit(share: 0.5, margin: .seconds(1)) == .nanoseconds(666_666_667))
        #expect(Pacing.batch.longestUnit(share: 0.4) == nil)
    }
}
