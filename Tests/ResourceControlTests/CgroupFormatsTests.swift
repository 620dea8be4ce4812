import SystemCalls
import Testing

@testable import ResourceControl

/// The control files' texts, parsed without a file: real contents from this build machine
/// (Debian 12 container, kernel 6.18, cgroup v1) and from Raspberry Pi OS bookworm (cgroup v2).
@Suite struct CgroupFormatsTests {
    // MARK: cpu.stat

    @Test func v2CPUStat_givesUsageThrottledPeriodsAndTime_inMicroseconds() throws {
        let text = """
            usage_usec 8123456
            user_usec 7000000
            system_usec 1123456
            core_sched.force_idle_usec 0
            nr_periods 420
            nr_throttled 398
            throttled_usec 31415926
            nr_bursts 0
            burst_usec 0

            """
        let stat = try #require(CgroupFormats.cpuStatV2(text))
        #expect(stat.usage == .microseconds(8_123_456))
        #expect(stat.periods == 420)
        #expect(stat.throttledPeriods == 398)
        #expect(stat.throttled == .microseconds(31_415_926))
    }

    @Test func v2CPUStat_ofACgroupWithoutTheCPUController_hasUsageAndNoThrottling() throws {
        // /sys/fs/cgroup/unified/cpu.stat here: the cpu controller is bound to v1, so only usage.
        let stat = try #require(CgroupFormats.cpuStatV2("usage_usec 11990894954\nuser_usec 10112549004\nsystem_usec 1878345950\nnice_usec 895685\n"))
        #expect(stat.usage == .microseconds(11_990_894_954))
        #expect(stat.throttledPeriods == 0 && stat.throttled == .zero)
    }

    @Test func v1CPUStat_givesThrottling_withThrottledTimeInNanoseconds_andNoUsage() throws {
        let text = "nr_periods 37\nnr_throttled 21\nthrottled_time 1612345678\nnr_bursts 0\nburst_time 0\n"
        let stat = try #require(CgroupFormats.cpuStatV1(text))
        #expect(stat == CgroupFormats.CPUStat(usage: nil, periods: 37, throttledPeriods: 21, throttled: .nanoseconds(1_612_345_678)))
        #expect(CgroupFormats.cpuStatV1("nr_periods 0\nnr_throttled 0\nthrottled_time 0\n")?.throttled == .zero)
    }

    @Test func cpuStatWithoutItsKeyFields_isNil() {
        #expect(CgroupFormats.cpuStatV2("") == nil)
        #expect(CgroupFormats.cpuStatV2("nr_periods 3\n") == nil)
        #expect(CgroupFormats.cpuStatV1("usage_usec 5\n") == nil)
        #expect(CgroupFormats.cpuStatV1("nr_periods x\nnr_throttled 1\n") == nil)
    }

    // MARK: CPU limits

    @Test func millicoresBecomeAQuotaPerPeriod() throws {
        #expect(try CgroupFormats.quotaMicroseconds(millicores: 200, periodMicroseconds: 100_000, path: "p") == 20_000)
        #expect(try CgroupFormats.quotaMicroseconds(millicores: 1500, periodMicroseconds: 100_000, path: "p") == 150_000)
        #expect(try CgroupFormats.quotaMicroseconds(millicores: 10, periodMicroseconds: 100_000, path: "p") == 1_000)
        #expect(CgroupFormats.millicores(quotaMicroseconds: 20_000, periodMicroseconds: 100_000) == 200)
        #expect(CgroupFormats.millicores(quotaMicroseconds: 33_333, periodMicroseconds: 100_000) == 333)
        #expect(CgroupFormats.cpuMax(quotaMicroseconds: 20_000, periodMicroseconds: 100_000) == "20000 100000")
    }

