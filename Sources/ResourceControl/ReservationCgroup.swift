import SystemCalls

/// The cgroup a member board runs one service's lent work in (its decode worker processes),
/// limited to what it lent: a CPU quota of the reserved share in millicores, and a memory limit
/// of the reserved bytes. It is the paper's "Linux reservation policy": lent work never takes
/// more than was lent.
///
/// A service cgroup is a child of the cgroup the daemon is in (read from `/proc/self/cgroup`),
/// named ``Configuration/namePrefix`` + the service id, e.g. `coalition-9f3a2c0b1d4e5f60_1`:
/// - cgroup v2 (Raspberry Pi OS bookworm): `<daemon's cgroup>/coalition-…/` with `cpu.max`,
///   `memory.max` (and `memory.swap.max` 0), under a parent whose `cgroup.subtree_control`
///   enables `cpu` and `memory`. By the "no internal processes" rule a cgroup that enables
///   controllers for its children may hold no processes itself, so the first ``create(service:cpuMillicores:memoryBytes:configuration:)``
///   moves the daemon into a leaf child (``Configuration/daemonLeaf``, `daemon`) and then writes
///   `+cpu +memory` to the parent's `cgroup.subtree_control`. Other processes in the parent make
///   that fail with `.internalProcesses`, naming them.
/// - cgroup v1 (these build machines): one directory per hierarchy, each under the daemon's
///   cgroup in it: `cpu/…/coalition-…/` (`cpu.cfs_period_us`, `cpu.cfs_quota_us`), `cpuacct/…`
///   (CPU time), `memory/…` (`memory.limit_in_bytes`, and `memory.memsw.limit_in_bytes` equal to it
///   when swap is accounted). A v1 child may not have a larger CPU quota than its parent: the
///   kernel refuses it (`.invalidLimit`). In the lab, each host's processes sit in the per-host
///   cgroup `scripts/lab cpu` limits, so a service cgroup nests under it.
///
/// **Operations (systemd).** The daemon writes cgroupfs, so it runs as root or in a cgroup
/// delegated to its user. Its unit needs `Delegate=yes` (or `Delegate=cpu memory`): systemd
/// then enables those controllers for the unit's cgroup, hands the subtree below it to the
/// daemon (chowned to `User=` when one is set) and leaves the daemon's own cgroups alone. On v2
/// the daemon starts in `/system.slice/coalition.service` itself and moves into its `daemon`
/// leaf as said above (systemd 254's `DelegateSubgroup=daemon` would start it there; bookworm
/// has systemd 252). Without delegation ``create(service:cpuMillicores:memoryBytes:configuration:)``
/// fails with `.notDelegated` or `.permissionDenied`, naming the file. With the default
/// `KillMode=control-group`, stopping the unit kills leftover workers in the subtree too.
///
/// **Processes.** ``add(pid:)`` moves a process (all its threads) in; processes it starts stay
/// in. ``remove()`` moves and kills nothing: the daemon supervises its workers and ends them
/// (by the pids it started) before removing the cgroup; ``remove()`` fails with
/// `.processesRemain`, naming them, while any is left. A directory already there (a daemon that
/// crashed and restarted) is taken over, its limits rewritten.
///
/// A plain value of paths: the kernel holds the state, so copies name the same cgroup, and
/// calls from several threads are as safe as the kernel's own file writes.
public struct ReservationCgroup: Sendable, Equatable {
    /// How service cgroups are placed, named and limited. The defaults are what a daemon uses.
    public struct Configuration: Sendable, Equatable {
        /// The CFS enforcement period: within each period the service may use `share x period`
        /// of CPU time. Default 100 ms (the kernel's default); between 1 ms and 1 s. A shorter
        /// period spreads the throttling more evenly at a little more scheduler work.
        public var period: Duration = .milliseconds(100)
        /// The start of every service cgroup's name; the service id follows. Default
        /// `coalition-`.
        public var namePrefix = "coalition-"
        /// cgroup v2 only: the leaf the daemon moves itself into so that its cgroup can enable
        /// controllers for the service cgroups. Default `daemon`; nil never moves the daemon
        /// (its cgroup must then already enable `cpu` and `memory` for its children).
        public var daemonLeaf: String? = "daemon"
        /// Whether the memory limit also bounds swap, so lent work cannot spill past it onto
        /// the board owner's swap: v2 `memory.swap.max` 0, v1 `memory.memsw.limit_in_bytes`
        /// equal to the memory limit, each only where the kernel has the file. Default true.
        public var limitsSwap = true
        /// Which cgroups this process is in. Default `/proc/self/cgroup`; tests give a file.
        public var procSelfCgroup = "/proc/self/cgroup"
        /// Where the cgroup hierarchies are mounted. Default `/proc/self/mountinfo`; tests give
        /// a file naming mount points in a temporary tree.
        public var mountInfo = "/proc/self/mountinfo"

