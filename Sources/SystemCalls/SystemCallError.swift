import Glibc

/// A system call that failed: what was being done and the `errno` it left.
///
/// The one error type of every raw libc call the project makes outside the per-library C files
/// (Avahi, FFmpeg, libproc2, the membership socket). Callers that need their own error wrap it,
/// keeping `code` for decisions (`.fileExists`, `.wouldBlock`) and `description` for people.
public struct SystemCallError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An `errno` value. A struct rather than an enum so that a code not named here is still a
    /// code, and naming one more breaks no `switch`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `EINTR`: a signal arrived during the call. ``retryingOnInterrupt(_:_:)`` retries it.
        public static let interrupted = Code(rawValue: EINTR)
        /// `ENOENT`.
        public static let noSuchFile = Code(rawValue: ENOENT)
        /// `EEXIST`: `O_EXCL` or `mkdir` found the path taken.
        public static let fileExists = Code(rawValue: EEXIST)
        /// `ENOTDIR`: a path component is not a directory.
        public static let notDirectory = Code(rawValue: ENOTDIR)
        /// `EISDIR`.
        public static let isDirectory = Code(rawValue: EISDIR)
        /// `EWOULDBLOCK` (`EAGAIN`): a non-blocking call would have waited, e.g. a lock held elsewhere.
        public static let wouldBlock = Code(rawValue: EWOULDBLOCK)
        /// `EBADF`.
        public static let badDescriptor = Code(rawValue: EBADF)
        /// `EACCES`: the file's permissions refuse the access.
        public static let accessDenied = Code(rawValue: EACCES)
        /// `EPERM`: the operation is not permitted to this process (whatever the file's mode).
        public static let notPermitted = Code(rawValue: EPERM)
        /// `EROFS`: a read-only file system.
        public static let readOnlyFileSystem = Code(rawValue: EROFS)
        /// `EBUSY`: e.g. `rmdir` of a cgroup that still holds processes.
        public static let busy = Code(rawValue: EBUSY)
        /// `ENOTEMPTY`: `rmdir` of a directory that holds entries.
        public static let directoryNotEmpty = Code(rawValue: ENOTEMPTY)
        /// `ESRCH`: no such process.
        public static let noSuchProcess = Code(rawValue: ESRCH)
        /// `EINVAL`: an argument the call refuses (a value a kernel control file does not accept).
        public static let invalidArgument = Code(rawValue: EINVAL)
        /// `EOPNOTSUPP` (`ENOTSUP`): the file or kernel does not support the operation.
        public static let notSupported = Code(rawValue: EOPNOTSUPP)

        /// The C library's text for the code (`strerror`), e.g. `No such file or directory`.
        public var description: String { String(cString: strerror(rawValue)) }
    }

    /// What was being done, e.g. `open /var/lib/coalition/lock`.
    public let operation: String
    /// The `errno` the call left.
    public let code: Code

    public init(operation: String, code: Code) {
        self.operation = operation
        self.code = code
    }

    /// The text of ``code`` alone, for errors that name the operation their own way.
    public var reason: String { code.description }

    public var description: String { "\(operation): \(reason)" }
}
