import QoSModel
import Testing

@Suite struct EvaluationTests {
    let profile = makeProfile()
    let plenty = SpareCapacity(cores: 2.0, memoryAvailableBytes: 512 << 20)

    @Test func aBoardWithEnoughSpareCPU_carriesAStreamAlone() {
        // HD + high audio costs 0.84 cores; with 25% headroom 1.05; 2 spare cores carry 1.90 streams.
        let evaluation = profile.evaluate(QoSLevel(video: .hd, audio: .high), spare: plenty)
        #expect(evaluation.carriesAStreamAlone)
        #expect(abs(evaluation.share - 2.0 / 1.05) < 1e-9)
        #expect(evaluation.limitedBy == .cpu)
        #expect(abs(evaluation.demandPerStream.cpuCores - 0.84) < 1e-9)
        #expect(evaluation.demandPerStream.memoryBytes == 53 << 20)
    }

    @Test func aReservationHoldsTheHeadroomToo() {
        let evaluation = profile.evaluate(QoSLevel(video: .hd), spare: plenty)
        #expect(abs(evaluation.reservationPerStream.cpuCores - 0.8 * 1.25) < 1e-9)
        #expect(evaluation.reservationPerStream.memoryBytes == 45 << 20)
    }

    @Test func reservationsAreSubtractedBeforeSharing() {
        let level = QoSLevel(video: .hd, audio: .high)
        let alreadyHeld = [Demand(cpuCores: 1.0, memoryBytes: 53 << 20)]
        let evaluation = profile.evaluate(level, spare: plenty, reserved: alreadyHeld)
        #expect(abs(evaluation.share - 1.0 / 1.05) < 1e-9)
        #expect(!evaluation.carriesAStreamAlone)
    }

    @Test func aWeakBoard_carriesPartOfAStream() {
        let evaluation = profile.evaluate(QoSLevel(video: .fhd), spare: SpareCapacity(cores: 0.95, memoryAvailableBytes: 512 << 20))
        #expect(abs(evaluation.share - 0.95 / (1.9 * 1.25)) < 1e-9)
    }

    @Test func tooLittleMemoryForOneDecoder_meansNoShare() {
        // 64 MiB reserve + 60 MiB FHD decoder: 100 MiB available is not enough.
        let evaluation = profile.evaluate(QoSLevel(video: .fhd), spare: SpareCapacity(cores: 3, memoryAvailableBytes: 100 << 20))
        #expect(evaluation.share == 0)
        #expect(evaluation.limitedBy == .memory)
        #expect(evaluation.reason.contains("36 MiB free"))
    }

    @Test func memoryLimitsTheNumberOfWholeStreams() {
        // 64 + 2 x 60 = 184 MiB fits two FHD decoders but not three, though the CPU would carry more.
        let evaluation = profile.evaluate(QoSLevel(video: .fhd), spare: SpareCapacity(cores: 16, memoryAvailableBytes: 200 << 20))
        #expect(evaluation.share == 2)
        #expect(evaluation.limitedBy == .memory)
    }

    @Test func sliversBelowTheMinimumShare_areNotOffered() {
        let evaluation = profile.evaluate(QoSLevel(video: .fhd), spare: SpareCapacity(cores: 0.05, memoryAvailableBytes: 512 << 20))
        #expect(evaluation.share == 0)
    }

    @Test func aPresetTheProfileLacks_isReported() {
        let partial = makeProfile(cpu: [.video(.sd): 0.3])
        let evaluation = partial.evaluate(QoSLevel(video: .sd, audio: .low), spare: plenty)
        #expect(evaluation.share == 0)
        #expect(evaluation.limitedBy == .notProfiled)
        #expect(evaluation.reason == "profile test-board has no measurement for audio.low")
    }

    @Test func headroomIsConfigurable() {
        let none = EvaluationConfiguration(headroom: 0)
        let evaluation = profile.evaluate(QoSLevel(video: .hd), spare: SpareCapacity(cores: 0.8, memoryAvailableBytes: 512 << 20), configuration: none)
        #expect(abs(evaluation.share - 1.0) < 1e-9)
    }

    @Test func partialDemandScalesCPUButNotMemory() {
        let demand = Demand(cpuCores: 1.0, memoryBytes: 40 << 20)
        #expect(demand.scaled(toShare: 0.5) == Demand(cpuCores: 0.5, memoryBytes: 40 << 20))
        #expect(demand.scaled(toShare: 1.5) == Demand(cpuCores: 1.5, memoryBytes: 80 << 20))
    }
}
