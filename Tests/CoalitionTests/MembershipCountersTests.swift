import Coalition
import MembershipCore
import TestSupport
import Testing

/// The instance counts what it decides (the metrics read these counters): driven by hand with
/// a fake clock, as in ``MembershipInstanceTests``.
@Suite("Membership counters")
struct MembershipCountersTests {
    typealias T = MembershipInstanceTests

    @Test func heartbeatsSentAndReceivedAreCountedPerDatagram() {
        var (instance, start) = T.instance(peers: 6)
        let before = instance.counters
        let subjects = instance.snapshot(now: start).subjects
        let out = T.tick(&instance, from: start, to: start + .seconds(1), beating: subjects)
        let heartbeatsSent = T.sends(out).filter { if case .heartbeat = $0.0.body { true } else { false } }.count
        #expect(heartbeatsSent > 0)
        #expect(instance.counters.heartbeatsSent - before.heartbeatsSent == heartbeatsSent)
        // Ten ticks, one heartbeat from each subject per tick.
        #expect(instance.counters.heartbeatsReceived == 10 * subjects.count)
    }

    @Test func aSilentSubjectCountsOneSuspicionOneDeathAndItsDetectionTime() {
        var (instance, start) = T.instance(peers: 6)
        let subjects = instance.snapshot(now: start).subjects
        _ = T.tick(&instance, from: start, to: start + .seconds(2), beating: subjects)
        #expect(instance.counters.suspicions == 0)
        let out = T.tick(&instance, from: start + .seconds(2), to: start + .seconds(3), beating: Array(subjects.dropFirst()))
        let dead = T.events(out).filter { $0.kind == .dead }
        #expect(dead.count == 1)
        #expect(instance.counters.suspicions == 1)
        #expect(instance.counters.deathsDeclared == 1)
        #expect(instance.counters.deathsLearned == 0)
        let detection = instance.counters.detection
        #expect(detection.count == 1)
        // Heard last at 2 s, declared at the dead event's instant.
        let expected = (dead[0].at - (start + .seconds(2))).milliseconds / 1000
        #expect(abs(detection.sum - expected) < 1e-9)
        #expect(detection.cumulativeCounts.last == 1)
    }

    @Test func aSuspectThatAnswersCountsARefutedSuspicion() {
        var (instance, start) = T.instance(peers: 6)
        let subjects = instance.snapshot(now: start).subjects
        _ = T.tick(&instance, from: start, to: start + .seconds(2), beating: subjects)
        var now = start + .seconds(2)
        var suspected = false
        while !suspected {
            let out = T.tick(&instance, from: now, to: now + T.interval, beating: Array(subjects.dropFirst()))
            now = now + T.interval
            suspected = T.events(out).contains { $0.kind == .suspect }
        }
        let beat = MembershipMessage(sender: subjects[0], incarnation: 1, body: .heartbeat(sequence: 9999, capacity: .zero))
        let out = instance.onMessage(beat, from: T.address(of: subjects[0]), now: now)
        #expect(T.events(out).map(\.kind) == [.alive])
        #expect(instance.counters.suspicions == 1)
        #expect(instance.counters.suspicionsRefuted == 1)
        #expect(instance.counters.deathsDeclared == 0)
    }

    @Test func beingDeclaredDeadCountsARefutation() {
        var (instance, start) = T.instance(peers: 3)
        let declaration = MembershipMessage(
            sender: T.peer(1), incarnation: 1, body: .dead(subject: T.me, subjectIncarnation: instance.incarnation))
        _ = instance.onMessage(declaration, from: T.address(1), now: start + T.interval)
        #expect(instance.counters.refutations == 1)
    }

    @Test func aDeathDeclaredByAnotherMemberIsCountedAsLearned() {
        var (instance, start) = T.instance(peers: 3)
        let declaration = MembershipMessage(sender: T.peer(1), incarnation: 1, body: .dead(subject: T.peer(2), subjectIncarnation: 1))
        let out = instance.onMessage(declaration, from: T.address(1), now: start + T.interval)
        #expect(T.events(out).map(\.kind) == [.dead])
        #expect(instance.counters.deathsLearned == 1)
        #expect(instance.counters.deathsDeclared == 0)
    }
}
