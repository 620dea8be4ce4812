
@testable import MembershipCore
import Testing

@Suite("Membership ring and estimators")
struct MembershipRingTests {
    @Test func aMemberMonitorsExactlyThoseThatNameItAsTheirMonitor() {
        let ids = (0..<40).map { MemberID.named("node-\($0)") }
        let ring = MonitorRing(members: ids)
        for a in ids {
            #expect(ring.monitors(of: a, count: 3).count == 3)
            for b in ids where a != b {
                #expect(ring.monitors(of: a, count: 3).contains(b) == ring.subjects(of: b, count: 3).contains(a))
            }
        }
    }

    @Test func aSmallRingNeverNamesAMemberItsOwnMonitor() {
        let ids = [MemberID.named("a"), MemberID.named("b")]
        let ring = MonitorRing(members: ids)
        #expect(ring.monitors(of: ids[0], count: 3) == [ids[1]])
        #expect(MonitorRing(members: [ids[0]]).monitors(of: ids[0], count: 3).isEmpty)
    }

    @Test func regularHeartbeatsKeepTheBoundAtTheFloor_andJitterRaisesItUpToTheCeiling() {
        var steady = InterArrivalEstimator(window: 16)
        for _ in 0..<16 { steady.record(.milliseconds(100), cap: .seconds(1)) }
        #expect(steady.suspicionTimeout(deviations: 8, floor: .milliseconds(350), ceiling: .milliseconds(600)) == .milliseconds(350))
        var jittery = InterArrivalEstimator(window: 16)
        for index in 0..<16 { jittery.record(.milliseconds(index % 2 == 0 ? 50 : 250), cap: .seconds(1)) }
        #expect(jittery.suspicionTimeout(deviations: 8, floor: .milliseconds(350), ceiling: .milliseconds(600)) == .milliseconds(600))
        #expect(jittery.suspicionTimeout(deviations: 1, floor: .milliseconds(200), ceiling: .milliseconds(600)) == .milliseconds(250))
    }

    @Test func lateTicksRaiseTheHealthScoreAndPunctualOnesLowerIt() {
        var health = LocalHealth(maximum: 8, recoveryTicks: 2)
        let punctual = { (health: inout LocalHealth) in
            _ = health.recordTick(lateness: .milliseconds(10), tolerance: .milliseconds(50), interval: .milliseconds(100))
        }
        punctual(&health)
        punctual(&health)
        #expect(health.mayAccuse)
        let late = health.recordTick(lateness: .milliseconds(250), tolerance: .milliseconds(50), interval: .milliseconds(100))
        #expect(late)
        #expect(health.score == 3)
        #expect(!health.mayAccuse)
        // The first punctual tick after a late one only reads; the second may judge again,
        // whatever the score.
        punctual(&health)
        #expect(!health.mayAccuse)
        punctual(&health)
        #expect(health.mayAccuse)
        #expect(health.score == 2)
        for _ in 0..<4 { punctual(&health) }
        #expect(health.score == 0)
        #expect(health.mayAccuse)
    }

    @Test func ringPositionsAreStableAcrossProcesses() {
        // FNV-1a 64 of the ASCII bytes "6100000000000000", computed independently.
        #expect(MemberID("6100000000000000")!.ringPosition == 0x48be_735b_98a9_4fa8)
    }
}