    @Test func aShareBelowTheKernelsOneMillisecondQuota_orAPeriodOutOfRange_isRefusedNamingThePath() {
        for (millicores, period) in [(9, 100_000), (0, 100_000), (-5, 100_000), (200, 500), (200, 2_000_000)] {
            #expect {
                _ = try CgroupFormats.quotaMicroseconds(millicores: millicores, periodMicroseconds: period, path: "/x/cpu.max")
            } throws: { error in
                (error as? CgroupError)?.code == .invalidLimit && "\(error)".hasPrefix("/x/cpu.max: ")
            }
        }
    }

    @Test func cpuMax_quotaAndPeriod_orMaxForNoLimit() {
        #expect(CgroupFormats.parseCPUMax("20000 100000\n")! == (20_000, 100_000))
        #expect(CgroupFormats.parseCPUMax("max 100000\n")! == (nil, 100_000))
        #expect(CgroupFormats.parseCPUMax("") == nil)
        #expect(CgroupFormats.parseCPUMax("0 100000") == nil)
        #expect(CgroupFormats.parseCPUMax("20000 max") == nil)
    }

    @Test func cfsQuota_minusOneIsNoLimit() {
        #expect(CgroupFormats.parseCFSQuota("20000\n") == .some(20_000))
        #expect(CgroupFormats.parseCFSQuota("-1\n") == .some(nil))
        #expect(CgroupFormats.parseCFSQuota("abc") == nil)
        #expect(CgroupFormats.parseCFSQuota("0") == nil)
    }

    // MARK: memory

    @Test func memoryLimits_v2MaxAndV1sPageCounterMaximumAreNoLimit() {
        #expect(CgroupFormats.parseMemoryLimit("67108864\n") == .some(67_108_864))
        #expect(CgroupFormats.parseMemoryLimit("max\n") == .some(nil))
        #expect(CgroupFormats.parseMemoryLimit("9223372036854771712\n") == .some(nil), "v1's unlimited on 4 KiB pages")
        #expect(CgroupFormats.parseMemoryLimit("9223372036854710272\n") == .some(nil), "v1's unlimited on 64 KiB pages")
        #expect(CgroupFormats.parseMemoryLimit("lots") == nil)
    }

    @Test func memoryEventsAndOOMControl_areKeyedCounters() {
        let events = CgroupFormats.keyedValues("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n")
        #expect(events["max"] == 12 && events["oom_kill"] == 1)
        let oomControl = CgroupFormats.keyedValues("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
        #expect(oomControl["oom_kill"] == 3)
    }

    @Test func procsAndControllerLists() {
        #expect(CgroupFormats.pids("812\n9931\n") == [812, 9931])
        #expect(CgroupFormats.pids("").isEmpty)
        #expect(CgroupFormats.words("cpuset cpu io memory hugetlb pids rdma misc\n").isSuperset(of: ["cpu", "memory"]))
        #expect(CgroupFormats.words("\n").isEmpty)
    }

    // MARK: mountinfo

    /// This build machine's cgroup lines, verbatim.
    static let buildMachineMountInfo = """
        23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw

        """

    /// Raspberry Pi OS bookworm (systemd 252, kernel 6.6): the unified hierarchy only.
    static let raspberryPiOSMountInfo = """
        22 1 179:2 / / rw,noatime shared:1 - ext4 /dev/mmcblk0p2 rw
        30 21 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot

        """

    @Test func mountInfo_keepsTheCgroupMounts_withTheirControllersRootAndMountPoint() {
        let mounts = CgroupMount.parse(mountInfo: Self.buildMachineMountInfo)
        #expect(mounts.count == 6)
        #expect(mounts.first == CgroupMount(kind: .v1(options: ["rw", "cpu"]), root: "/", mountPoint: "/sys/fs/cgroup/cpu"))
        #expect(mounts.filter { $0.holds("cpu") }.map(\.mountPoint) == ["/sys/fs/cgroup/cpu"])
        #expect(mounts.filter { $0.holds("cpuacct") }.map(\.mountPoint) == ["/sys/fs/cgroup/cpuacct"])
        #expect(mounts.last == CgroupMount(kind: .v2, root: "/", mountPoint: "/sys/fs/cgroup/unified"))
        #expect(CgroupMount.parse(mountInfo: Self.raspberryPiOSMountInfo) == [CgroupMount(kind: .v2, root: "/", mountPoint: "/sys/fs/cgroup")])
    }

    @Test func mountInfo_withOptionalFieldsAndEscapedSpaces_andAContainersRoot() {
        let line = "50 31 0:40 /lab /mnt/cg\\040v1 rw,relatime shared:9 master:2 - cgroup cgroup rw,cpu,cpuacct\n"
        let mount = CgroupMount.parse(mountInfo: line)
        #expect(mount == [CgroupMount(kind: .v1(options: ["rw", "cpu", "cpuacct"]), root: "/lab", mountPoint: "/mnt/cg v1")])
        #expect(mount.first?.directory(of: "/lab/h2") == "/mnt/cg v1/h2")
        #expect(mount.first?.directory(of: "/lab") == "/mnt/cg v1")
        #expect(mount.first?.directory(of: "/laboratory") == nil, "outside the mount's root")
        #expect(CgroupMount.parse(mountInfo: "garbage\n1 2 3\n").isEmpty)
    }

    // MARK: placement

    @Test func placement_onThisBuildMachine_isV1_oneDirectoryPerHierarchy() throws {
        let placement = try CgroupPlacement.resolve(
            procSelfCgroup: "9:name=systemd:/\n4:memory:/process_api/837c\n2:cpuacct:/\n1:cpu:/coalition-lab-7/h3\n0::/\n",
            mountInfo: Self.buildMachineMountInfo, daemonLeaf: "daemon")
        #expect(placement.version == 1)
        #expect(placement.parent == .v1(
            cpu: "/sys/fs/cgroup/cpu/coalition-lab-7/h3", cpuacct: "/sys/fs/cgroup/cpuacct",
            memory: "/sys/fs/cgroup/memory/process_api/837c"))
    }

    @Test func placement_onRaspberryPiOS_isV2_underTheServicesCgroup_whichTheDaemonMustLeave() throws {
        let placement = try CgroupPlacement.resolve(
            procSelfCgroup: "0::/system.slice/coalition.service\n", mountInfo: Self.raspberryPiOSMountInfo, daemonLeaf: "daemon")
        #expect(placement.parent == .v2(directory: "/sys/fs/cgroup/system.slice/coalition.service", processInside: true, isRoot: false))

        let moved = try CgroupPlacement.resolve(
            procSelfCgroup: "0::/system.slice/coalition.service/daemon\n", mountInfo: Self.raspberryPiOSMountInfo, daemonLeaf: "daemon")
        #expect(moved.parent == .v2(directory: "/sys/fs/cgroup/system.slice/coalition.service", processInside: false, isRoot: false))

        let root = try CgroupPlacement.resolve(procSelfCgroup: "0::/\n", mountInfo: Self.raspberryPiOSMountInfo, daemonLeaf: "daemon")
        #expect(root.parent == .v2(directory: "/sys/fs/cgroup", processInside: false, isRoot: true))
    }

    @Test func placement_withoutACPUHierarchyOrAMemoryOne_isAControllerMissingError() {
        #expect {
            _ = try CgroupPlacement.resolve(procSelfCgroup: "1:cpu:/\n", mountInfo: "32 31 0:29 / /c rw - cgroup cgroup rw,cpu\n", daemonLeaf: nil)
        } throws: { ($0 as? CgroupError)?.code == .controllerMissing && "\($0)".contains("memory") }
        #expect {
            _ = try CgroupPlacement.resolve(procSelfCgroup: "", mountInfo: Self.raspberryPiOSMountInfo, daemonLeaf: nil)
        } throws: { ($0 as? CgroupError)?.code == .controllerMissing }
    }

    // MARK: errors

    @Test func failedCallsAreClassified_eachNamingThePath_andTellingWhatToDo() {
        let path = "/sys/fs/cgroup/cpu/coalition-a/cpu.cfs_quota_us"
        let denied = CgroupError.from(SystemCallError(operation: "open \(path)", code: .accessDenied), path: path)
        #expect(denied.code == .permissionDenied)
        #expect(denied.description.hasPrefix(path + ": ") && denied.description.contains("Delegate=yes"))
        #expect(CgroupError.from(SystemCallError(operation: "mkdir", code: .notPermitted), path: path).code == .permissionDenied)
        #expect(CgroupError.from(SystemCallError(operation: "open", code: .readOnlyFileSystem), path: path).code == .permissionDenied)
        #expect(CgroupError.from(SystemCallError(operation: "open", code: .noSuchFile), path: path).code == .controllerMissing)
        #expect(CgroupError.from(SystemCallError(operation: "write", code: .noSuchProcess), path: path).code == .noSuchProcess)
        #expect(CgroupError.from(SystemCallError(operation: "write", code: .invalidArgument), path: path).code == .invalidLimit)
        let other = CgroupError.from(SystemCallError(operation: "write", code: .busy), path: path)
        #expect(other.code == .systemCall && other.systemError?.code == .busy)
    }

    // MARK: names

    @Test func aServiceIdNamesItsCgroup_slashesWrittenAsUnderscores() throws {
        let configuration = ReservationCgroup.Configuration()
        #expect(try configuration.name(for: "9f3a2c0b1d4e5f60/1") == "coalition-9f3a2c0b1d4e5f60_1")
        for bad in ["", "a b", "é", "a:b", String(repeating: "a", count: 300)] {
            #expect(throws: CgroupError.self) { try configuration.name(for: bad) }
        }
        #expect(try configuration.name(for: "../x") == "coalition-.._x", "no path escapes: '/' never survives")
    }
}
