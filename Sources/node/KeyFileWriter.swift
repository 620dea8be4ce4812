import SystemCalls

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
        let temporary = "\(path).new-\(CurrentProcess.id)"
        try create(temporary, contents: contents, exists: "a leftover \(temporary) is in the way; remove it")
        do {
            try FilePaths.rename(temporary, to: path)
        } catch {
            try? FilePaths.remove(temporary)
            throw Failure(path: path, reason: "cannot replace it: \(error.reason)")
        }
    }

    private static func create(_ path: String, contents: String, exists: String) throws(Failure) {
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(path, [.writeOnly, .create, .exclusive, .closeOnExec], permissions: 0o600)
        } catch {
            throw Failure(path: path, reason: error.code == .fileExists ? exists : "cannot create it: \(error.reason)")
        }
        defer { try? file.close() }
        do {
            try file.writeAll(Array(contents.utf8))
            // The umask may only have narrowed 0600; make it exactly that.
            try file.setPermissions(0o600)
            try file.synchronize()
        } catch {
            try? FilePaths.remove(path)
            throw Failure(path: path, reason: "cannot write it: \(error.reason)")
        }
    }
}
