import MembershipCore
import Testing

@testable import MediaCore

/// What a stream costs each member, measured on its units, against what its reservation
/// priced: when the reservations should follow, and at what calibration.
@Suite struct DemandCalibrationTests {
    let a = Fixture.member(1), b = Fixture.member(2), c = Fixture.member(3)
    /// The stream benchmark's figures: the HD preset decodes at 0.105 CPU s per media s, the
    /// hash costs 0.063; the clip really costs 0.123 in all.
    let estimate = CPUEstimate(cpuPerMediaSecond: 0.168, decodeCPUPerMediaSecond: 0.105, hashCPUPerMediaSecond: 0.063)

    func at(_ seconds: Double) -> MediaInstant { MediaInstant(nanoseconds: Int64(seconds * 1e9)) }

    /// `units` units of 0.5 stream-seconds, each costing `cost` CPU s per stream-second.
    func feed(_ calibration: inout DemandCalibration, _ member: MemberID, units: Int, cost: Double) {
        for _ in 0..<units { calibration.observe(member, cpuSeconds: cost * 0.5, streamSeconds: 0.5) }
    }

    @Test func aMemberMeasuredEnough_isCalibratedToWhatItsDecodeReallyCosts() throws {
        var calibration = DemandCalibration()
        calibration.setEstimate(estimate, of: a)
        feed(&calibration, a, units: 5, cost: 0.123)
        #expect(calibration.measuredCost(of: a) == nil, "2.5 of the 3 stream-seconds needed")
        #expect(calibration.decide(at: at(5)) == nil)
        feed(&calibration, a, units: 1, cost: 0.123)
        #expect(abs(try #require(calibration.measuredCost(of: a)) - 0.123) < 1e-12)
        let decided = calibration.decide(at: at(6))
        let decision = try #require(decided)
        // (0.123 - 0.063) / 0.105 = 0.5714...
        let expected = (0.123 - 0.063) / 0.105
        #expect(abs(try #require(decision.calibrations[a]) - expected) < 1e-12)
        #expect(abs(decision.fallback - expected) < 1e-12)
        #expect(abs(decision.calibration(for: b) - expected) < 1e-12, "a member not measured takes the fallback")
        #expect(calibration.decisions == 1)
    }

    @Test func aMemberAlreadyPricedRight_callsForNothing() {
        var calibration = DemandCalibration()
        var calibrated = estimate
        calibrated.calibration = 0.5714
        calibrated.decodeCPUPerMediaSecond = 0.06
        calibration.setEstimate(calibrated, of: a)
        // Measured 0.063 + 0.0625: 4% above the priced decode, inside the 10% tolerance.
        feed(&calibration, a, units: 8, cost: 0.1255)
        #expect(calibration.decide(at: at(10)) == nil)
        let (value, isOff) = try! #require(calibration.calibration(of: a))
        #expect(value == 0.5714 && !isOff)
    }

    @Test func aCalibratedMember_isRecalibratedFromItsCurrentCalibration() throws {
        var calibration = DemandCalibration()
        // Priced at 0.5 of the presets: decode 0.0525. The content got harder: 0.09 of decode.
        calibration.setEstimate(
            CPUEstimate(cpuPerMediaSecond: 0.1155, decodeCPUPerMediaSecond: 0.0525, hashCPUPerMediaSecond: 0.063, calibration: 0.5), of: a)
        feed(&calibration, a, units: 8, cost: 0.153)
        let decided = calibration.decide(at: at(0))
        let decision = try #require(decided)
        // 0.5 x 0.09 / 0.0525 = 0.857...
        #expect(abs(try #require(decision.calibrations[a]) - 0.5 * 0.09 / 0.0525) < 1e-12)
    }

    @Test func decisionsAreAnIntervalApart_andOnlyWhenAMemberIsOff() throws {
        var calibration = DemandCalibration(configuration: .init(interval: .seconds(10)))
        calibration.setEstimate(estimate, of: a)
        feed(&calibration, a, units: 6, cost: 0.123)
        #expect(calibration.decide(at: at(1)) != nil)
        #expect(calibration.decide(at: at(10.9)) == nil, "9.9 s later")
        #expect(calibration.decide(at: at(11)) != nil, "still off (its estimate did not change): asked again 10 s later")
        // The member re-reserved at what was asked: nothing more to do.
        var calibrated = estimate
        calibrated.calibration = (0.123 - 0.063) / 0.105
        calibrated.decodeCPUPerMediaSecond = 0.06
        calibration.setEstimate(calibrated, of: a)
        #expect(calibration.decide(at: at(30)) == nil)
        #expect(calibration.decisions == 2)
    }

    @Test func theFallbackIsTheMedian_andMembersWithoutADecodePartAreLeftOut() throws {
        var calibration = DemandCalibration()
        for (member, cost) in [(a, 0.0735), (b, 0.084), (c, 0.1365)] {  // decode 0.0105, 0.021, 0.0735 above the hash
            calibration.setEstimate(estimate, of: member)
            feed(&calibration, member, units: 6, cost: cost)
        }
        let old = Fixture.member(4)
        calibration.setEstimate(CPUEstimate(cpuPerMediaSecond: 0.105), of: old)  // an answer without parts
        feed(&calibration, old, units: 6, cost: 0.2)
        let decided = calibration.decide(at: at(0))
        let decision = try #require(decided)
        #expect(decision.calibrations[old] == nil)
        #expect(Set(decision.calibrations.keys) == [a, b, c])
        #expect(abs(decision.fallback - 0.2) < 1e-9, "the median of 0.1, 0.2 and 0.7")
    }

    @Test func theWindowFollowsTheRecentUnits() throws {
        var calibration = DemandCalibration(configuration: .init(minimumStreamSeconds: 2, windowStreamSeconds: 4))
        calibration.setEstimate(estimate, of: a)
        feed(&calibration, a, units: 20, cost: 0.3)
        feed(&calibration, a, units: 8, cost: 0.1)
        // The last 4 stream-seconds are all at 0.1.
        #expect(abs(try #require(calibration.measuredCost(of: a)) - 0.1) < 1e-12)
        feed(&calibration, a, units: 2, cost: 0.3)
        // 3 s at 0.1 and 1 s at 0.3.
        #expect(abs(try #require(calibration.measuredCost(of: a)) - 0.15) < 1e-12)
    }

    @Test func calibrationsStayWithinTheirBounds_andOneHeldAtABoundIsNotOff() throws {
        var calibration = DemandCalibration()
        calibration.setEstimate(estimate, of: a)
        // Cheaper than the hash alone was priced: no decode left to price.
        feed(&calibration, a, units: 6, cost: 0.05)
        let decided = calibration.decide(at: at(0))
        let decision = try #require(decided)
        #expect(decision.calibrations[a] == 0.05)
        var atBound = estimate
        atBound.calibration = 0.05
        calibration.setEstimate(atBound, of: a)
        #expect(calibration.decide(at: at(20)) == nil)
    }

    @Test func aMemberForgotten_leavesNoFigures_andBadObservationsAreIgnored() {
        var calibration = DemandCalibration()
        calibration.setEstimate(estimate, of: a)
        for (cpu, stream) in [(-1.0, 0.5), (0.1, 0), (Double.nan, 0.5), (0.1, .infinity)] {
            calibration.observe(a, cpuSeconds: cpu, streamSeconds: stream)
        }
        #expect(calibration.measuredCost(of: a) == nil)
        feed(&calibration, a, units: 6, cost: 0.123)
        calibration.forget(a)
        #expect(calibration.measuredCost(of: a) == nil)
        #expect(calibration.decide(at: at(0)) == nil)
    }
}
