import SystemCalls
import SystemSampling

/// Where this process's service cgroups go: the directories of the cgroup it is in, for the
/// controllers a reservation needs, and whether they are v1 or v2.
///
/// Found from `/proc/self/cgroup` (which cgroup, per hierarchy) and `/proc/self/mountinfo`
/// (where each hierarchy is mounted). A v1 hierarchy holding `cpu` wins: on a hybrid machine
/// (this build machine mounts v1 controllers and an empty cgroup2 at `/sys/fs/cgroup/unified`)
/// the controllers are bound to v1. Otherwise the cgroup2 mount is used, as on Raspberry Pi OS
/// bookworm.
public struct CgroupPlacement: Sendable, Equatable {
    /// The cgroup version in use and the parent directories of the service cgroups.
    public enum Parent: Sendable, Equatable {
        /// cgroup v1: one directory per hierarchy. `cpuacct` (CPU time used) is nil when no
        /// hierarchy mounts it, and equals `cpu` when they are mounted together.
        case v1(cpu: String, cpuacct: String?, memory: String)
        /// cgroup v2: one directory. `processInside` is true when this process sits in it (it
        /// must then move into a leaf before the parent can enable controllers for children:
        /// the "no internal processes" rule); false at the root, or when it is already in the
        /// configured leaf and the parent is that leaf's parent.
        case v2(directory: String, processInside: Bool, isRoot: Bool)
    }

    public var parent: Parent

    /// The placement from the texts of `/proc/self/cgroup` and `/proc/self/mountinfo`.
    ///
    /// - Parameter daemonLeaf: The leaf a v2 daemon moves itself into (``ReservationCgroup/Configuration/daemonLeaf``):
    ///   when the process's v2 cgroup is named so, its parent is the services' parent.
    /// - Throws: `.controllerMissing` when neither a v1 `cpu` hierarchy nor a cgroup2 mount
    ///   shows this process's cgroup, or v1 has `cpu` without `memory`.
    public static func resolve(procSelfCgroup: String, mountInfo: String, daemonLeaf: String?) throws(CgroupError) -> CgroupPlacement {
        let memberships = CgroupMembership.parse(procSelfCgroup)
        let mounts = CgroupMount.parse(mountInfo: mountInfo)

        /// The directory of this process's cgroup in the v1 hierarchy holding `controller`.
        func v1Directory(_ controller: String) -> String? {
            guard let membership = CgroupMembership.v1(controller, in: memberships) else { return nil }
            return mounts.lazy.filter { $0.holds(controller) }.compactMap { $0.directory(of: membership.path) }.first
        }

        if let cpu = v1Directory("cpu") {
            guard let memory = v1Directory("memory") else {
                throw CgroupError(
                    .controllerMissing, path: "/proc/self/mountinfo",
                    "cgroup v1 has a cpu hierarchy but no memory hierarchy is mounted for this process")
            }
            return CgroupPlacement(parent: .v1(cpu: cpu, cpuacct: v1Directory("cpuacct"), memory: memory))
        }
        if let membership = CgroupMembership.unified(in: memberships),
           let directory = mounts.lazy.filter({ $0.kind == .v2 }).compactMap({ $0.directory(of: membership.path) }).first {
            let components = membership.path.split(separator: "/")
            if let leaf = daemonLeaf, components.last.map(String.init) == leaf {
                let parent = String(directory.dropLast(leaf.count + 1))
                return CgroupPlacement(parent: .v2(directory: parent, processInside: false, isRoot: components.count == 1))
            }
            return CgroupPlacement(parent: .v2(directory: directory, processInside: !components.isEmpty, isRoot: components.isEmpty))
        }
        throw CgroupError(
            .controllerMissing, path: "/proc/self/mountinfo",
            "no cgroup v1 cpu hierarchy and no cgroup2 mount shows this process's cgroup (see /proc/self/cgroup)")
    }

    /// The placement of this process, from the files the configuration names.
    public static func discover(_ configuration: ReservationCgroup.Configuration = .init()) throws(CgroupError) -> CgroupPlacement {
        try resolve(
            procSelfCgroup: CgroupFiles.read(configuration.procSelfCgroup),
            mountInfo: CgroupFiles.read(configuration.mountInfo), daemonLeaf: configuration.daemonLeaf)
    }

    /// The version in use.
    public var version: Int {
        if case .v1 = parent { 1 } else { 2 }
    }
}
