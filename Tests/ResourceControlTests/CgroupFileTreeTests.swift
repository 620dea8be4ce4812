import Foundation
import SystemCalls
import Testing

@testable import ResourceControl

/// Service cgroups made, changed, read and removed in a temporary directory laid out as cgroup
/// v1 and v2 mount it, with a mountinfo text naming mount points there.
///
/// An ordinary directory is not cgroupfs: `mkdir` makes no control files. So each tree is laid
/// out as the kernel leaves it just after the service cgroup's `mkdir` (the directory with its
/// control files), which ``ReservationCgroup/create(service:cpuMillicores:memoryBytes:configuration:)``
/// takes over as it would after a daemon's restart; one test lets it `mkdir` for real and sees
/// the missing files reported and its directory removed again.
@Suite struct CgroupFileTreeTests {
    /// A temporary cgroupfs-like tree; removed by ``remove()``.
    struct Tree {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroupfs-\(UUID().uuidString)").path

        func write(_ files: [String: String]) throws {
            for (path, contents) in files {
                let url = URL(fileURLWithPath: root + path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(contents.utf8).write(to: url)
            }
        }

        func read(_ path: String) throws -> String { try String(contentsOfFile: root + path, encoding: .utf8) }
        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root + path) }
        func remove() { try? FileManager.default.removeItem(atPath: root) }

