import SystemCalls

/// The file operations on cgroupfs, each failing with a ``CgroupError`` that names the path.
///
/// Control files are written with one `write(2)` per value, as the kernel takes each write as
/// one command; limits are opened with `O_TRUNC` and `cgroup.procs` with `O_APPEND`, which
/// cgroupfs ignores and which keep an ordinary file (a test's tree) holding what was written.
/// Nothing here creates a control file: a missing one is a missing controller.
enum CgroupFiles {
    /// The whole text of a file.
    static func read(_ path: String) throws(CgroupError) -> String {
        do {
            let descriptor = try FileDescriptor.open(path, [.readOnly, .closeOnExec])
            defer { try? descriptor.close() }
            return String(decoding: try descriptor.readToEnd(), as: UTF8.self)
        } catch {
            throw CgroupError.from(error, path: path)
        }
    }

    /// The text of a file, or nil when it does not exist (an optional feature of the kernel).
    static func readIfPresent(_ path: String) throws(CgroupError) -> String? {
        do {
            return try read(path)
        } catch where error.systemError?.code == .noSuchFile {
            return nil
        }
    }

    /// Writes `value` to an existing control file in one call.
    static func write(_ value: String, to path: String, appending: Bool = false) throws(CgroupError) {
        do {
            let descriptor = try FileDescriptor.open(path, [.writeOnly, .closeOnExec, appending ? .append : .truncate])
            defer { try? descriptor.close() }
            try descriptor.writeAll(Array(value.utf8))
        } catch {
            throw CgroupError.from(error, path: path)
        }
    }

    /// Whether `path` names an existing file or directory.
    static func exists(_ path: String) -> Bool {
        do {
            let descriptor = try FileDescriptor.open(path, [.readOnly, .closeOnExec])
            try? descriptor.close()
            return true
        } catch {
            return error.code != .noSuchFile
        }
    }

    /// Makes a cgroup directory; false when it was already there.
    static func makeDirectory(_ path: String) throws(CgroupError) -> Bool {
        do {
            try FilePaths.makeDirectory(path)
            return true
        } catch where error.code == .fileExists {
            return false
        } catch {
            throw CgroupError.from(error, path: path)
        }
    }

    /// Removes a cgroup directory; false when it was already gone.
    static func removeDirectory(_ path: String) throws(SystemCallError) -> Bool {
        do {
            try FilePaths.removeDirectory(path)
            return true
        } catch where error.code == .noSuchFile {
            return false
        }
    }
}
