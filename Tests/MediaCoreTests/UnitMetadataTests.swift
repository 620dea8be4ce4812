import MediaCore
import Testing

@Suite struct UnitMetadataTests {
    @Test func aCutUnitsMetadata_countsItsFramesInTheEmitRange_andTheirDuration() {
        // 30 packets of 512 ticks at 1/12800 s, one without a pts, every third disposable.
        let unit = MediaUnitEncodingTests.sampleUnit()
        let metadata = UnitMetadata(describing: unit, costPerMediaSecond: 0.9)
        #expect(metadata.key == UnitKey(stream: 0, sequence: 7))
        #expect(metadata.kind == .video)
        #expect(metadata.frameCount == 29)
        #expect(metadata.disposableFrameCount == 10)
        #expect(metadata.mediaDuration == .nanoseconds(1_160_000_000))
        #expect(abs(metadata.cost - 1.044) < 1e-9)
        #expect(metadata.expectedFrames(under: .full) == 29)
        #expect(metadata.expectedFrames(under: DeliveryPlan(level: .referenceFramesOnly)) == 19)
    }

    @Test func audio_ignoresAReferenceFramesOnlyPlan() {
        let audio = Fixture.unit(0, stream: 1, frames: 47, disposable: 0, kind: .audio)
        #expect(audio.expectedFrames(under: DeliveryPlan(level: .referenceFramesOnly)) == 47)
    }
}
