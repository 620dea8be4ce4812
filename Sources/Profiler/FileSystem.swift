import Foundation
import SystemCalls

/// The few file operations the profiler needs, with POSIX reasons in their errors.
enum FileSystem {
    /// `mkdir -p`. Throws `FileError` naming the directory that could not be made and why.
    static func makeDirectories(_ path: String, purpose: String) throws(FileError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw FileError(path: path, operation: purpose, reason: SystemCallError.Code.notDirectory.description)
        }
        let parent = (path as NSString).deletingLastPathComponent
        if parent != path, !parent.isEmpty { try makeDirectories(parent, purpose: purpose) }
        do {
            try FilePaths.makeDirectory(path, permissions: 0o755)
        } catch where error.code == .fileExists {
            return  // made meanwhile by someone else
        } catch {
            throw FileError(path: path, operation: purpose, error)
        }
    }

    /// Writes `data` to a temporary file beside `path` and renames it into place.
    static func writeAtomically(_ data: Data, to path: String) throws(FileError) {
        let temporary = "\(path).\(CurrentProcess.id)-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(temporary, [.writeOnly, .create, .exclusive], permissions: 0o644)
        } catch {
            throw FileError(path: path, operation: "writing", error)
        }
        do throws(SystemCallError) {
            do throws(SystemCallError) {
                try file.writeAll([UInt8](data))
            } catch {
                try? file.close()
                throw error
            }
            try file.close()
            try FilePaths.rename(temporary, to: path)
        } catch {
            try? FilePaths.remove(temporary)
            throw FileError(path: path, operation: "writing", error)
        }
    }
}
