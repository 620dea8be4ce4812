import Glibc

/// The path calls the project makes (`rename`, `unlink`, `mkdir`), each throwing
/// ``SystemCallError`` naming the path.
public enum FilePaths {
    /// `rename(2)`: moves `source` to `destination` in one step, replacing a file there.
    public static func rename(_ source: String, to destination: String) throws(SystemCallError) {
        _ = try retryingOnInterrupt("rename \(source) to \(destination)") { Glibc.rename(source, destination) }
    }

    /// `unlink(2)`: removes a file (not a directory).
    public static func remove(_ path: String) throws(SystemCallError) {
        _ = try retryingOnInterrupt("unlink \(path)") { unlink(path) }
    }

    /// `mkdir(2)`: makes one directory; its parent must exist. Throws `.fileExists` when the
    /// path is taken, by a directory or anything else.
    public static func makeDirectory(_ path: String, permissions: mode_t = 0o755) throws(SystemCallError) {
        _ = try retryingOnInterrupt("mkdir \(path)") { mkdir(path, permissions) }
    }

    /// `rmdir(2)`: removes an empty directory (on cgroupfs: a cgroup without processes or
    /// children, whatever control files it shows).
    public static func removeDirectory(_ path: String) throws(SystemCallError) {
        _ = try retryingOnInterrupt("rmdir \(path)") { rmdir(path) }
    }

    /// `mkfifo(3)`: makes a named pipe (for handing a stream to a process that opens paths).
    public static func makeFIFO(_ path: String, permissions: mode_t = 0o600) throws(SystemCallError) {
        _ = try retryingOnInterrupt("mkfifo \(path)") { mkfifo(path, permissions) }
    }
}
