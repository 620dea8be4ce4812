import Foundation
import QoSModel
import MembershipCore
import ServiceCore
import Testing
@testable import Coalition

/// The request lines clients send and the values daemons decode from them.
@Suite struct ControlCallTests {
    private let hdThenSD = try! ServiceRequest.parse(video: "HD", audio: "high", accept: ["SD"])

    private func line<Call: ControlCall>(_ call: Call.Type, _ parameters: Call.Parameters) throws -> String {
        String(decoding: try ControlProtocol.line(ControlRequestLine<Call>(parameters)), as: UTF8.self)
    }

    @Test func theOperationNamesAreThoseOfTheProtocol() {
        #expect(ControlOperation.allCases.map(\.rawValue) == [
            "ping", "status", "membership", "watch-membership", "request", "release", "services", "watch-services", "stream",
        ])
    }

    @Test func aStreamLineCarriesItsInputAndOptions_andItsUpdatesTheirKind() throws {
        #expect(try line(StreamCall.self, StreamParameters(input: "/media/talk.mp4", batch: true)) == #"""
            {"batch":true,"input":"/media/talk.mp4","latencyMillis":2000,"op":"stream","unitSeconds":1,"v":2}

            """#)
        #expect(StreamUpdate.Kind.inputFailed.rawValue == "input-failed")
        let update = StreamUpdate.problem("member lost")
        let decoded = try JSONDecoder().decode(StreamUpdate.self, from: JSONEncoder().encode(update))
        #expect(decoded == update && decoded.kind == .problem)
    }

    @Test func theEventKindsAndPhasesKeepTheirWireNames() {
        #expect(ServiceEvent.Kind.allCases.map(\.rawValue) == [
            "formed", "member-lost", "rebuilt", "degraded", "upgraded", "unserved", "restored", "released", "stepped-down", "trimmed",
            "recalibrated",
        ])
        #expect(ServicePhase.Name.allCases.map(\.rawValue) == ["forming", "serving", "rebuilding", "unserved", "released"])
        #expect(ServiceEvent.Kind.allCases.filter { !$0.settles } == [.memberLost, .steppedDown, .trimmed, .recalibrated])
    }

    @Test func aRequestLineCarriesVersionOpAndTheTypedRequest() throws {
        #expect(try line(RequestCall.self, ServiceRequestParameters(hdThenSD, watch: true)) == #"""
            {"op":"request","request":{"ladder":[{"audio":"high","video":"HD"},{"audio":"high","video":"SD"}],"streams":1},"v":2,"waitMillis":5000,"watch":true}

            """#)
    }

    @Test func aWeightIsSentOnlyWhenNotTheDefault_andDecodesBack() throws {
        #expect(try line(RequestCall.self, ServiceRequestParameters(hdThenSD, watch: true, weight: 5)) == #"""
            {"op":"request","request":{"ladder":[{"audio":"high","video":"HD"},{"audio":"high","video":"SD"}],"streams":1},"v":2,"waitMillis":5000,"watch":true,"weight":5}

            """#)
        let sent = ServiceRequestParameters(hdThenSD, weight: 2.5)
        let decoded = try JSONDecoder().decode(ControlRequestLine<RequestCall>.self, from: try ControlProtocol.line(ControlRequestLine<RequestCall>(sent)))
        #expect(decoded.parameters == sent)
    }

    @Test func aCallWithoutParametersIsVersionAndOpOnly() throws {
        #expect(try line(StatusCall.self, Empty()) == #"{"op":"status","v":2}"# + "\n")
    }

    @Test func theDaemonDecodesTheSameRequestTheClientParsed() throws {
        let sent = ServiceRequestParameters(hdThenSD, waitMillis: 250)
        let data = try ControlProtocol.line(ControlRequestLine<RequestCall>(sent))
        let decoded = try JSONDecoder().decode(ControlRequestLine<RequestCall>.self, from: data)
        #expect(decoded.parameters == sent && decoded.v == ControlProtocol.version)
    }

    @Test func omittedOptionsTakeTheirDefaults() throws {
        let decoded = try JSONDecoder().decode(
            ServiceRequestParameters.self, from: Data(#"{"request":{"ladder":[{"video":"SD"}],"streams":2}}"#.utf8))
        #expect(decoded == ServiceRequestParameters(try ServiceRequest(QoSLevel(video: .sd), streams: 2)))
    }

    @Test(arguments: [
        (#"{"request":{"ladder":[],"streams":1}}"#, "a request needs a video level"),
        (#"{"request":{"ladder":[{"video":"SD"}],"streams":0}}"#, "must be between 1 and 64, got 0"),
        (#"{"request":{"ladder":[{"video":"SD"},{"video":"HD"}],"streams":1}}"#, "must go down in quality"),
        (#"{"request":{"ladder":[{}],"streams":1}}"#, "needs a video or an audio level"),
        (#"{"request":{"ladder":[{"video":"UHD"}],"streams":1}}"#, "UHD"),
        (#"{"request":{"ladder":[{"video":"SD"}],"streams":1},"weight":0}"#, "a weight must be above 0"),
        (#"{"request":{"ladder":[{"video":"SD"}],"streams":1},"weight":-2}"#, "a weight must be above 0"),
        (#"{"request":{"ladder":[{"video":"SD"}],"streams":1},"weight":2e9}"#, "at most 1000000"),
    ])
    func anInvalidRequestIsRefusedWhenDecoded(json: String, reason: String) {
        let error = #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ServiceRequestParameters.self, from: Data(json.utf8))
        }
        #expect(error.map { "\($0)".contains(reason) } == true, "\(String(describing: error))")
    }

    @Test func aLineOfAnotherOpDoesNotDecodeAsThisCall() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ControlRequestLine<StatusCall>.self, from: Data(#"{"v":2,"op":"services"}"#.utf8))
        }
    }

    @Test func theRequestStreamTellsAnAnswerFromAnEvent() throws {
        let event = ServiceEventRecord(service: ServiceID("s1"), event: .memberLost(peer: MemberID("00000000000000b1")!, reason: "declared dead"), at: Date(timeIntervalSince1970: 2), recoveryMillis: nil)
        let eventLine = try JSONEncoder().encode(ServiceRequestUpdate.event(event))
        #expect(try JSONDecoder().decode(ServiceRequestUpdate.self, from: eventLine) == .event(event))
        let answerLine = Data(#"{"service":{"id":"s1","ladder":["HD"],"streams":1,"phase":"unserved","level":"HD","members":[],"reason":"no peer"}}"#.utf8)
        guard case .answer(let answer) = try JSONDecoder().decode(ServiceRequestUpdate.self, from: answerLine) else {
            Issue.record("an answer decoded as an event")
            return
        }
        #expect(answer.service.phase == .unserved && answer.service.reason == "no peer" && answer.event == nil)
    }
}
