import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The few file operations the profiler needs, with POSIX reasons in their errors.
enum FileSystem {
    /// `mkdir -p`. Throws `FileError` naming the directory that could not be made and why.
    static func makeDirectories(_ path: String, purpose: String) throws(FileError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw FileError(path: path, operation: purpose, errno: ENOTDIR)
        }
        let parent = (path as NSString).deletingLastPathComponent
        if parent != path, !parent.isEmpty { try makeDirectories(parent, purpose: purpose) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw FileError(path: path, operation: purpose, errno: errno)
        }
    }

    /// Writes `data` to a temporary file beside `path` and renames it into place.
    static func writeAtomically(_ data: Data, to path: String) throws(FileError) {
        let temporary = "\(path).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw FileError(path: path, operation: "writing", errno: errno) }
        let written = data.withUnsafeBytes { bytes -> Int in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return -1
                }
                offset += n
            }
            return offset
        }
        let writeErrno = errno
        if written < 0 || close(fd) != 0 {
            let code = written < 0 ? writeErrno : errno
            unlink(temporary)
            throw FileError(path: path, operation: "writing", errno: code)
        }
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw FileError(path: path, operation: "writing", errno: code)
        }
    }
}
