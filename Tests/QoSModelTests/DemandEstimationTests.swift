import Foundation
import Testing

@testable import QoSModel

/// Estimating an input's demand from a real profile: the build VM's, `profiles/amd-epyc.vm.json`
/// (single-thread CPU s per media s: SD 0.03892, HD 0.10478, FHD 0.27218; memory 10067968,
/// 16277504, 35241984 bytes).
@Suite struct DemandEstimationTests {
    static let profile: CapabilityProfile = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("profiles/amd-epyc.vm.json")
        return try! CapabilityProfile.decode(Data(contentsOf: file), file: file.path)
    }()

    static let sd = (rate: 640.0 * 480 * 24, cpu: 0.03892107112970712, pixels: 640.0 * 480, memory: 10_067_968.0)
    static let hd = (rate: 1280.0 * 720 * 24, cpu: 0.10478369874476992, pixels: 1280.0 * 720, memory: 16_277_504.0)
    static let fhd = (rate: 1920.0 * 1080 * 30, cpu: 0.27218428093645486, pixels: 1920.0 * 1080, memory: 35_241_984.0)

    func input(_ width: Int, _ height: Int, _ numerator: Int, _ denominator: Int = 1) -> InputDescription {
        InputDescription(codec: .h264, width: width, height: height, frameRateNumerator: numerator, frameRateDenominator: denominator)!
    }

    @Test func anInputAtAPresetsSizeAndRate_costsWhatThePresetMeasured() throws {
        let estimate = try #require(Self.profile.estimateDemand(for: input(1280, 720, 24)))
        #expect(estimate.decodeCPUSecondsPerMediaSecond == Self.hd.cpu)
        #expect(estimate.memoryBytes == UInt64(Self.hd.memory))
        #expect(estimate.cpuBasis == .measured(.hd))
        #expect(estimate.memoryBasis == .measured(.hd))
    }

    @Test func anInputBetweenTwoPresets_isLinearInPixelRateBetweenThem() throws {
        // 960x540 at 30 fps: 15,552,000 pixels/s, 0.5547 of the way from SD to HD.
        let estimate = try #require(Self.profile.estimateDemand(for: input(960, 540, 30)))
        let t = (960.0 * 540 * 30 - Self.sd.rate) / (Self.hd.rate - Self.sd.rate)
        #expect(abs(t - 0.5546875) < 1e-12)
        #expect(abs(estimate.decodeCPUSecondsPerMediaSecond - (Self.sd.cpu + t * (Self.hd.cpu - Self.sd.cpu))) < 1e-12)
        #expect(abs(estimate.decodeCPUSecondsPerMediaSecond - 0.07545) < 0.00001)
        #expect(estimate.cpuBasis == .interpolated(.sd, .hd))
        // Memory by pixels per frame: 518,400 is 0.34375 of the way from SD's 307,200 to HD's 921,600.
        #expect(estimate.memoryBytes == 12_202_496)
        #expect(estimate.memoryBasis == .interpolated(.sd, .hd))
    }

    @Test func aNTSCRate_usesItsExactFraction() throws {
        let estimate = try #require(Self.profile.estimateDemand(for: input(1280, 720, 30000, 1001)))
        let rate = 1280.0 * 720 * 30000 / 1001
        let t = (rate - Self.hd.rate) / (Self.fhd.rate - Self.hd.rate)
        #expect(abs(estimate.decodeCPUSecondsPerMediaSecond - (Self.hd.cpu + t * (Self.fhd.cpu - Self.hd.cpu))) < 1e-12)
        #expect(estimate.cpuBasis == .interpolated(.hd, .fhd))
        #expect(estimate.memoryBasis == .measured(.hd))
    }

    @Test func anInputAboveFHD_scalesAtLeastInProportionToTheHighestPreset() throws {
        // 4K30 is 4x FHD's pixel rate. The HD-FHD line gives 1.051, proportional 1.089: the larger.
        let estimate = try #require(Self.profile.estimateDemand(for: input(3840, 2160, 30)))
        let line = Self.fhd.cpu + (4 * Self.fhd.rate - Self.fhd.rate) * (Self.fhd.cpu - Self.hd.cpu) / (Self.fhd.rate - Self.hd.rate)
        #expect(line < 4 * Self.fhd.cpu)
        #expect(abs(estimate.decodeCPUSecondsPerMediaSecond - 4 * Self.fhd.cpu) < 1e-12)
        #expect(estimate.cpuBasis == .extrapolated(from: .fhd))
        #expect(estimate.memoryBytes >= 4 * UInt64(Self.fhd.memory))
    }

    @Test func anInputBelowSD_followsTheSDHDLineWhereItIsAboveProportional() throws {
        // 320x240 at 15 fps: 1,152,000 pixels/s. The SD-HD line keeps decoding's fixed cost
        // (0.0111), proportional scaling would drop it (0.0061).
        let estimate = try #require(Self.profile.estimateDemand(for: input(320, 240, 15)))
        let rate = 320.0 * 240 * 15
        let line = Self.sd.cpu + (rate - Self.sd.rate) * (Self.hd.cpu - Self.sd.cpu) / (Self.hd.rate - Self.sd.rate)
        #expect(abs(estimate.decodeCPUSecondsPerMediaSecond - line) < 1e-12)
        #expect(estimate.decodeCPUSecondsPerMediaSecond > Self.sd.cpu * rate / Self.sd.rate)
        #expect(estimate.decodeCPUSecondsPerMediaSecond < Self.sd.cpu)
        #expect(estimate.cpuBasis == .extrapolated(from: .sd))
    }

    @Test func theEstimateRisesWithThePixelRate() throws {
        var previous = 0.0
        for height in stride(from: 90, through: 4320, by: 90) {
            let width = height * 16 / 9
            let estimate = try #require(Self.profile.estimateDemand(for: input(width, height, 25)))
            #expect(estimate.decodeCPUSecondsPerMediaSecond > previous, "\(width)x\(height)")
            previous = estimate.decodeCPUSecondsPerMediaSecond
        }
    }

    @Test func aProfileWithOneVideoPreset_scalesItInProportion() throws {
        let profile = makeProfile(cpu: [.video(.hd): 0.8, .audio(.high): 0.04])
        let estimate = try #require(profile.estimateDemand(for: input(640, 360, 24)))
        #expect(abs(estimate.decodeCPUSecondsPerMediaSecond - 0.8 / 4) < 1e-12)
        #expect(estimate.cpuBasis == .extrapolated(from: .hd))
    }

    @Test func aProfileWithoutVideo_cannotEstimate_andTheEvaluationSaysWhy() {
        let profile = makeProfile(cpu: [.audio(.high): 0.04])
        #expect(profile.estimateDemand(for: input(1280, 720, 24)) == nil)
        let evaluation = profile.evaluate(
            QoSLevel(video: .hd), input: input(1280, 720, 24), spare: SpareCapacity(cores: 2, memoryAvailableBytes: 1 << 30))
        #expect(evaluation.share == 0)
        #expect(evaluation.limitedBy == .notProfiled)
        #expect(evaluation.reason.contains("cannot estimate h264 1280x720 at 24 fps"))
    }

    @Test func theEvaluationOfAnInput_pricesTheInputNotThePreset() throws {
        let spare = SpareCapacity(cores: 1, memoryAvailableBytes: 4 << 30)
        let level = QoSLevel(video: .hd, audio: .high)
        let qhd = input(960, 540, 30)
        let estimated = try #require(Self.profile.estimateDemand(for: qhd))
        let audio = try #require(Self.profile.measurement(of: .audio(.high)))
        let evaluation = Self.profile.evaluate(level, input: qhd, spare: spare)
        let demand = estimated.decodeCPUSecondsPerMediaSecond + audio.singleThread.cpuSecondsPerMediaSecond
        #expect(abs(evaluation.demandPerStream.cpuCores - demand) < 1e-12)
        #expect(evaluation.demandPerStream.memoryBytes == estimated.memoryBytes + audio.memoryHighWaterBytes)
        #expect(abs(evaluation.share - 1 / (demand * 1.25)) < 1e-9)
        #expect(evaluation.share > Self.profile.evaluate(level, spare: spare).share)
        #expect(evaluation.reason.contains("h264 960x540 at 30 fps"))
    }

    @Test func anInputsLevel_isTheSmallestPresetHoldingItsPictures() {
        #expect(input(960, 540, 30).level == .hd)
        #expect(input(640, 480, 24).level == .sd)
        #expect(input(1920, 1088, 25).level == .fhd)
        #expect(input(3840, 2160, 30).level == .fhd)
    }

    @Test func anInputOutsideTheAcceptedRanges_isRefused() {
        #expect(InputDescription(codec: .h264, width: 0, height: 720, frameRateNumerator: 24, frameRateDenominator: 1) == nil)
        #expect(InputDescription(codec: .h264, width: 16_385, height: 720, frameRateNumerator: 24, frameRateDenominator: 1) == nil)
        #expect(InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 0, frameRateDenominator: 1) == nil)
        #expect(InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 24, frameRateDenominator: 0) == nil)
        #expect(InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 2000, frameRateDenominator: 1) == nil)
    }
}