        /// A configuration reading `procSelfCgroup` and a mountinfo text of `mounts` (mount
        /// point relative to the root -> super options, or `cgroup2`).
        func configuration(procSelfCgroup: String, mounts: [(String, String)]) throws -> ReservationCgroup.Configuration {
            let lines = mounts.enumerated().map { index, mount in
                mount.1 == "cgroup2"
                    ? "\(40 + index) 31 0:\(40 + index) / \(root)\(mount.0) rw,relatime - cgroup2 cgroup2 rw"
                    : "\(40 + index) 31 0:\(40 + index) / \(root)\(mount.0) rw,relatime - cgroup cgroup \(mount.1)"
            }
            try write(["/proc-self-cgroup": procSelfCgroup, "/proc-self-mountinfo": lines.joined(separator: "\n") + "\n"])
            var configuration = ReservationCgroup.Configuration()
            configuration.procSelfCgroup = root + "/proc-self-cgroup"
            configuration.mountInfo = root + "/proc-self-mountinfo"
            return configuration
        }
    }

    /// The files a v1 kernel shows in a new cgroup of each hierarchy.
    static func v1KernelFiles(cpu: String, cpuacct: String, memory: String) -> [String: String] {
        var files = [
            cpu + "/cpu.cfs_period_us": "100000\n", cpu + "/cpu.cfs_quota_us": "-1\n", cpu + "/cgroup.procs": "",
            cpu + "/cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0\n",
            memory + "/memory.limit_in_bytes": "9223372036854771712\n", memory + "/memory.memsw.limit_in_bytes": "9223372036854771712\n",
            memory + "/memory.usage_in_bytes": "0\n", memory + "/memory.max_usage_in_bytes": "0\n", memory + "/memory.failcnt": "0\n",
            memory + "/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", memory + "/cgroup.procs": "",
        ]
        // cpuacct may share the cpu hierarchy's directory.
        files[cpuacct + "/cpuacct.usage"] = "0\n"
        files[cpuacct + "/cgroup.procs"] = ""
        return files
    }

    static let v1Mounts = [("/cpu", "rw,cpu"), ("/cpuacct", "rw,cpuacct"), ("/memory", "rw,memory")]
    static let v1ProcSelfCgroup = "4:memory:/process_api/ab\n2:cpuacct:/\n1:cpu:/coalition-lab-7/h3\n0::/\n"

    // MARK: v1

    @Test func v1_create_setsPeriodQuotaMemoryAndSwapInEachHierarchy_underTheDaemonsCgroups() throws {
        let tree = Tree()
        defer { tree.remove() }
        let (cpu, cpuacct, memory) = ("/cpu/coalition-lab-7/h3/coalition-ab_1", "/cpuacct/coalition-ab_1", "/memory/process_api/ab/coalition-ab_1")
        try tree.write(Self.v1KernelFiles(cpu: cpu, cpuacct: cpuacct, memory: memory))
        let configuration = try tree.configuration(procSelfCgroup: Self.v1ProcSelfCgroup, mounts: Self.v1Mounts)

        let cgroup = try ReservationCgroup.create(service: "ab/1", cpuMillicores: 200, memoryBytes: 64 << 20, configuration: configuration)
        #expect(cgroup.location == .v1(cpu: tree.root + cpu, cpuacct: tree.root + cpuacct, memory: tree.root + memory))
        #expect(try tree.read(cpu + "/cpu.cfs_period_us") == "100000")
        #expect(try tree.read(cpu + "/cpu.cfs_quota_us") == "20000")
        #expect(try tree.read(memory + "/memory.limit_in_bytes") == "67108864")
        #expect(try tree.read(memory + "/memory.memsw.limit_in_bytes") == "67108864", "no swapping past the lent memory")
        #expect(try cgroup.limits() == CgroupLimits(cpuMillicores: 200, quotaMicroseconds: 20_000, periodMicroseconds: 100_000, memoryBytes: 64 << 20))

        // A lease resized on upgrade, then on degrade.
        try cgroup.update(cpuMillicores: 500, memoryBytes: 128 << 20)
        #expect(try cgroup.limits() == CgroupLimits(cpuMillicores: 500, quotaMicroseconds: 50_000, periodMicroseconds: 100_000, memoryBytes: 128 << 20))
        #expect(try tree.read(memory + "/memory.memsw.limit_in_bytes") == "134217728")
        try cgroup.update(cpuMillicores: 150, memoryBytes: 32 << 20)
        #expect(try cgroup.limits().cpuMillicores == 150)
        #expect(try tree.read(memory + "/memory.memsw.limit_in_bytes") == "33554432")
    }

    @Test func v1_aPeriodOf50ms_isWrittenAndTheQuotaScaled() throws {
        let tree = Tree()
        defer { tree.remove() }
        let (cpu, cpuacct, memory) = ("/cpu/coalition-lab-7/h3/coalition-s", "/cpuacct/coalition-s", "/memory/process_api/ab/coalition-s")
        try tree.write(Self.v1KernelFiles(cpu: cpu, cpuacct: cpuacct, memory: memory))
        var configuration = try tree.configuration(procSelfCgroup: Self.v1ProcSelfCgroup, mounts: Self.v1Mounts)
        configuration.period = .milliseconds(50)
        configuration.limitsSwap = false
        let cgroup = try ReservationCgroup.create(service: "s", cpuMillicores: 250, memoryBytes: 1 << 20, configuration: configuration)
        #expect(try tree.read(cpu + "/cpu.cfs_period_us") == "50000")
        #expect(try tree.read(cpu + "/cpu.cfs_quota_us") == "12500")
        #expect(try tree.read(memory + "/memory.memsw.limit_in_bytes") == "9223372036854771712\n", "swap left alone when asked")
        #expect(try cgroup.limits().cpuMillicores == 250)
    }

    @Test func v1_addWritesThePidInEveryHierarchy_andRemoveRefusesWhileProcessesRemain() throws {
        let tree = Tree()
        defer { tree.remove() }
        let (cpu, cpuacct, memory) = ("/cpu/coalition-lab-7/h3/coalition-w", "/cpuacct/coalition-w", "/memory/process_api/ab/coalition-w")
        try tree.write(Self.v1KernelFiles(cpu: cpu, cpuacct: cpuacct, memory: memory))
        let configuration = try tree.configuration(procSelfCgroup: Self.v1ProcSelfCgroup, mounts: Self.v1Mounts)
        let cgroup = try ReservationCgroup.create(service: "w", cpuMillicores: 300, memoryBytes: 8 << 20, configuration: configuration)

        try cgroup.add(pid: 4242)
        try cgroup.add(pid: 4243)
        for directory in [cpu, cpuacct, memory] {
            #expect(try tree.read(directory + "/cgroup.procs") == "42424243", "one write per pid (the kernel reads each as one)")
        }
        try tree.write([cpu + "/cgroup.procs": "4242\n4243\n", cpuacct + "/cgroup.procs": "4242\n4243\n", memory + "/cgroup.procs": "4243\n"])
        #expect(try cgroup.processes() == [4242, 4243])

        #expect {
            try cgroup.remove()
        } throws: { error in
            let error = error as? CgroupError
            return error?.code == .processesRemain && error?.path == tree.root + cpu && error?.detail.contains("4242, 4243") == true
        }
        #expect(tree.exists(cpu) && tree.exists(cpuacct) && tree.exists(memory), "nothing removed while processes remain")
    }

    @Test func v1_usage_readsThrottlingCPUTimeMemoryAndOOMKills() throws {
        let tree = Tree()
        defer { tree.remove() }
        let (cpu, cpuacct, memory) = ("/cpu/coalition-lab-7/h3/coalition-u", "/cpuacct/coalition-u", "/memory/process_api/ab/coalition-u")
        try tree.write(Self.v1KernelFiles(cpu: cpu, cpuacct: cpuacct, memory: memory))
        let configuration = try tree.configuration(procSelfCgroup: Self.v1ProcSelfCgroup, mounts: Self.v1Mounts)
        let cgroup = try ReservationCgroup.create(service: "u", cpuMillicores: 200, memoryBytes: 64 << 20, configuration: configuration)
        try tree.write([
            cpu + "/cpu.stat": "nr_periods 21\nnr_throttled 19\nthrottled_time 1512000000\nnr_bursts 0\nburst_time 0\n",
            cpuacct + "/cpuacct.usage": "418000000\n",
            memory + "/memory.usage_in_bytes": "1257472\n", memory + "/memory.max_usage_in_bytes": "67108864\n",
            memory + "/memory.failcnt": "300\n", memory + "/memory.memsw.failcnt": "10\n", memory + "/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
        ])
        #expect(try cgroup.usage() == CgroupUsage(
            cpuTime: .milliseconds(418), periods: 21, throttledPeriods: 19, throttledTime: .milliseconds(1512),
            memoryBytes: 1_257_472, memoryPeakBytes: 64 << 20, memoryLimitHits: 310, oomKills: 1))
    }

    @Test func v1_cpuAndCpuacctMountedTogether_shareOneDirectory() throws {
        let tree = Tree()
        defer { tree.remove() }
        let (cpu, memory) = ("/cpu,cpuacct/lab/coalition-t", "/memory/coalition-t")
        try tree.write(Self.v1KernelFiles(cpu: cpu, cpuacct: cpu, memory: memory))
        let configuration = try tree.configuration(
            procSelfCgroup: "5:memory:/\n3:cpu,cpuacct:/lab\n", mounts: [("/cpu,cpuacct", "rw,cpu,cpuacct"), ("/memory", "rw,memory")])
        let cgroup = try ReservationCgroup.create(service: "t", cpuMillicores: 100, memoryBytes: 1 << 20, configuration: configuration)
        #expect(cgroup.location.directories == [tree.root + cpu, tree.root + memory])
        try cgroup.add(pid: 7)
        #expect(try tree.read(cpu + "/cgroup.procs") == "7", "written once, not once per controller")
        #expect(try cgroup.usage().cpuTime == .zero)
    }

    @Test func v1_whereMkdirMakesNoControlFiles_theMissingFileIsNamed_andTheNewDirectoriesAreRemoved() throws {
        let tree = Tree()
        defer { tree.remove() }
        try tree.write(["/cpu/cgroup.procs": "", "/cpuacct/cgroup.procs": "", "/memory/cgroup.procs": ""])
        let configuration = try tree.configuration(procSelfCgroup: "4:memory:/\n2:cpuacct:/\n1:cpu:/\n", mounts: Self.v1Mounts)
        #expect {
            _ = try ReservationCgroup.create(service: "m", cpuMillicores: 200, memoryBytes: 1 << 20, configuration: configuration)
        } throws: { error in
            let error = error as? CgroupError
            return error?.code == .controllerMissing && error?.path == tree.root + "/cpu/coalition-m/cpu.cfs_period_us"
        }
        #expect(!tree.exists("/cpu/coalition-m") && !tree.exists("/cpuacct/coalition-m") && !tree.exists("/memory/coalition-m"))
    }

    @Test func v1_aShareBelowOneMillisecondPerPeriod_isRefusedBeforeAnyWrite() throws {
        let tree = Tree()
        defer { tree.remove() }
        let (cpu, cpuacct, memory) = ("/cpu/coalition-z", "/cpuacct/coalition-z", "/memory/coalition-z")
        try tree.write(Self.v1KernelFiles(cpu: cpu, cpuacct: cpuacct, memory: memory))
        let configuration = try tree.configuration(procSelfCgroup: "4:memory:/\n2:cpuacct:/\n1:cpu:/\n", mounts: Self.v1Mounts)
        #expect {
            _ = try ReservationCgroup.create(service: "z", cpuMillicores: 5, memoryBytes: 1 << 20, configuration: configuration)
        } throws: { ($0 as? CgroupError)?.code == .invalidLimit }
        #expect(try tree.read(cpu + "/cpu.cfs_quota_us") == "-1\n")
    }

    // MARK: v2

    /// The files a v2 kernel shows in a new cgroup whose parent enables cpu and memory.
    static func v2KernelFiles(_ directory: String) -> [String: String] {
        [
            directory + "/cpu.max": "max 100000\n", directory + "/memory.max": "max\n", directory + "/memory.swap.max": "max\n",
            directory + "/cgroup.procs": "",
            directory + "/cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n",
            directory + "/memory.current": "0\n", directory + "/memory.peak": "0\n",
            directory + "/memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
        ]
    }

    @Test func v2_theDaemonMovesIntoItsLeaf_enablesCPUAndMemoryForChildren_andLimitsTheServiceCgroup() throws {
        let tree = Tree()
        defer { tree.remove() }
        let service = "/system.slice/coalition.service"
        try tree.write(Self.v2KernelFiles(service + "/coalition-cd_2").merging([
            service + "/cgroup.controllers": "cpuset cpu io memory pids\n", service + "/cgroup.subtree_control": "\n",
            service + "/cgroup.procs": "\(CurrentProcess.id)\n", service + "/daemon/cgroup.procs": "",
        ]) { $1 })
        let configuration = try tree.configuration(procSelfCgroup: "0::\(service)\n", mounts: [("", "cgroup2")])

        let cgroup = try ReservationCgroup.create(service: "cd/2", cpuMillicores: 750, memoryBytes: 96 << 20, configuration: configuration)
        #expect(cgroup.location == .v2(tree.root + service + "/coalition-cd_2"))
        #expect(try tree.read(service + "/daemon/cgroup.procs") == "\(CurrentProcess.id)", "the daemon left the parent first")
        #expect(try tree.read(service + "/cgroup.subtree_control") == "+cpu +memory")
        #expect(try tree.read(service + "/coalition-cd_2/cpu.max") == "75000 100000")
        #expect(try tree.read(service + "/coalition-cd_2/memory.max") == "100663296")
        #expect(try tree.read(service + "/coalition-cd_2/memory.swap.max") == "0")
        #expect(try cgroup.limits() == CgroupLimits(cpuMillicores: 750, quotaMicroseconds: 75_000, periodMicroseconds: 100_000, memoryBytes: 96 << 20))

        try cgroup.add(pid: 5151)
        #expect(try tree.read(service + "/coalition-cd_2/cgroup.procs") == "5151")
    }

    @Test func v2_aDaemonAlreadyInItsLeaf_withControllersEnabled_touchesNoParentFile() throws {
        let tree = Tree()
        defer { tree.remove() }
        let service = "/system.slice/coalition.service"
        try tree.write(Self.v2KernelFiles(service + "/coalition-e").merging([
            service + "/cgroup.controllers": "cpu memory\n", service + "/cgroup.subtree_control": "cpu memory\n",
            service + "/cgroup.procs": "", service + "/daemon/cgroup.procs": "\(CurrentProcess.id)\n",
        ]) { $1 })
        let configuration = try tree.configuration(procSelfCgroup: "0::\(service)/daemon\n", mounts: [("", "cgroup2")])
        let cgroup = try ReservationCgroup.create(service: "e", cpuMillicores: 100, memoryBytes: 1 << 20, configuration: configuration)
        #expect(cgroup.location == .v2(tree.root + service + "/coalition-e"))
        #expect(try tree.read(service + "/cgroup.subtree_control") == "cpu memory\n")
        #expect(try tree.read(service + "/daemon/cgroup.procs") == "\(CurrentProcess.id)\n")
    }

    @Test func v2_withoutMemoryDelegated_isNotDelegated_namingTheFileAndSystemdsSetting() throws {
        let tree = Tree()
        defer { tree.remove() }
        let service = "/system.slice/coalition.service"
        try tree.write([service + "/cgroup.controllers": "cpu pids\n", service + "/cgroup.subtree_control": "\n", service + "/cgroup.procs": ""])
        let configuration = try tree.configuration(procSelfCgroup: "0::\(service)\n", mounts: [("", "cgroup2")])
        #expect {
            _ = try ReservationCgroup.create(service: "f", cpuMillicores: 100, memoryBytes: 1 << 20, configuration: configuration)
        } throws: { error in
            let error = error as? CgroupError
            return error?.code == .notDelegated && error?.path == tree.root + service + "/cgroup.controllers"
                && error?.detail.contains("memory") == true && error?.detail.contains("Delegate=yes") == true
        }
        #expect(!tree.exists(service + "/coalition-f"))
    }

    @Test func v2_usage_readsUsageThrottlingMemoryPeakAndOOMKills() throws {
        let tree = Tree()
        defer { tree.remove() }
        let directory = "/coalition-g"
        try tree.write(Self.v2KernelFiles(directory).merging([
            "/cgroup.controllers": "cpu memory\n", "/cgroup.subtree_control": "cpu memory\n",
        ]) { $1 })
        let configuration = try tree.configuration(procSelfCgroup: "0::/\n", mounts: [("", "cgroup2")])
        let cgroup = try ReservationCgroup.create(service: "g", cpuMillicores: 200, memoryBytes: 64 << 20, configuration: configuration)
        try tree.write([
            directory + "/cpu.stat": "usage_usec 401000\nuser_usec 400000\nsystem_usec 1000\nnr_periods 20\nnr_throttled 18\nthrottled_usec 1550000\nnr_bursts 0\nburst_usec 0\n",
            directory + "/memory.current": "2093056\n", directory + "/memory.peak": "67100672\n",
            directory + "/memory.events": "low 0\nhigh 0\nmax 44\noom 2\noom_kill 2\noom_group_kill 0\n",
        ])
        #expect(try cgroup.usage() == CgroupUsage(
            cpuTime: .milliseconds(401), periods: 20, throttledPeriods: 18, throttledTime: .milliseconds(1550),
            memoryBytes: 2_093_056, memoryPeakBytes: 67_100_672, memoryLimitHits: 44, oomKills: 2))

        // A kernel before 5.19 keeps no peak.
        try FileManager.default.removeItem(atPath: tree.root + directory + "/memory.peak")
        #expect(try cgroup.usage().memoryPeakBytes == nil)
    }

    @Test func anyCgroupsCPUTime_isReadFromCpuacctOnV1OrCpuStatOnV2() throws {
        let tree = Tree()
        defer { tree.remove() }
        try tree.write([
            "/v1/cpuacct/h1/cpuacct.usage": "1500000000\n",
            "/v1/cpu/h1/cpu.stat": "nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n",
            "/v2/h1/cpu.stat": "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n",
        ])
        #expect(CgroupUsage.cpuTime(inDirectory: tree.root + "/v1/cpuacct/h1") == .milliseconds(1500))
        #expect(CgroupUsage.cpuTime(inDirectory: tree.root + "/v2/h1") == .milliseconds(2500))
        // v1's cpu hierarchy counts throttling, not time used; a missing directory has neither.
        #expect(CgroupUsage.cpuTime(inDirectory: tree.root + "/v1/cpu/h1") == nil)
        #expect(CgroupUsage.cpuTime(inDirectory: tree.root + "/none") == nil)
    }
}
