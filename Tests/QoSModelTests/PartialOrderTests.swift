import QoSModel
import Testing

@Suite struct PartialOrderTests {
    let space = QoSSpace.standard

    @Test func fhdWithHighAudio_meetsHDWithMediumAudio() {
        #expect(QoSLevel(video: .fhd, audio: .high).meets(QoSLevel(video: .hd, audio: .medium)))
    }

    @Test func hdWithHighAudio_doesNotMeetFHDWithLowAudio() {
        let offered = QoSLevel(video: .hd, audio: .high)
        let required = QoSLevel(video: .fhd, audio: .low)
        #expect(!offered.meets(required))
        let shortfalls = space.shortfalls(offered: offered.point, required: required.point).map(\.attribute)
        #expect(shortfalls == [QoSAttributeID.frameRate, QoSAttributeID.frameSize])
    }

    @Test func everyLevelMeetsItself_andTheOrderIsAntisymmetric() {
        let levels = VideoLevel.allCases.flatMap { video in
            AudioLevel.allCases.map { QoSLevel(video: video, audio: $0) }
        }
        for a in levels {
            #expect(a.meets(a))
            for b in levels where a != b {
                #expect(!(a.meets(b) && b.meets(a)), "\(a) and \(b) meet each other")
            }
        }
    }

    @Test func theOrderIsTransitive() {
        let levels = VideoLevel.allCases.flatMap { video in
            AudioLevel.allCases.map { QoSLevel(video: video, audio: $0) }
        }
        for a in levels {
            for b in levels where a.meets(b) {
                for c in levels where b.meets(c) { #expect(a.meets(c), "\(a) >= \(b) >= \(c)") }
            }
        }
    }

    @Test func anOfferMissingADimension_doesNotMeetARequestThatNamesIt() {
        #expect(!QoSLevel(video: .fhd).meets(QoSLevel(video: .sd, audio: .low)))
        #expect(QoSLevel(video: .sd, audio: .low).meets(QoSLevel(video: .sd)))
    }

    @Test func frameSizesAreOnlyPartiallyOrdered() {
        let attribute = space.attribute(QoSAttributeID.frameSize)!
        let cif16 = QoSValue.frameSize(.cif16)
        let p1080 = QoSValue.frameSize(.p1080)
        #expect(!attribute.isAtLeast(cif16, p1080))
        #expect(!attribute.isAtLeast(p1080, cif16))
        #expect(attribute.isAtLeast(p1080, .frameSize(.cif4)))
        #expect(attribute.isAtLeast(.frameSize(.cif), .frameSize(.qcif)))
        #expect(attribute.isAtLeast(.frameSize(.qcif), .frameSize(.sqcif)))
    }

    @Test func lowerLatencyIsBetter() {
        let offered: QoSPoint = [QoSAttributeID.latency: .integer(25)]
        let required: QoSPoint = [QoSAttributeID.latency: .integer(50)]
        #expect(space.meets(offered, required))
        #expect(!space.meets(required, offered))
    }

    @Test func exampleOneAttributesBelongToTheirDimensions() {
        #expect(space.dimension(of: QoSAttributeID.frameRate)?.id == "video")
        #expect(space.dimension(of: QoSAttributeID.colorDepth)?.id == "video")
        #expect(space.dimension(of: QoSAttributeID.compressionIndex)?.id == "video")
        #expect(space.dimension(of: QoSAttributeID.samplingRate)?.id == "audio")
        #expect(space.dimension(of: QoSAttributeID.sampleBits)?.id == "audio")
        #expect(space.dimension(of: "video.nonsense") == nil)
    }

    @Test func presetsMatchTablesOneAndTwo() {
        #expect(VideoLevel.sd.frameSize == FrameSize(width: 640, height: 480))
        #expect(VideoLevel.hd.frameSize == FrameSize(width: 1280, height: 720))
        #expect(VideoLevel.fhd.frameSize == FrameSize(width: 1920, height: 1080))
        #expect(VideoLevel.allCases.map(\.framesPerSecond) == [24, 24, 30])
        #expect(AudioLevel.allCases.map(\.bitRateKbps) == [128, 192, 320])
        #expect(AudioLevel.allCases.map(\.sampleRateHz) == [32_000, 44_100, 48_000])
    }
}
