@testable import Coalition
import Foundation
import Logging
import MediaCore
import MembershipCore
import QoSModel
import ServiceCore
import ServiceLifecycle
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's member-side work without cgroups (they have their own tests): the enforcement
/// decision, workers retired when a lease ends, every worker ended at shutdown. `cat` stands in
/// for the decode worker.
@Suite struct MemberWorkTests {
    static let requester = MemberID.named("req")
    static let service = ServiceID("req/1")

    static func host() -> ServiceHost {
        ServiceHost(
            profile: makeBoardProfile(), spare: { QoSModel.SpareCapacity(cores: 2, memoryAvailableBytes: 900 << 20) },
            now: { MembershipInstant(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds)) })
    }

    static func work(host: ServiceHost, allowUnenforced: Bool = true) -> MemberWork {
        var configuration = MemberWork.Configuration()
        configuration.useCgroups = false
        configuration.allowUnenforced = allowUnenforced
        configuration.pool = .init(executable: "/bin/cat", arguments: [])
        return MemberWork(configuration: configuration, host: host, me: MemberID.named("me"), logger: DecodeWorkerPoolTests.logger)
    }

    /// Reserves, runs one unit under the lease and returns its worker's pid.
    static func runAUnit(_ work: MemberWork, on host: ServiceHost) async throws -> Int32 {
        let decision = await host.reserve(service: service, requester: requester, level: QoSLevel(video: .sd), share: 0.5)
        guard case .accepted = decision else { throw CancellationError() }
        let lease = try #require(await host.lease(of: service, for: requester))
        let pool = try #require(work.pool)
        _ = await pool.execute(unit: DecodeWorkerPoolTests.unit(0), plan: .full, under: lease)
        return try #require(await pool.work()[service]?.pids.first)
    }

    @Test func withoutCgroups_unitsAreRefused_unlessUnenforcedWorkIsAllowed() {
        let refusing = Self.work(host: Self.host(), allowUnenforced: false)
        #expect(refusing.pool == nil && !refusing.enforcement.enabled && !refusing.enforcement.unitsRun)
        #expect(refusing.enforcement.summary.hasPrefix("OFF, units refused"))
        let running = Self.work(host: Self.host(), allowUnenforced: true)
        #expect(running.pool != nil && !running.enforcement.enabled && running.enforcement.unitsRun)
    }

    @Test func aReleasedLease_retiresItsWorkers_andTheReportForgetsTheService() async throws {
        let host = Self.host()
        let work = Self.work(host: host)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await work.run() }
            let pid = try await Self.runAUnit(work, on: host)
            let report = await work.report()
            #expect(report.services.map(\.service) == [Self.service.rawValue] && report.services.first?.unitsDecoded == 1)
            #expect(report.services.first?.workerPids == [pid] && report.services.first?.cgroup == [])
            await host.release(Self.service, for: Self.requester)
            try await eventually { await work.report().services.isEmpty && kill(pid, 0) != 0 }
            group.cancelAll()
        }
    }

    @Test func gracefulShutdown_endsEveryWorker() async throws {
        let host = Self.host()
        let work = Self.work(host: host)
        let pid = try await Self.runAUnit(work, on: host)
        let group = ServiceGroup(configuration: .init(services: [work], logger: DecodeWorkerPoolTests.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(kill(pid, 0) != 0, "worker \(pid) survived the daemon's shutdown")
        #expect(await work.report().services.isEmpty)
    }
}
