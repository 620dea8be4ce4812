import Glibc

/// An open file descriptor and the calls the project makes on one, each through
/// ``retryingOnInterrupt(_:_:)`` and each throwing ``SystemCallError``.
///
/// A plain value: nothing closes it but ``close()``. Owners that must not leak it keep it in a
/// class and close it in `deinit`.
public struct FileDescriptor: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Standard error (2).
    public static let standardError = FileDescriptor(rawValue: STDERR_FILENO)
    public static let standardInput = FileDescriptor(rawValue: STDIN_FILENO)
    public static let standardOutput = FileDescriptor(rawValue: STDOUT_FILENO)

    /// How ``open(_:_:permissions:)`` opens a file: the `O_` flags the project uses.
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `O_WRONLY`.
        public static let writeOnly = Options(rawValue: O_WRONLY)
        /// `O_RDWR`.
        public static let readWrite = Options(rawValue: O_RDWR)
        /// `O_CREAT`: create the file when missing, with the given permissions.
        public static let create = Options(rawValue: O_CREAT)
        /// `O_EXCL`: with `.create`, fail with `.fileExists` when the path is taken.
        public static let exclusive = Options(rawValue: O_EXCL)
        /// `O_CLOEXEC`: not inherited by child processes.
        public static let closeOnExec = Options(rawValue: O_CLOEXEC)
        /// `O_RDONLY` (zero: the absence of the write flags), for readability at call sites.
        public static let readOnly = Options(rawValue: O_RDONLY)
        /// `O_TRUNC`: an existing regular file is cut to zero length (ignored by kernfs files
        /// such as cgroup controls, where every write is one command).
        public static let truncate = Options(rawValue: O_TRUNC)
        /// `O_APPEND`: every write goes to the end of the file.
        public static let append = Options(rawValue: O_APPEND)
    }

    /// `open(2)`. `permissions` apply (narrowed by the umask) only when `.create` makes the file.
    public static func open(
        _ path: String, _ options: Options, permissions: mode_t = 0o644
    ) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try retryingOnInterrupt("open \(path)") { Glibc.open(path, options.rawValue, permissions) })
    }

    /// `close(2)`, never retried: Linux releases the descriptor even when `close` reports `EINTR`.
    public func close() throws(SystemCallError) {
        _ = try retryingOnInterrupt("close", retryOnInterrupt: false) { Glibc.close(rawValue) }
    }

    /// Reads what is there, at most `count` bytes (blocking until some are); empty at the end
    /// of the file or stream.
    public func read(upTo count: Int) throws(SystemCallError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let read = try bytes.withUnsafeMutableBufferPointer { buffer throws(SystemCallError) in
            try retryingOnInterrupt("read") { Glibc.read(rawValue, buffer.baseAddress!, count) }
        }
        bytes.removeLast(count - read)
        return bytes
    }

    /// Writes all of `bytes` at the current offset, continuing after short writes.
    public func writeAll(_ bytes: [UInt8]) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            offset += try bytes.withUnsafeBufferPointer { buffer throws(SystemCallError) in
                try retryingOnInterrupt("write") { Glibc.write(rawValue, buffer.baseAddress! + offset, buffer.count - offset) }
            }
        }
    }

    /// Writes all of `bytes` at file offset `position` (`pwrite(2)`), leaving the offset alone.
    public func writeAll(_ bytes: [UInt8], at position: Int64) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            offset += try bytes.withUnsafeBufferPointer { buffer throws(SystemCallError) in
                try retryingOnInterrupt("pwrite") {
                    pwrite(rawValue, buffer.baseAddress! + offset, buffer.count - offset, off_t(position) + off_t(offset))
                }
            }
        }
    }

    /// Reads from the current offset until end of file (`read(2)` until it returns 0), at most
    /// `limit` bytes. For small files whose size `stat` does not tell (procfs, sysfs, cgroupfs).
    public func readToEnd(limit: Int = 1 << 20) throws(SystemCallError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = try chunk.withUnsafeMutableBufferPointer { buffer throws(SystemCallError) in
                try retryingOnInterrupt("read") { Glibc.read(rawValue, buffer.baseAddress!, min(buffer.count, limit - bytes.count)) }
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    /// `ftruncate(2)`: cuts or extends the file to `length` bytes.
    public func truncate(to length: Int64) throws(SystemCallError) {
        _ = try retryingOnInterrupt("ftruncate") { ftruncate(rawValue, off_t(length)) }
    }

    /// `fchmod(2)`: sets the permission bits exactly, whatever the umask did at creation.
    public func setPermissions(_ permissions: mode_t) throws(SystemCallError) {
        _ = try retryingOnInterrupt("fchmod") { fchmod(rawValue, permissions) }
    }

    /// `fsync(2)`: waits until the file's data and metadata are on the disk.
    public func synchronize() throws(SystemCallError) {
        _ = try retryingOnInterrupt("fsync") { fsync(rawValue) }
    }

    /// Takes an exclusive advisory lock without waiting (`flock(LOCK_EX | LOCK_NB)`); false when
    /// another open file description holds it. The lock goes with the last descriptor closed.
    public func tryLockExclusively() throws(SystemCallError) -> Bool {
        do {
            _ = try retryingOnInterrupt("flock") { flock(rawValue, LOCK_EX | LOCK_NB) }
            return true
        } catch where error.code == .wouldBlock {
            return false
        }
    }

    /// Whether the descriptor is a terminal (`isatty(3)`); false for a file, a pipe, or a
    /// descriptor that is not open.
    public var isTerminal: Bool { isatty(rawValue) == 1 }
}
