@testable import Coalition
import MembershipCore
import QoSModel
import ServiceCore
import Testing

/// The limits a service's workers get from its lease: pure arithmetic, so every rule is checked.
@Suite struct WorkerLimitsTests {
    static func lease(cores: Double, memory: UInt64 = 16 << 20) -> Reservation {
        Reservation(
            service: ServiceID("r/1"), requester: MemberID.named("req"), level: QoSLevel(video: .hd), share: 1,
            demand: Demand(cpuCores: cores, memoryBytes: memory), expiresAt: MembershipInstant(nanoseconds: 0))
    }

    @Test func theCPULimitIsTheReservedDemand_headroomIncluded_roundedDown() {
        // 0.1048 cores measured x 1.25 headroom = 0.131 cores reserved.
        let limits = WorkerLimits(Self.lease(cores: 0.1048 * 1.25))
        #expect(limits.cpuMillicores == 131)
        #expect(limits.workers == 1)
    }

    @Test func aTinyShare_getsTheKernelsSmallestQuota() {
        #expect(WorkerLimits(Self.lease(cores: 0.001)).cpuMillicores == 10)
        #expect(WorkerLimits(Self.lease(cores: .nan)).cpuMillicores == 10)
    }

    @Test func memoryIsTheMeasuredDemand_plusAnAllowancePerWorker() {
        let policy = WorkerLimits.Policy(memoryPerWorkerBytes: 48 << 20)
        #expect(WorkerLimits(Self.lease(cores: 0.5), policy: policy).memoryBytes == (16 << 20) + (48 << 20))
        #expect(WorkerLimits(Self.lease(cores: 2.5), policy: policy).memoryBytes == (16 << 20) + 3 * (48 << 20))
    }

    @Test func workersAreOnePerReservedCore_roundedUp_capped() {
        #expect(WorkerLimits.workers(cores: 0.2, maximum: 4) == 1)
        #expect(WorkerLimits.workers(cores: 1, maximum: 4) == 1)
        #expect(WorkerLimits.workers(cores: 1.01, maximum: 4) == 2)
        #expect(WorkerLimits.workers(cores: 9, maximum: 4) == 4)
        #expect(WorkerLimits.workers(cores: .infinity, maximum: 4) == 1)
    }

    @Test func aResizedLease_changesTheLimits() {
        #expect(WorkerLimits(Self.lease(cores: 0.13)) != WorkerLimits(Self.lease(cores: 0.05)))
        #expect(WorkerLimits(Self.lease(cores: 0.13)) == WorkerLimits(Self.lease(cores: 0.13)))
    }
}
