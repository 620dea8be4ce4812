import NIOCore
import Testing
@testable import Coalition

private func frames(_ chunks: [String], maximum: Int = 8) throws -> [ControlLine] {
    var decoder = ControlLineDecoder(maximumLength: maximum)
    var buffer = ByteBuffer()
    var out: [ControlLine] = []
    for chunk in chunks {
        buffer.writeString(chunk)
        while let frame = try decoder.next(&buffer) { out.append(frame) }
    }
    return out
}

private func line(_ s: String) -> ControlLine { .line(ByteBuffer(string: s)) }

@Suite struct ControlLineDecoderTests {
    @Test func linesAreSplitAtNewlinesAcrossChunks() throws {
        #expect(try frames(["ab", "c\nde", "f\n"]) == [line("abc"), line("def")])
    }

    @Test func aCarriageReturnBeforeTheNewlineIsDropped() throws {
        #expect(try frames(["abc\r\n"]) == [line("abc")])
    }

    @Test func anOverlongLineIsReportedOnceAndTheNextLineStillArrives() throws {
        #expect(try frames(["0123456789", "abcdef", "\nok\n"]) == [.tooLong, line("ok")])
    }

    @Test func anOverlongCompleteLineIsSkipped() throws {
        #expect(try frames(["0123456789\nok\n"]) == [.tooLong, line("ok")])
    }

    @Test func aPartialLineWaitsForMoreBytes() throws {
        #expect(try frames(["abc"]).isEmpty)
    }
}
