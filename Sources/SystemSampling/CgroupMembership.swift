/// One line of `/proc/<pid>/cgroup`: the cgroup a process is in within one hierarchy.
///
/// The file has a line per hierarchy, `hierarchy-ID:controller-list:cgroup-path`:
/// `4:cpu,cpuacct:/lab/h2` for a cgroup v1 hierarchy (the controllers mounted together there;
/// a named hierarchy shows `name=systemd`), `0::/system.slice/x.service` for the cgroup v2
/// (unified) hierarchy. A pure v2 system has only the `0::` line; a hybrid one has both.
///
/// Shared by the quota reader here and by `ResourceControl`, which creates cgroups beneath these
/// paths: the parser lives in this read-only target, and the target that writes depends on it.
public struct CgroupMembership: Sendable, Equatable {
    /// The hierarchy's id (0 for the unified hierarchy).
    public var hierarchyID: Int
    /// The v1 controllers of the hierarchy (`cpu`, `cpuacct`, `name=systemd`); empty for v2.
    public var controllers: [String]
    /// The cgroup's path from the hierarchy's root, starting with `/` (`/` is the root).
    public var path: String

    public init(hierarchyID: Int, controllers: [String], path: String) {
        self.hierarchyID = hierarchyID
        self.controllers = controllers
        self.path = path
    }

    /// The cgroup v2 line (`0::/path`).
    public var isUnified: Bool { hierarchyID == 0 && controllers.isEmpty }

    /// The lines of a `/proc/<pid>/cgroup` text; malformed lines are skipped. The path keeps any
    /// `:` it holds (only the first two separate fields).
    public static func parse(_ text: String) -> [CgroupMembership] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let id = Int(fields[0]), fields[2].hasPrefix("/") else { return nil }
            return CgroupMembership(
                hierarchyID: id, controllers: fields[1].split(separator: ",").map(String.init), path: String(fields[2]))
        }
    }

    /// The v1 line whose hierarchy holds `controller`, e.g. `cpu` in `4:cpu,cpuacct:/lab`.
    public static func v1(_ controller: String, in memberships: [CgroupMembership]) -> CgroupMembership? {
        memberships.first { !$0.isUnified && $0.controllers.contains(controller) }
    }

    /// The v2 line, `0::/path`.
    public static func unified(in memberships: [CgroupMembership]) -> CgroupMembership? {
        memberships.first(where: \.isUnified)
    }

    /// A cgroup path and its ancestors up to the root: `/a/b` -> `/a/b`, `/a`, `` (the root, as
    /// the empty string so that `root + path` names its directory).
    public static func ancestors(of path: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        var paths: [String] = []
        while true {
            paths.append(parts.isEmpty ? "" : "/" + parts.joined(separator: "/"))
            if parts.isEmpty { return paths }
            parts.removeLast()
        }
    }
}
