import Foundation
import Testing
@testable import Coalition

/// Collects the lines a router writes.
private actor Lines {
    var all: [String] = []
    func append(_ data: Data) { all.append(String(decoding: data, as: UTF8.self)) }
}

private struct EchoHandler: ControlHandler {
    struct Params: Decodable { var text: String }
    let op = "echo"
    func handle(_ request: ControlRequest, reply: ControlReply) async throws {
        let params = try request.parameters(as: Params.self)
        guard params.text != "boom" else { throw ControlError(.failed, "echo refuses boom") }
        try await reply.send(["text": params.text])
    }
}

private func answer(_ request: String) async -> [String] {
    let router = ControlRouter([EchoHandler()])
    let lines = Lines()
    await router.respond(to: Data(request.utf8)) { await lines.append($0) }
    return await lines.all
}

@Suite struct ControlRouterTests {
    @Test func aKnownOpIsAnsweredWithItsResultOnOneLine() async {
        let lines = await answer(#"{"v":1,"op":"echo","text":"hi"}"#)
        #expect(lines == [#"{"ok":true,"op":"echo","result":{"text":"hi"},"v":1}"# + "\n"])
    }

    @Test func everyRouterAnswersPing() async {
        let lines = await answer(#"{"v":1,"op":"ping"}"#)
        #expect(lines == [#"{"ok":true,"op":"ping","result":{"alive":true},"v":1}"# + "\n"])
    }

    @Test func aLineThatIsNotJSONGetsBadJSON() async {
        let lines = await answer("status please")
        #expect(lines.count == 1 && lines[0].contains(#""code":"bad-json""#))
    }

    @Test func aRequestWithoutVersionIsABadRequest() async {
        let lines = await answer(#"{"op":"echo"}"#)
        #expect(lines.first?.contains(#""code":"bad-request""#) == true)
    }

    @Test func anotherVersionIsUnsupportedAndNamed() async {
        let lines = await answer(#"{"v":2,"op":"echo"}"#)
        #expect(lines.first?.contains(#""code":"unsupported-version""#) == true)
        #expect(lines.first?.contains("protocol version 2 is not supported") == true)
    }

    @Test func anUnknownOpListsTheKnownOnes() async {
        let lines = await answer(#"{"v":1,"op":"explode"}"#)
        #expect(lines.first?.contains(#""code":"unknown-op""#) == true)
        #expect(lines.first?.contains("known ops: echo") == true)
    }

    @Test func missingFieldsAreBadParamsNamingTheField() async {
        let lines = await answer(#"{"v":1,"op":"echo"}"#)
        #expect(lines.first?.contains(#""code":"bad-params""#) == true)
        #expect(lines.first?.contains(#"missing \"text\""#) == true)
    }

    @Test func aHandlerErrorIsSentAsTheErrorLine() async {
        let lines = await answer(#"{"v":1,"op":"echo","text":"boom"}"#)
        #expect(lines.first?.contains("echo refuses boom") == true)
        #expect(lines.first?.contains(#""ok":false"#) == true)
    }
}
