import Coalition
import MembershipCore
import TestSupport
import Testing

extension RecordRefreshPolicy.Decision {
    var isRestart: Bool {
        if case .restarted = self { true } else { false }
    }
}

@Suite("When a member's record is resolved again")
struct RecordRefreshPolicyTests {
    let start = ContinuousClock.now
    let peer = MemberID.named("peer")

    func event(_ kind: MembershipEvent.Kind, _ incarnation: UInt64, of member: MemberID? = nil) -> MembershipEvent {
        MembershipEvent(member: member ?? peer, kind: kind, incarnation: incarnation, at: .zero, reason: "test")
    }

    @Test func aMemberThatStaysDeadIsResolvedOnceAfterItsDelayAndJitter() {
        var policy = RecordRefreshPolicy()
        var random = SeededGenerator(seed: 7)
        #expect(policy.observe(event(.dead, 1_000), at: start, using: &random) == .none)
        #expect(policy.due(at: start + .milliseconds(9_999)).isEmpty)
        var firstDue: Duration?
        for tenth in 100...200 where firstDue == nil {
            if policy.due(at: start + .milliseconds(tenth * 100)) == [peer] { firstDue = .milliseconds(tenth * 100) }
        }
        let due = try! #require(firstDue)
        #expect(due >= .seconds(10) && due <= .seconds(20))
        #expect(policy.due(at: start + .seconds(60)).isEmpty, "once per death")
    }

    @Test func theJitterSpreadsManyHostsOverItsWholeWindow() {
        // 100 hosts, each with its own policy and generator, see the same death.
        var dues: [Duration] = []
        for host in 0..<100 {
            var policy = RecordRefreshPolicy()
            var random = SeededGenerator(seed: UInt64(host) &* 0x9E37_79B9 &+ 1)
            _ = policy.observe(event(.dead, 5), at: start, using: &random)
            for tenth in 100...200 where policy.due(at: start + .milliseconds(tenth * 100)) == [peer] {
                dues.append(.milliseconds(tenth * 100))
                break
            }
        }
        #expect(dues.count == 100)
        let perSecond = Dictionary(grouping: dues) { $0.components.seconds }
        #expect(perSecond.keys.count >= 9, "spread over at least 9 of the 10 jitter seconds: \(perSecond.keys.sorted())")
        #expect(perSecond.values.map(\.count).max()! <= 25)
    }

    @Test func aMemberBackBeforeItsDelayCostsNoResolution() {
        var policy = RecordRefreshPolicy()
        var random = SeededGenerator(seed: 1)
        _ = policy.observe(event(.dead, 1_000), at: start, using: &random)
        // It refuted its death: one above the incarnation it was declared dead at.
        #expect(policy.observe(event(.rejoined, 1_001), at: start + .seconds(2), using: &random) == .none)
        #expect(policy.due(at: start + .seconds(60)).isEmpty)
    }

    @Test func aRejoinAtAStartIncarnationIsARestartAndResolvedAtOnce() {
        var policy = RecordRefreshPolicy()
        var random = SeededGenerator(seed: 1)
        let started: UInt64 = 1_796_000_000_000
        _ = policy.observe(event(.dead, started + 3), at: start, using: &random)
        // Restarted 5 s later: its incarnation is its new start time in milliseconds. Its record
        // is resolved once, 3-5 s on (the new process publishes it after its first heartbeats);
        // the dead-member resolution is dropped.
        let decision = policy.observe(event(.rejoined, started + 5_000), at: start + .seconds(5), using: &random)
        guard case .restarted(let at) = decision else { Issue.record("\(decision)"); return }
        #expect(at >= start + .seconds(8) && at <= start + .seconds(10))
        #expect(policy.due(at: start + .milliseconds(7_999)).isEmpty)
        #expect(policy.due(at: start + .seconds(10)) == [peer])
        #expect(policy.due(at: start + .seconds(60)).isEmpty)
    }

    @Test func aMemberThatLeftIsNotResolvedButItsRestartIs() {
        var policy = RecordRefreshPolicy()
        var random = SeededGenerator(seed: 3)
        _ = policy.observe(event(.left, 40), at: start, using: &random)
        #expect(policy.due(at: start + .seconds(60)).isEmpty)
        #expect(policy.observe(event(.rejoined, 40 + 1_001), at: start + .seconds(61), using: &random).isRestart)
    }

    @Test func aRejoinNeverSeenGoingIsTakenForARestartAndSuspicionsChangeNothing() {
        var policy = RecordRefreshPolicy()
        var random = SeededGenerator(seed: 3)
        #expect(policy.observe(event(.suspect, 9), at: start, using: &random) == .none)
        #expect(policy.observe(event(.alive, 9), at: start, using: &random) == .none)
        // Learned at 9, back at 10 without a death we saw: a refutation, no query.
        #expect(policy.observe(event(.rejoined, 10), at: start, using: &random) == .none)
        #expect(policy.observe(event(.rejoined, 7, of: MemberID.named("other")), at: start, using: &random).isRestart)
    }

    @Test func aMemberAliveAllAlongAtAJumpedIncarnationRestartedFasterThanItsDeathWasSeen() {
        var policy = RecordRefreshPolicy()
        var random = SeededGenerator(seed: 9)
        let started: UInt64 = 1_796_000_000_000
        #expect(policy.observe(event(.alive, started), at: start, using: &random) == .none)
        // Killed and started again 1.5 s later, before any monitor declared it dead.
        #expect(policy.observe(event(.alive, started + 1_500), at: start + .seconds(2), using: &random).isRestart)
        // It then refutes a death someone else declared: one more, no query of its own, and the
        // restart's resolution still stands.
        #expect(policy.observe(event(.alive, started + 1_501), at: start + .seconds(3), using: &random) == .none)
        #expect(policy.due(at: start + .seconds(7)) == [peer])
    }

    @Test func theTrackedMembersAreBoundedByForgettingTheOldest() {
        var configuration = RecordRefreshPolicy.Configuration()
        configuration.maximumTracked = 3
        var policy = RecordRefreshPolicy(configuration: configuration)
        var random = SeededGenerator(seed: 5)
        let members = (1...5).map { MemberID.named("m\($0)") }
        for (index, member) in members.enumerated() {
            _ = policy.observe(event(.dead, 100, of: member), at: start + .seconds(index), using: &random)
        }
        #expect(policy.trackedCount == 3)
        #expect(Set(policy.due(at: start + .seconds(60))) == Set(members[2...4]))
        // m1 and m2 were forgotten, so m1's rejoin counts as a restart; m5's is a refutation.
        #expect(policy.observe(event(.rejoined, 101, of: members[0]), at: start + .seconds(61), using: &random).isRestart)
        #expect(policy.observe(event(.rejoined, 101, of: members[4]), at: start + .seconds(61), using: &random) == .none)
        #expect(policy.trackedCount == 3)
    }
}
