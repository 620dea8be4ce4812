import Foundation
import Testing

@testable import QoSModel

/// The frame-hash part of a demand estimate: a member hashes every decoded picture for
/// `frames.md5`, priced from the profile's measured hash rate.
@Suite struct HashPricingTests {
    /// `makeProfile`'s board (HD decode 0.80 CPU s/s) with a hash rate of 200 MB per CPU second.
    static func profile(hashRate: Double? = 200_000_000) -> CapabilityProfile {
        var profile = makeProfile()
        profile.frameHash = hashRate.map { FrameHashMeasurement(bytesPerCPUSecond: $0, frames: 240, bytes: 331_776_000) }
        return profile
    }

    static let hd24 = InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 24, frameRateDenominator: 1)!

    @Test func theHashCostsThePictureBytesPerSecondOverTheMeasuredRate() throws {
        let estimate = try #require(Self.profile().estimateDemand(for: Self.hd24))
        // 1280 x 720 x 1.5 bytes x 24 fps = 33,177,600 bytes/s; at 200 MB/CPU s, 0.165888.
        #expect(Self.hd24.pictureBytesPerMediaSecond == 33_177_600)
        #expect(estimate.hash == .measured(pictureBytesPerMediaSecond: 33_177_600, bytesPerCPUSecond: 200_000_000))
        #expect(estimate.hash.cpuSecondsPerMediaSecond == 0.165888)
        #expect(estimate.decodeCPUSecondsPerMediaSecond == 0.80)
        #expect(abs(estimate.cpuSecondsPerMediaSecond - 0.965888) < 1e-12)
        #expect(abs(estimate.demand.cpuCores - 0.965888) < 1e-12)
        #expect(estimate.cpuBasis == .measured(.hd))
        #expect(estimate.description == "decode 0.8000 (measured at HD) + hash 0.1659 (33.2 MB/s of pictures at 200.0 MB per CPU s)")
    }

    @Test func theHashGrowsWithPixelsAndFrameRate_notWithTheDecodeCurve() throws {
        let profile = Self.profile()
        let fhd60 = try #require(InputDescription(codec: .h264, width: 1920, height: 1080, frameRateNumerator: 60, frameRateDenominator: 1))
        let estimate = try #require(profile.estimateDemand(for: fhd60))
        // 1920 x 1080 x 1.5 x 60 = 186,624,000 bytes/s: 0.93312 CPU s/s at 200 MB/s.
        #expect(abs(try #require(estimate.hash.cpuSecondsPerMediaSecond) - 0.93312) < 1e-12)
        #expect(estimate.cpuBasis == .extrapolated(from: .fhd))
    }

    @Test func aProfileWithoutAHashRate_pricesDecodingAlone_andSaysSo() throws {
        let estimate = try #require(Self.profile(hashRate: nil).estimateDemand(for: Self.hd24))
        #expect(estimate.hash == .notMeasured(pictureBytesPerMediaSecond: 33_177_600))
        #expect(estimate.hash.cpuSecondsPerMediaSecond == nil)
        #expect(estimate.cpuSecondsPerMediaSecond == 0.80)
        #expect(estimate.description.contains("hash not priced"))
        #expect(estimate.description.contains("no frameHash rate"))
    }

    @Test func aStreamWithAudio_addsTheAudioPresetToDecode_andToTheDemand() throws {
        let profile = Self.profile()
        let stream = try #require(profile.streamEstimate(of: QoSLevel(video: .hd, audio: .high), input: Self.hd24))
        #expect(abs(stream.decodeCPUSecondsPerMediaSecond - 0.84) < 1e-12)
        #expect(stream.hashCPUSecondsPerMediaSecond == 0.165888)
        #expect(abs(stream.demand.cpuCores - (0.84 + 0.165888)) < 1e-12)
        #expect(stream.demand.memoryBytes == (45 << 20) + (8 << 20))
        #expect(stream.description.hasSuffix("; audio high decode 0.0400 (measured)"))
        #expect(profile.demand(of: QoSLevel(video: .hd, audio: .high), input: Self.hd24) == stream.demand)
        // The evaluation reserves for the hash too.
        let evaluation = profile.evaluate(
            QoSLevel(video: .hd, audio: .high), input: Self.hd24, spare: SpareCapacity(cores: 2, memoryAvailableBytes: 1 << 30))
        #expect(evaluation.demandPerStream == stream.demand)
    }

    @Test func theProfileCodec_readsAndWritesTheHashRate_andReadsProfilesWithoutIt() throws {
        let with = Self.profile()
        let decoded = try CapabilityProfile.decode(try with.encoded())
        #expect(decoded == with)
        #expect(decoded.frameHash == FrameHashMeasurement(bytesPerCPUSecond: 200_000_000, frames: 240, bytes: 331_776_000))
        let json = try profileJSON(with)
        let hash = try #require(json["frameHash"] as? [String: Any])
        #expect(hash["bytesPerCPUSecond"] as? Double == 200_000_000)

        let without = Self.profile(hashRate: nil)
        let encoded = try without.encoded()
        #expect(!String(decoding: encoded, as: UTF8.self).contains("frameHash"))
        #expect(try CapabilityProfile.decode(encoded).frameHash == nil)
        #expect(try CapabilityProfile.decode(encoded) == without)
    }

    @Test func anAbsurdHashRate_isRejectedNamingTheField() throws {
        for (field, value) in [("bytesPerCPUSecond", -1.0), ("bytesPerCPUSecond", 10.0), ("bytesPerCPUSecond", 1e13), ("frames", 0), ("bytes", 0)] {
            var json = try profileJSON(Self.profile())
            var hash = json["frameHash"] as! [String: Any]
            hash[field] = value
            json["frameHash"] = hash
            let error = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(data(json)) }
            #expect(error?.field == "frameHash.\(field)", "\(String(describing: error))")
        }
        var json = try profileJSON(Self.profile())
        json["frameHash"] = ["frames": 3]
        #expect(throws: ProfileError.self) { try CapabilityProfile.decode(data(json)) }
    }
}
