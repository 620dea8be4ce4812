import Foundation
import Testing

@testable import SystemSampling

/// The CPU quota a board lends within, read from real files laid out as cgroup v2 and v1 mount
/// them (in a temporary directory standing for /sys/fs/cgroup).
@Suite struct CgroupCPUQuotaTests {
    /// A temporary root with `files` (path relative to the root -> contents) and a
    /// /proc/self/cgroup text.
    private func tree(_ files: [String: String], procSelfCgroup: String) throws -> (root: String, cgroupFile: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString)").path
        for (path, contents) in files {
            let url = URL(fileURLWithPath: root + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
        }
        let cgroupFile = root + "/self-cgroup"
        try Data(procSelfCgroup.utf8).write(to: URL(fileURLWithPath: cgroupFile))
        return (root, cgroupFile)
    }

    @Test func v2_theSmallestQuotaFromTheCgroupUpToTheRootHolds() throws {
        let (root, file) = try tree(
            ["/lab.slice/cpu.max": "150000 100000\n", "/lab.slice/h3/cpu.max": "max 100000\n"],
            procSelfCgroup: "0::/lab.slice/h3\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let quota = try #require(CgroupCPUQuota.locate(procSelfCgroup: file, root: root))
        #expect(quota.limits.count == 2)
        #expect(quota.cores() == 1.5, "the parent's 1.5 cores bind an unlimited child")

        // Changed while running: read again at the next sample.
        try Data("50000 100000\n".utf8).write(to: URL(fileURLWithPath: root + "/lab.slice/h3/cpu.max"))
        #expect(quota.cores() == 0.5)
    }

    @Test func v1_theCPUControllersQuotaAndPeriodGiveTheCores() throws {
        let (root, file) = try tree(
            ["/cpu/lab/h2/cpu.cfs_quota_us": "25000\n", "/cpu/lab/h2/cpu.cfs_period_us": "100000\n",
             "/cpu/cpu.cfs_quota_us": "-1\n", "/cpu/cpu.cfs_period_us": "100000\n"],
            procSelfCgroup: "12:memory:/lab/h2\n4:cpu,cpuacct:/lab/h2\n0::/\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let quota = try #require(CgroupCPUQuota.locate(procSelfCgroup: file, root: root))
        #expect(quota.cores() == 0.25)
    }

    @Test func unlimitedEverywhereOrNoControllerMeansNoQuota() throws {
        let (root, file) = try tree(["/cpu.max": "max 100000\n"], procSelfCgroup: "0::/\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(CgroupCPUQuota.locate(procSelfCgroup: file, root: root)?.cores() == nil)
        #expect(CgroupCPUQuota.locate(procSelfCgroup: root + "/missing", root: root) == nil)
    }

    @Test func nonsenseInTheFilesIsNoQuota_notACrash() {
        #expect(CgroupCPUQuota.parseCPUMax("") == nil)
        #expect(CgroupCPUQuota.parseCPUMax("-5 100000") == nil)
        #expect(CgroupCPUQuota.parseCPUMax("50000 0") == nil)
        #expect(CgroupCPUQuota.parseCFS(quota: "abc", period: "100000") == nil)
        #expect(CgroupCPUQuota.parseCFS(quota: "50000", period: nil) == nil)
        #expect(CgroupMembership.ancestors(of: "/a/b") == ["/a/b", "/a", ""])
        #expect(CgroupMembership.ancestors(of: "/") == [""])
    }
}