        public init() {}

        /// The period in whole microseconds, as the kernel's files take it.
        var periodMicroseconds: Int {
            let (seconds, attoseconds) = period.components
            return Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000)
        }

        /// The cgroup name of a service: ``namePrefix`` + the id, with `/` (as in the
        /// coalition's `<member>/<n>` ids) written `_`. Letters, digits, `.`, `_` and `-` are
        /// kept; anything else is refused (`.invalidName`).
        public func name(for service: String) throws(CgroupError) -> String {
            let name = namePrefix + service.replacingSlashes()
            let allowed = name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0) }
            guard !service.isEmpty, allowed, name.utf8.count <= 200 else {
                throw CgroupError(.invalidName, path: name, "'\(service)' cannot name a cgroup: use letters, digits, '.', '_', '-' and '/'")
            }
            return name
        }
    }

    /// The service this cgroup runs the work of.
    public let service: String
    /// The cgroup directories: one on v2; on v1 those of the cpu, cpuacct (when mounted apart)
    /// and memory hierarchies.
    public let location: Location
    let configuration: Configuration

    /// Where a service cgroup's directories are.
    public enum Location: Sendable, Equatable {
        case v1(cpu: String, cpuacct: String?, memory: String)
        case v2(String)

        /// Every distinct directory, cpu first.
        public var directories: [String] {
            switch self {
            case .v2(let directory): [directory]
            case .v1(let cpu, let cpuacct, let memory):
                [cpu] + (cpuacct.map { $0 == cpu ? [] : [$0] } ?? []) + (memory == cpu ? [] : [memory])
            }
        }
    }

    /// Creates (or takes over) the cgroup of `service` under the daemon's own, with a CPU limit
    /// of `cpuMillicores` thousandths of one CPU (200 = a fifth of a core; at least 10 at the
    /// default 100 ms period) and a memory limit of `memoryBytes` bytes.
    ///
    /// What it made is removed again when a step fails. On v2 it may first move this process
    /// into ``Configuration/daemonLeaf`` and enable `cpu` and `memory` in the parent (see the
    /// type's notes).
    public static func create(
        service: String, cpuMillicores: Int, memoryBytes: UInt64, configuration: Configuration = .init()
    ) throws(CgroupError) -> ReservationCgroup {
        let name = try configuration.name(for: service)
        let location: Location
        switch try CgroupPlacement.discover(configuration).parent {
        case .v1(let cpu, let cpuacct, let memory):
            location = .v1(cpu: cpu + "/" + name, cpuacct: cpuacct.map { $0 + "/" + name }, memory: memory + "/" + name)
        case .v2(let parent, let processInside, let isRoot):
            try prepareV2(parent: parent, processInside: processInside, isRoot: isRoot, configuration: configuration)
            location = .v2(parent + "/" + name)
        }
        let cgroup = ReservationCgroup(service: service, location: location, configuration: configuration)
        var made: [String] = []
        do {
            for directory in location.directories where try CgroupFiles.makeDirectory(directory) {
                made.append(directory)
            }
            try cgroup.update(cpuMillicores: cpuMillicores, memoryBytes: memoryBytes)
        } catch {
            for directory in made.reversed() { _ = try? CgroupFiles.removeDirectory(directory) }
            throw error
        }
        return cgroup
    }

    /// Moves process `pid` (all its threads) into the cgroup, in every hierarchy on v1. Its
    /// future children start there too.
    public func add(pid: Int32) throws(CgroupError) {
        for directory in location.directories {
            try CgroupFiles.write("\(pid)", to: directory + "/cgroup.procs", appending: true)
        }
    }

    /// Sets new limits: a lease resized when its service degrades or upgrades. Same units as
    /// ``create(service:cpuMillicores:memoryBytes:configuration:)``. Lowering memory below what
    /// the processes hold makes the kernel reclaim, or on v1 refuse (`EBUSY`) when it cannot.
    public func update(cpuMillicores: Int, memoryBytes: UInt64) throws(CgroupError) {
        let period = configuration.periodMicroseconds
        guard memoryBytes > 0, memoryBytes < CgroupFormats.v1UnlimitedMemoryThreshold else {
            throw CgroupError(.invalidLimit, path: memoryDirectory, "a memory limit of \(memoryBytes) bytes is not a positive size below 2^62")
        }
        switch location {
        case .v2(let directory):
            let quota = try CgroupFormats.quotaMicroseconds(millicores: cpuMillicores, periodMicroseconds: period, path: directory + "/cpu.max")
            try CgroupFiles.write(CgroupFormats.cpuMax(quotaMicroseconds: quota, periodMicroseconds: period), to: directory + "/cpu.max")
            try CgroupFiles.write("\(memoryBytes)", to: directory + "/memory.max")
            if configuration.limitsSwap, CgroupFiles.exists(directory + "/memory.swap.max") {
                try CgroupFiles.write("0", to: directory + "/memory.swap.max")
            }
        case .v1(let cpu, _, let memory):
            let quota = try CgroupFormats.quotaMicroseconds(millicores: cpuMillicores, periodMicroseconds: period, path: cpu + "/cpu.cfs_quota_us")
            // The period first: the quota is checked against the period in force.
            try CgroupFiles.write("\(period)", to: cpu + "/cpu.cfs_period_us")
            do {
                try CgroupFiles.write("\(quota)", to: cpu + "/cpu.cfs_quota_us")
            } catch where error.code == .invalidLimit {
                throw CgroupError(
                    .invalidLimit, path: error.path,
                    "the kernel refused a quota of \(quota) µs per \(period) µs (\(cpuMillicores) millicores): a v1 cgroup may not have more CPU than its parent's quota",
                    systemError: error.systemError)
            }
            // memory.limit_in_bytes may never exceed memory.memsw.limit_in_bytes: raise the
            // latter first, lower it last.
            let memsw = memory + "/memory.memsw.limit_in_bytes"
            let swapAccounted = configuration.limitsSwap && CgroupFiles.exists(memsw)
            let current = try CgroupFormats.parseMemoryLimit(CgroupFiles.read(memory + "/memory.limit_in_bytes")) ?? nil
            let raising = current.map { memoryBytes > $0 } ?? false
            if swapAccounted, raising { try CgroupFiles.write("\(memoryBytes)", to: memsw) }
            try CgroupFiles.write("\(memoryBytes)", to: memory + "/memory.limit_in_bytes")
            if swapAccounted, !raising { try CgroupFiles.write("\(memoryBytes)", to: memsw) }
        }
    }

    /// The limits in force, read back from the kernel.
    public func limits() throws(CgroupError) -> CgroupLimits {
        let quota: Int?, period: Int, memoryText: String, path: String
        switch location {
        case .v2(let directory):
            path = directory + "/cpu.max"
            guard let max = CgroupFormats.parseCPUMax(try CgroupFiles.read(path)) else { throw malformed(path) }
            (quota, period) = max
            memoryText = try CgroupFiles.read(directory + "/memory.max")
        case .v1(let cpu, _, let memory):
            path = cpu + "/cpu.cfs_quota_us"
            guard let parsedQuota = CgroupFormats.parseCFSQuota(try CgroupFiles.read(path)),
                  let parsedPeriod = CgroupFormats.number(try CgroupFiles.read(cpu + "/cpu.cfs_period_us"))
            else { throw malformed(path) }
            (quota, period) = (parsedQuota, Int(parsedPeriod))
            memoryText = try CgroupFiles.read(memory + "/memory.limit_in_bytes")
        }
        guard let memory = CgroupFormats.parseMemoryLimit(memoryText) else { throw malformed(memoryDirectory) }
        return CgroupLimits(
            cpuMillicores: quota.map { CgroupFormats.millicores(quotaMicroseconds: $0, periodMicroseconds: period) },
            quotaMicroseconds: quota, periodMicroseconds: period, memoryBytes: memory)
    }

    /// What the cgroup's processes have used so far (see ``CgroupUsage`` for the files).
    public func usage() throws(CgroupError) -> CgroupUsage {
        switch location {
        case .v2(let directory):
            let path = directory + "/cpu.stat"
            guard let cpu = CgroupFormats.cpuStatV2(try CgroupFiles.read(path)) else { throw malformed(path) }
            let events = CgroupFormats.keyedValues(try CgroupFiles.readIfPresent(directory + "/memory.events") ?? "")
            return CgroupUsage(
                cpuTime: cpu.usage, periods: cpu.periods, throttledPeriods: cpu.throttledPeriods, throttledTime: cpu.throttled,
                memoryBytes: try number(directory + "/memory.current"),
                memoryPeakBytes: try CgroupFiles.readIfPresent(directory + "/memory.peak").flatMap(CgroupFormats.number),
                memoryLimitHits: events["max"] ?? 0, oomKills: events["oom_kill"])
        case .v1(let cpu, let cpuacct, let memory):
            let path = cpu + "/cpu.stat"
            guard let stat = CgroupFormats.cpuStatV1(try CgroupFiles.read(path)) else { throw malformed(path) }
            let oomControl = CgroupFormats.keyedValues(try CgroupFiles.readIfPresent(memory + "/memory.oom_control") ?? "")
            return CgroupUsage(
                cpuTime: try cpuacct.map { (directory) throws(CgroupError) in .nanoseconds(try number(directory + "/cpuacct.usage")) },
                periods: stat.periods, throttledPeriods: stat.throttledPeriods, throttledTime: stat.throttled,
                memoryBytes: try number(memory + "/memory.usage_in_bytes"),
                memoryPeakBytes: try CgroupFiles.readIfPresent(memory + "/memory.max_usage_in_bytes").flatMap(CgroupFormats.number),
                memoryLimitHits: try number(memory + "/memory.failcnt")
                    + (try CgroupFiles.readIfPresent(memory + "/memory.memsw.failcnt").flatMap(CgroupFormats.number) ?? 0),
                oomKills: oomControl["oom_kill"])
        }
    }

    /// The processes in the cgroup now (in any of its v1 hierarchies), in ascending order.
    public func processes() throws(CgroupError) -> [Int32] {
        var pids: Set<Int32> = []
        for directory in location.directories {
            pids.formUnion(CgroupFormats.pids(try CgroupFiles.read(directory + "/cgroup.procs")))
        }
        return pids.sorted()
    }

    /// Removes the cgroup's directories. Moves and kills nothing: throws `.processesRemain`,
    /// naming them, while any process is in it, and then removes nothing. A directory already
    /// gone is not an error, so a second call does nothing.
    public func remove() throws(CgroupError) {
        for directory in location.directories {
            guard let text = try CgroupFiles.readIfPresent(directory + "/cgroup.procs") else { continue }
            let pids = CgroupFormats.pids(text)
            if !pids.isEmpty { throw processesRemain(pids, directory) }
        }
        for directory in location.directories {
            do {
                _ = try CgroupFiles.removeDirectory(directory)
            } catch where error.code == .busy {
                let pids = (try? CgroupFiles.read(directory + "/cgroup.procs")).map(CgroupFormats.pids) ?? []
                throw processesRemain(pids, directory)
            } catch {
                throw CgroupError.from(error, path: directory)
            }
        }
    }

    // MARK: - v2 parent

    /// Makes `parent` able to limit its children: checks that `cpu` and `memory` were
    /// delegated to it, moves this process into the daemon leaf when it sits in the parent, and
    /// enables the controllers in its `cgroup.subtree_control`.
    static func prepareV2(parent: String, processInside: Bool, isRoot: Bool, configuration: Configuration) throws(CgroupError) {
        let needed: Set = ["cpu", "memory"]
        let controllersPath = parent + "/cgroup.controllers"
        let available = CgroupFormats.words(try CgroupFiles.read(controllersPath))
        let missing = needed.subtracting(available)
        guard missing.isEmpty else {
            throw CgroupError(
                .notDelegated, path: controllersPath,
                "\(missing.sorted().joined(separator: " and ")) not delegated to this cgroup: the cgroup above must enable it in its cgroup.subtree_control (systemd: Delegate=yes in the unit)")
        }
        let subtreePath = parent + "/cgroup.subtree_control"
        let enabled = CgroupFormats.words(try CgroupFiles.read(subtreePath))
        guard !needed.isSubset(of: enabled) else { return }
        if processInside, !isRoot, let leaf = configuration.daemonLeaf {
            let pids = CgroupFormats.pids(try CgroupFiles.read(parent + "/cgroup.procs"))
            if pids.contains(CurrentProcess.id) {
                _ = try CgroupFiles.makeDirectory(parent + "/" + leaf)
                try CgroupFiles.write("\(CurrentProcess.id)", to: parent + "/" + leaf + "/cgroup.procs", appending: true)
            }
        }
        do {
            try CgroupFiles.write(needed.subtracting(enabled).sorted().map { "+" + $0 }.joined(separator: " "), to: subtreePath)
        } catch where error.systemError?.code == .busy {
            let pids = (try? CgroupFiles.read(parent + "/cgroup.procs")).map(CgroupFormats.pids) ?? []
            throw CgroupError(
                .internalProcesses, path: subtreePath,
                "cannot enable cpu and memory for child cgroups while processes \(pids.map(String.init).joined(separator: ", ")) sit in \(parent) itself (cgroup v2's no-internal-processes rule): run the daemon alone in its cgroup",
                systemError: error.systemError)
        }
    }

    // MARK: - Helpers

    private var memoryDirectory: String {
        switch location {
        case .v2(let directory): directory
        case .v1(_, _, let memory): memory
        }
    }

    private func number(_ path: String) throws(CgroupError) -> UInt64 {
        guard let value = CgroupFormats.number(try CgroupFiles.read(path)) else { throw malformed(path) }
        return value
    }

    private func malformed(_ path: String) -> CgroupError {
        CgroupError(.malformedFile, path: path, "unexpected contents")
    }

    private func processesRemain(_ pids: [Int32], _ directory: String) -> CgroupError {
        CgroupError(
            .processesRemain, path: directory,
            "processes \(pids.map(String.init).joined(separator: ", ")) are still in the cgroup: end them before removing it")
    }
}

extension String {
    fileprivate func replacingSlashes() -> String {
        String(map { $0 == "/" ? "_" : $0 })
    }
}
