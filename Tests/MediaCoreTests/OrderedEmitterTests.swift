import MediaCore
import Testing

@Suite struct OrderedEmitterTests {
    static func output(_ sequence: UInt32, stream: UInt8 = 0) -> EmittedUnit {
        let unit = Fixture.unit(sequence, stream: stream, frames: 2)
        return EmittedUnit(
            key: unit.key, emit: unit.emit, frames: Fixture.result(for: unit).frames, lostFrames: 0, level: .full,
            mediaDuration: unit.mediaDuration)
    }

    @Test func outOfOrderOutputs_comeOutInSequence_eachOnce() {
        var emitter = OrderedEmitter()
        #expect(emitter.accept(Self.output(2)).isEmpty)
        #expect(emitter.accept(Self.output(1)).isEmpty)
        #expect(emitter.heldCount == 2)
        #expect(emitter.accept(Self.output(0)).map(\.key.sequence) == [0, 1, 2])
        #expect(emitter.accept(Self.output(1)).isEmpty)
        #expect(emitter.accept(Self.output(3)).map(\.key.sequence) == [3])
        #expect(emitter.heldCount == 0)
    }

    @Test func streams_areOrderedEachOnItsOwn() {
        var emitter = OrderedEmitter()
        #expect(emitter.accept(Self.output(1, stream: 0)).isEmpty)
        #expect(emitter.accept(Self.output(0, stream: 1)).map(\.key) == [UnitKey(stream: 1, sequence: 0)])
        #expect(emitter.accept(Self.output(0, stream: 0)).map(\.key.sequence) == [0, 1])
    }
}
