@testable import Coalition
import MembershipCore
import QoSModel
import ServiceCore
import Synchronization
import Testing

/// Every way a lease leaves a member's ledger is reported on `ServiceHost.endedLeases`, which
/// the daemon retires workers from.
@Suite struct LeaseEndingTests {
    @Test func releasedExpiredAndDeadRequesters_leasesAreAllReported_once() async throws {
        let clock = Mutex<Int64>(0)
        let host = ServiceHost(
            profile: makeBoardProfile(), spare: { QoSModel.SpareCapacity(cores: 2, memoryAvailableBytes: 900 << 20) },
            now: { MembershipInstant(nanoseconds: clock.withLock { $0 }) })
        var endings = host.endedLeases.makeAsyncIterator()
        func next() async -> String? {
            guard let ending = await endings.next() else { return nil }
            return "\(ending.reservation.service) \(ending.reason.rawValue)"
        }
        let a = MemberID.named("a"), b = MemberID.named("b")
        for (n, requester) in [(1, a), (2, a), (3, b), (4, b)] {
            let decision = await host.reserve(service: ServiceID("s/\(n)"), requester: requester, level: QoSLevel(video: .sd), share: 0.2)
            guard case .accepted = decision else { Issue.record("s/\(n) not reserved: \(decision)"); return }
        }
        await host.release(ServiceID("s/1"), for: a)
        #expect(await next() == "s/1 released")
        await host.release(ServiceID("s/3"), for: a)  // not a's: nothing ends
        _ = await host.requesterDied(b)
        #expect(await next() == "s/3 requesterDied")
        #expect(await next() == "s/4 requesterDied")
        // s/2's lease runs out; the next call that looks at the ledger notices it.
        clock.withLock { $0 += Int64(ReservationConfiguration().leaseDuration / .nanoseconds(1)) + 1 }
        #expect(await host.lease(of: ServiceID("s/2"), for: a) == nil)
        #expect(await next() == "s/2 expired")
        #expect(await host.expireLeases().isEmpty)
    }
}
