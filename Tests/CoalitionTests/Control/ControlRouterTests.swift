import Foundation
import MembershipCore
import ServiceCore
import Testing
@testable import Coalition

/// Collects the lines a router writes.
private actor Lines {
    var all: [String] = []
    func append(_ data: Data) { all.append(String(decoding: data, as: UTF8.self)) }
}

private let report = StatusReport(
    node: NodeSummary(
        name: "me", id: "0000000000000001", incarnation: 1, cores: 2, memoryMiB: 512, profile: "none",
        heartbeatPort: 7946, queryPort: 7947, published: true, uptimeSeconds: 1),
    avahi: "running", peers: [])

/// Answers `watch-services` with one `released` event of the service asked for; refuses `boom`.
private struct WatchStub: ControlHandler {
    typealias Call = WatchServicesCall
    func handle(_ parameters: WatchServicesParameters, reply: ControlReply<ServiceEventRecord>) async throws {
        guard parameters.service != "boom" else { throw ControlError(.failed, "no service boom here") }
        try await reply.send(ServiceEventRecord(service: ServiceID(parameters.service ?? "all"), event: .released, at: Date(timeIntervalSince1970: 1), recoveryMillis: nil))
    }
}

private func answer(_ request: String) async -> [String] {
    let router = ControlRouter([StatusHandler(report: { report }), WatchStub()])
    let lines = Lines()
    await router.respond(to: Data(request.utf8)) { await lines.append($0) }
    return await lines.all
}

/// The one error line of `request`, decoded.
private func error(_ request: String) async throws -> Envelope<Empty> {
    let lines = await answer(request)
    try #require(lines.count == 1, "\(lines)")
    return try JSONDecoder().decode(Envelope<Empty>.self, from: Data(lines[0].utf8))
}

@Suite struct ControlRouterTests {
    @Test func aKnownOpIsAnsweredWithItsResultOnOneLine() async throws {
        let lines = await answer(#"{"v":2,"op":"watch-services","service":"s1"}"#)
        #expect(lines == [
            #"{"ok":true,"op":"watch-services","result":{"atMillis":1000,"kind":"released","members":[],"message":"released","service":"s1"},"v":2}"# + "\n"
        ])
    }

    @Test func everyRouterAnswersPing() async {
        let lines = await answer(#"{"v":2,"op":"ping"}"#)
        #expect(lines == [#"{"ok":true,"op":"ping","result":{"alive":true},"v":2}"# + "\n"])
    }

    @Test func theStatusResultDecodesAsTheSharedType() async throws {
        let lines = await answer(#"{"v":2,"op":"status"}"#)
        let envelope = try JSONDecoder().decode(Envelope<StatusReport>.self, from: Data(lines[0].utf8))
        #expect(envelope.ok && envelope.op == .status && envelope.result == report)
    }

    @Test func aLineThatIsNotJSONGetsBadJSON() async throws {
        let failure = try await error("status please")
        #expect(!failure.ok && failure.error?.code == .badJSON && failure.op == nil)
    }

    @Test func aJSONValueThatIsNotAnObjectGetsBadJSON() async throws {
        #expect(try await error(#"["v",2]"#).error?.code == .badJSON)
    }

    @Test func aRequestWithoutVersionIsABadRequest() async throws {
        let failure = try await error(#"{"op":"status"}"#)
        #expect(failure.error?.code == .badRequest)
        #expect(failure.error?.message.contains("no protocol version") == true)
    }

    @Test func aVersionThatIsNotANumberIsABadRequestNamingTheField() async throws {
        let failure = try await error(#"{"v":"2","op":"status"}"#)
        #expect(failure.error?.code == .badRequest)
        #expect(failure.error?.message.contains(#""v" has the wrong type"#) == true, "\(String(describing: failure.error))")
    }

    @Test func aRequestWithoutOpIsABadRequestListingTheOps() async throws {
        let failure = try await error(#"{"v":2}"#)
        #expect(failure.error?.code == .badRequest)
        #expect(failure.error?.message.contains("known ops: ping, status, watch-services") == true)
    }

    @Test func anotherVersionIsUnsupportedAndNamed() async throws {
        for version in [1, 3] {
            let failure = try await error(#"{"v":\#(version),"op":"status"}"#)
            #expect(failure.error?.code == .unsupportedVersion)
            #expect(failure.error?.message == "protocol version \(version) is not supported (this daemon speaks 2)")
            #expect(failure.op == .status, "a known op is echoed even in a version error")
        }
    }

    @Test func anUnknownOpListsTheKnownOnes() async throws {
        let failure = try await error(#"{"v":2,"op":"explode"}"#)
        #expect(failure.error?.code == .unknownOp)
        #expect(failure.error?.message == #"unknown op "explode" (known ops: ping, status, watch-services)"#)
        #expect(failure.op == nil)
    }

    @Test func anOpOfTheProtocolThatThisRouterDoesNotServeIsUnknownToo() async throws {
        let failure = try await error(#"{"v":2,"op":"membership"}"#)
        #expect(failure.error?.code == .unknownOp)
    }

    @Test func fieldsOfTheWrongTypeAreBadParamsNamingTheField() async throws {
        let failure = try await error(#"{"v":2,"op":"watch-services","service":7}"#)
        #expect(failure.error?.code == .badParams && failure.op == .watchServices)
        #expect(failure.error?.message.contains(#"bad fields for op "watch-services": "service""#) == true, "\(String(describing: failure.error))")
    }

    @Test func aHandlerErrorIsSentAsTheErrorLine() async throws {
        let failure = try await error(#"{"v":2,"op":"watch-services","service":"boom"}"#)
        #expect(!failure.ok && failure.error == ControlError(.failed, "no service boom here"))
    }

    @Test func aRequestWithoutItsServiceRequestIsBadParamsNamingIt() async throws {
        let router = ControlRouter([RequestStub()])
        let lines = Lines()
        await router.respond(to: Data(#"{"v":2,"op":"request","video":"HD"}"#.utf8)) { await lines.append($0) }
        let failure = try JSONDecoder().decode(Envelope<Empty>.self, from: Data(await lines.all[0].utf8))
        #expect(failure.error == ControlError(.badParams, #"bad fields for op "request": missing "request""#))
    }
}

/// Never reached: the requests sent to it are all malformed.
private struct RequestStub: ControlHandler {
    typealias Call = RequestCall
    func handle(_ parameters: ServiceRequestParameters, reply: ControlReply<ServiceRequestUpdate>) async throws {
        Issue.record("a malformed request reached its handler: \(parameters)")
    }
}
