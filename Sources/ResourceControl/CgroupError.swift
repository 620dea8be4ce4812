import SystemCalls

/// Why a service cgroup could not be made, changed, read or removed: a ``Code`` to decide on,
/// the file or directory concerned, and a sentence for people.
///
/// `description` is `"<path>: <detail>"`, e.g.
/// `/sys/fs/cgroup/cpu/coalition-ab12_1/cpu.cfs_quota_us: permission denied (...)`.
public struct CgroupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. A struct rather than an enum, so that adding a code breaks no `switch`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The cgroup this process is in was not handed to it: on v2 its parent did not enable
        /// `cpu` or `memory` for it (they are missing from its `cgroup.controllers`). Under
        /// systemd the unit needs `Delegate=yes` (see ``ReservationCgroup``).
        public static let notDelegated = Code(rawValue: "not delegated")
        /// The kernel refused a write or a `mkdir` (`EACCES`, `EPERM`, `EROFS`): not root, and
        /// the cgroup is not delegated to this user.
        public static let permissionDenied = Code(rawValue: "permission denied")
        /// A controller or one of its files is absent: no v1 hierarchy mounts it, or the kernel
        /// lacks the feature (`cpu.cfs_quota_us` needs CFS bandwidth control).
        public static let controllerMissing = Code(rawValue: "controller missing")
        /// ``ReservationCgroup/remove()`` found processes still in the cgroup.
        public static let processesRemain = Code(rawValue: "processes remain")
        /// cgroup v2's "no internal processes" rule: the parent holds processes other than this
        /// one, so controllers cannot be enabled for its children.
        public static let internalProcesses = Code(rawValue: "internal processes")
        /// A limit out of range, or one the kernel refused (`EINVAL`; on v1 a child may not
        /// have a larger CPU quota than its parent).
        public static let invalidLimit = Code(rawValue: "invalid limit")
        /// A service id that cannot name a cgroup.
        public static let invalidName = Code(rawValue: "invalid name")
        /// ``ReservationCgroup/add(pid:)`` of a process that does not exist (`ESRCH`).
        public static let noSuchProcess = Code(rawValue: "no such process")
        /// A control file whose text could not be parsed.
        public static let malformedFile = Code(rawValue: "malformed file")
        /// Any other failed system call; ``CgroupError/systemError`` holds its `errno`.
        public static let systemCall = Code(rawValue: "system call failed")
    }

    public let code: Code
    /// The file or directory concerned.
    public let path: String
    /// What happened and, where there is one, what to do about it.
    public let detail: String
    /// The failed call behind the error, if one was.
    public let systemError: SystemCallError?

    public init(_ code: Code, path: String, _ detail: String, systemError: SystemCallError? = nil) {
        self.code = code
        self.path = path
        self.detail = detail
        self.systemError = systemError
    }

    public var description: String { "\(path): \(detail)" }

    /// What to tell an operator whose daemon lacks the rights.
    static let rightsHint = "run the daemon as root, or in a cgroup delegated to it (systemd: Delegate=yes)"

    /// A failed call on `path`, classified.
    static func from(_ error: SystemCallError, path: String) -> CgroupError {
        switch error.code {
        case .accessDenied, .notPermitted, .readOnlyFileSystem:
            CgroupError(.permissionDenied, path: path, "\(error.reason): \(rightsHint)", systemError: error)
        case .noSuchFile:
            CgroupError(.controllerMissing, path: path, "no such file: the controller is not mounted or not enabled here", systemError: error)
        case .noSuchProcess:
            CgroupError(.noSuchProcess, path: path, "no such process", systemError: error)
        case .invalidArgument:
            CgroupError(.invalidLimit, path: path, "the kernel refused the value (\(error.reason))", systemError: error)
        default:
            CgroupError(.systemCall, path: path, error.description, systemError: error)
        }
    }
}
