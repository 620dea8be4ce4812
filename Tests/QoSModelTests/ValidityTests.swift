import QoSModel
import Testing

@Suite struct ValidityTests {
    let space = QoSSpace.standard

    @Test func everyPresetIsAValidPoint() {
        for video in VideoLevel.allCases {
            for audio in AudioLevel.allCases {
                let level = QoSLevel(video: video, audio: audio)
                #expect(space.violations(of: level.point).isEmpty, "\(level)")
            }
        }
    }

    @Test func aHighBitRateAtALowSamplingRate_breaksTheMPEGAudioDependency() {
        let point: QoSPoint = [QoSAttributeID.bitRate: .integer(192), QoSAttributeID.samplingRate: .real(22.05)]
        let violations = space.violations(of: point)
        #expect(violations.count == 1)
        guard case .dependency(let dependency) = violations.first else {
            Issue.record("expected a dependency violation, got \(violations)")
            return
        }
        #expect(dependency.reason.contains("160 kbit/s"))
        #expect(space.violations(of: [QoSAttributeID.bitRate: .integer(160), QoSAttributeID.samplingRate: .real(22.05)]).isEmpty)
    }

    @Test func sixtyFramesPerSecond_isLimitedTo1080p() {
        let tooBig: QoSPoint = [QoSAttributeID.frameRate: .integer(60), QoSAttributeID.frameSize: .frameSize(.cif16)]
        #expect(space.violations(of: tooBig).count == 1)
        let fine: QoSPoint = [QoSAttributeID.frameRate: .integer(60), QoSAttributeID.frameSize: .frameSize(.p1080)]
        #expect(space.violations(of: fine).isEmpty)
        let slow: QoSPoint = [QoSAttributeID.frameRate: .integer(30), QoSAttributeID.frameSize: .frameSize(.cif16)]
        #expect(space.violations(of: slow).isEmpty)
    }

    @Test func valuesOutsideTheirDomain_orOfTheWrongType_areNamed() {
        let point: QoSPoint = [
            QoSAttributeID.frameRate: .integer(61),
            QoSAttributeID.colorDepth: .integer(12),
            QoSAttributeID.frameSize: .integer(720),
            "video.sharpness": .integer(3),
        ]
        let violations = space.violations(of: point)
        #expect(violations.contains(.outsideDomain(attribute: QoSAttributeID.frameRate, value: .integer(61))))
        #expect(violations.contains(.outsideDomain(attribute: QoSAttributeID.colorDepth, value: .integer(12))))
        #expect(violations.contains(.wrongType(attribute: QoSAttributeID.frameSize, expected: .frameSize, got: .integer)))
        #expect(violations.contains(.unknownAttribute("video.sharpness")))
    }

    @Test func continuousIntegralDomains_rejectFractions() {
        let domain = QoSDomain.continuous(lower: 1, upper: 60, integral: true)
        #expect(domain.contains(.integer(30)))
        #expect(!domain.contains(.real(29.97)))
        #expect(!domain.contains(.real(.nan)))
        #expect(QoSDomain.continuous(lower: 0, upper: 100, integral: false).contains(.real(12.5)))
    }
}
