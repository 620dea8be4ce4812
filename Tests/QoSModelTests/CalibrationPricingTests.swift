import Testing

@testable import QoSModel

/// A stream whose cost the requester measured: its input carries a calibration, the member
/// multiplies its decode estimate by it (not the hash), and keeps the smaller headroom of a
/// measured demand.
@Suite struct CalibrationPricingTests {
    static let hd24 = HashPricingTests.hd24
    static let spare = SpareCapacity(cores: 2, memoryAvailableBytes: 1 << 30)

    @Test func aCalibrationScalesTheDecodeParts_notTheHash() throws {
        let profile = HashPricingTests.profile()
        let level = QoSLevel(video: .hd, audio: .high)
        let plain = try #require(profile.streamEstimate(of: level, input: Self.hd24))
        let measured = try #require(profile.streamEstimate(of: level, input: Self.hd24.calibrated(by: 0.5)))
        #expect(measured.calibration == 0.5)
        // Video 0.80 and audio 0.04 decode, halved; the hash (0.165888) stays.
        #expect(abs(measured.presetDecodeCPUSecondsPerMediaSecond - 0.84) < 1e-12)
        #expect(abs(measured.decodeCPUSecondsPerMediaSecond - 0.42) < 1e-12)
        #expect(measured.hashCPUSecondsPerMediaSecond == plain.hashCPUSecondsPerMediaSecond)
        #expect(abs(measured.demand.cpuCores - (0.42 + 0.165888)) < 1e-12)
        #expect(measured.demand.memoryBytes == plain.demand.memoryBytes)
        #expect(measured.description.hasSuffix("; decode x0.500 as measured on the stream"))
        #expect(profile.demand(of: level, input: Self.hd24.calibrated(by: 0.5)) == measured.demand)
    }

    @Test func calibrationsAreClamped_andNilOrNotFiniteTakesThemAway() {
        #expect(Self.hd24.calibrated(by: 0.001).calibration == InputDescription.calibrations.lowerBound)
        #expect(Self.hd24.calibrated(by: 1e9).calibration == InputDescription.calibrations.upperBound)
        #expect(Self.hd24.calibrated(by: 0.5).calibrated(by: nil).calibration == nil)
        #expect(Self.hd24.calibrated(by: .nan).calibration == nil)
        #expect(Self.hd24.calibrated(by: 0.5) != Self.hd24)
        #expect(Self.hd24.calibrated(by: 0.5).description == "h264 1280x720 at 24 fps, decoding at 0.50x the presets' cost")
    }

    @Test func aMeasuredDemand_keepsTheCalibratedHeadroom() throws {
        let profile = HashPricingTests.profile()
        let level = QoSLevel(video: .hd)
        let configuration = EvaluationConfiguration(headroom: 0.25, calibratedHeadroom: 0.05)
        let estimated = profile.evaluate(level, input: Self.hd24, spare: Self.spare, configuration: configuration)
        let measured = profile.evaluate(level, input: Self.hd24.calibrated(by: 0.5), spare: Self.spare, configuration: configuration)
        let estimatedCores = 0.80 + 0.165888, measuredCores = 0.40 + 0.165888
        #expect(abs(estimated.reservationPerStream.cpuCores - estimatedCores * 1.25) < 1e-12)
        #expect(abs(measured.reservationPerStream.cpuCores - measuredCores * 1.05) < 1e-12)
        #expect(abs(measured.share - 2 / (measuredCores * 1.05)) < 1e-9)
        #expect(measured.reason.contains("with 5% headroom"))
        // The default keeps none above a measured demand.
        let byDefault = profile.evaluate(level, input: Self.hd24.calibrated(by: 0.5), spare: Self.spare)
        #expect(abs(byDefault.reservationPerStream.cpuCores - measuredCores) < 1e-12)
    }
}
