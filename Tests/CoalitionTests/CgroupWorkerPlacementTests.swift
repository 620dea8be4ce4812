@testable import Coalition
import Foundation
import Logging
import MediaCore
import MembershipCore
import QoSModel
import ResourceControl
import ServiceCore
import Testing

/// Why service cgroups cannot be made here, or nil.
private let cgroupsUnavailable: String? = {
    guard getuid() == 0 else { return "not root: cgroups cannot be created" }
    guard (try? CgroupPlacement.discover()) != nil else { return "no cgroup hierarchy found in /proc/self/mountinfo" }
    return nil
}()

/// The pool placing real processes (`cat` standing in for a decode worker) in real service
/// cgroups on this machine's hierarchies. Needs root; skipped with a reason otherwise. Every
/// cgroup is removed by the pool's retirement or, if an expectation failed first, in a `defer`.
@Suite(.serialized, .enabled(if: cgroupsUnavailable == nil, "\(cgroupsUnavailable ?? "")"))
struct CgroupWorkerPlacementTests {
    static func placement() -> CgroupWorkerPlacement {
        let member = MemberID(String(format: "%016llx", UInt64.random(in: 0...UInt64.max)))!
        return CgroupWorkerPlacement(member: member, logger: DecodeWorkerPoolTests.logger)
    }

    /// The CPU limit in force, in millicores, read from the kernel's files.
    static func millicores(_ directory: String) throws -> Int {
        if FileManager.default.fileExists(atPath: directory + "/cpu.max") {
            let fields = try String(contentsOfFile: directory + "/cpu.max", encoding: .utf8).split(separator: " ")
            return Int(fields[0])! * 1000 / Int(fields[1].trimmingCharacters(in: .whitespacesAndNewlines))!
        }
        let quota = try String(contentsOfFile: directory + "/cpu.cfs_quota_us", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let period = try String(contentsOfFile: directory + "/cpu.cfs_period_us", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int(quota)! * 1000 / Int(period)!
    }

    @Test func probe_makesAndRemovesACgroup() throws {
        let version = try Self.placement().probe()
        #expect(version == 1 || version == 2)
    }

    @Test func aWorker_runsInItsServiceCgroup_limitedToTheLease_resizedWithIt_removedWithIt() async throws {
        let placement = Self.placement()
        defer { placement.removeAll() }
        let pool = DecodeWorkerPool(configuration: .init(executable: "/bin/cat", arguments: []), placement: placement, logger: DecodeWorkerPoolTests.logger)
        let service = ServiceID("r/1")
        let outcome = await pool.execute(unit: DecodeWorkerPoolTests.unit(0), plan: .full, under: DecodeWorkerPoolTests.reservation(cores: 0.3))
        #expect(outcome == .result(WorkerPipe.decodeRequest(unit: DecodeWorkerPoolTests.unit(0), plan: .full)))
        let pid = try #require(await pool.work()[service]?.pids.first)
        #expect(placement.processes(of: service) == [pid], "the worker must be in its service's cgroup")
        let (_, limits, directories) = try #require(placement.usage(of: service))
        #expect(limits.cpuMillicores == 300)
        #expect(try Self.millicores(directories[0]) == 300)
        #expect(directories.allSatisfy { $0.contains("coalition-") && $0.hasSuffix("-r_1") }, "\(directories)")

        // The service degraded: the next unit comes under a smaller lease.
        _ = await pool.execute(unit: DecodeWorkerPoolTests.unit(1), plan: .full, under: DecodeWorkerPoolTests.reservation(cores: 0.2))
        #expect(try Self.millicores(directories[0]) == 200)
        #expect(await pool.work()[service]?.pids == [pid], "the same worker, under the new limit")

        await pool.retire(service)
        #expect(directories.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "the service cgroup must be removed: \(directories)")
        #expect(placement.usage(of: service) == nil)
    }
}
