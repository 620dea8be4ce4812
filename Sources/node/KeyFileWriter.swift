import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a secret file readable by its owner only: created with mode 0600 from the start, so
/// the key is never on disk with wider permissions, not even for a moment.
enum KeyFileWriter {
    /// Why the file was not written, naming it and what to do.
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "\(path): \(reason)" }
    }

    /// Writes `contents` to `path` with mode 0600. An existing file is refused unless
    /// `replacing`; then it is replaced in one step (a new file renamed over it).
    static func write(_ contents: String, to path: String, replacing: Bool) throws(Failure) {
        guard replacing else {
            try create(path, contents: contents, exists: "it already exists; a coalition key is not overwritten unless you pass --force (boards still using it would be locked out)")
            return
        }
        let temporary = "\(path).new-\(getpid())"
        try create(temporary, contents: contents, exists: "a leftover \(temporary) is in the way; remove it")
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(path: path, reason: "cannot replace it: \(reason)")
        }
    }

    private static func create(_ path: String, contents: String, exists: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            throw Failure(path: path, reason: code == EEXIST ? exists : "cannot create it: \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        let bytes = Array(contents.utf8)
        // The umask may only have narrowed 0600; make it exactly that.
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard fchmod(descriptor, 0o600) == 0, written == bytes.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw Failure(path: path, reason: "cannot write it: \(reason)")
        }
    }
}
