import Foundation
import MediaCore
import MembershipCore
import Testing

/// A member's CPU estimate in report.json and `node request --watch`: its parts against what the
/// member measured.
@Suite struct CPUEstimateTests {
    let parts = CPUEstimate(
        cpuPerMediaSecond: 0.171, decodeCPUPerMediaSecond: 0.105, hashCPUPerMediaSecond: 0.066, basis: "decode 0.1050 (measured at HD) + hash")

    @Test func theSummary_namesEachPart_orSaysTheHashIsNotPriced() {
        #expect(parts.summary == "estimated 0.171 (decode 0.105 + hash 0.066)")
        #expect(parts.against(measured: 0.123) == "estimated 0.171 (decode 0.105 + hash 0.066) against measured 0.123 (1.39x)")
        #expect(parts.against(measured: nil) == "estimated 0.171 (decode 0.105 + hash 0.066) against measured -")
        let unpriced = CPUEstimate(cpuPerMediaSecond: 0.105, decodeCPUPerMediaSecond: 0.105, basis: "hash not priced")
        #expect(unpriced.summary == "estimated 0.105 (decode 0.105, hash not priced)")
        #expect(CPUEstimate(cpuPerMediaSecond: 0.105).summary == "estimated 0.105")
    }

    @Test func theSessionsReport_carriesTheEstimateBesideTheMeasuredFigure() throws {
        let a = Fixture.member(1)
        var session = StreamSession(configuration: .init(pacing: .batch))
        _ = session.handle(.memberAdded(a, share: 1, estimate: parts), at: .zero)
        let member = try #require(session.report(at: .zero).members.first)
        #expect(member.estimate == parts)
        #expect(member.estimatedCPUPerMediaSecond == 0.171)

        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(member)) as! [String: Any]
        #expect(json["estimatedCPUPerMediaSecond"] as? Double == 0.171)
        let estimate = try #require(json["estimate"] as? [String: Any])
        #expect(estimate["decodeCPUPerMediaSecond"] as? Double == 0.105)
        #expect(estimate["hashCPUPerMediaSecond"] as? Double == 0.066)
        #expect(try JSONDecoder().decode(MemberReport.self, from: JSONEncoder().encode(member)) == member)
    }

    @Test func aReportWrittenBeforeTheParts_readsItsTotal() throws {
        var member = MemberReport(member: "1f2e3d4c5b6a7988", reservedShare: 0.6)
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(member)) as! [String: Any]
        json["estimatedCPUPerMediaSecond"] = 0.2
        let read = try JSONDecoder().decode(MemberReport.self, from: JSONSerialization.data(withJSONObject: json))
        member.estimate = CPUEstimate(cpuPerMediaSecond: 0.2)
        #expect(read == member)
    }
}
