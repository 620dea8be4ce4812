/// A cgroup file system mounted on this machine, from a line of `/proc/<pid>/mountinfo`.
///
/// A line reads `ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS`:
/// `32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu` is the v1 cpu hierarchy,
/// `41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw` the v2 one. ROOT is the
/// cgroup the mount shows as its top (not `/` inside a container that sees only its own
/// subtree); spaces and the like in paths are written as octal escapes (`\040`).
public struct CgroupMount: Sendable, Equatable {
    /// Which cgroup version the mount is.
    public enum Kind: Sendable, Equatable {
        /// A v1 hierarchy; its super options name its controllers (`rw,cpu,cpuacct`), among
        /// other options such as `rw` and `name=systemd`.
        case v1(options: [String])
        /// The v2 unified hierarchy.
        case v2
    }

    public var kind: Kind
    /// The cgroup shown at the mount point, from the hierarchy's root (`/` usually).
    public var root: String
    /// Where it is mounted, e.g. `/sys/fs/cgroup/cpu`.
    public var mountPoint: String

    public init(kind: Kind, root: String, mountPoint: String) {
        self.kind = kind
        self.root = root
        self.mountPoint = mountPoint
    }

    /// Whether this is a v1 hierarchy holding `controller`.
    public func holds(_ controller: String) -> Bool {
        if case .v1(let options) = kind { options.contains(controller) } else { false }
    }

    /// The directory of the cgroup at `path` (from the hierarchy's root, as
    /// `/proc/self/cgroup` gives it) under this mount; nil when the mount does not show it.
    public func directory(of path: String) -> String? {
        let base = mountPoint.hasSuffix("/") ? String(mountPoint.dropLast()) : mountPoint
        let root = root == "/" ? "" : root
        guard path == root || path.hasPrefix(root + "/") || root.isEmpty else { return nil }
        let rest = path.dropFirst(root.count)
        return rest == "/" || rest.isEmpty ? base : base + rest
    }

    /// The cgroup mounts of a `mountinfo` text (types `cgroup` and `cgroup2`), in its order;
    /// other and malformed lines are skipped.
    public static func parse(mountInfo text: String) -> [CgroupMount] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let separator = fields.firstIndex(of: "-"), separator >= 6, fields.count >= separator + 4 else { return nil }
            let root = unescape(fields[3]), mountPoint = unescape(fields[4])
            switch fields[separator + 1] {
            case "cgroup":
                let options = fields[separator + 3].split(separator: ",").map(String.init)
                return CgroupMount(kind: .v1(options: options), root: root, mountPoint: mountPoint)
            case "cgroup2":
                return CgroupMount(kind: .v2, root: root, mountPoint: mountPoint)
            default:
                return nil
            }
        }
    }

    /// Undoes the kernel's octal escapes of space, tab, newline and backslash (`\040` -> ` `).
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
               let value = UInt8(String(decoding: utf8[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
