import ChildProcess
import Foundation
import Testing

import SystemCalls

/// The typed wrappers against the real kernel: each failure arrives as the errno it is.
@Suite struct RealCallErrorTests {
    /// A fresh empty directory, removed by the caller.
    private func scratchDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("syscalls-\(UUID().uuidString)").path
        try FilePaths.makeDirectory(path, permissions: 0o700)
        return path
    }

    @Test func openingAMissingFileIsNoSuchFileNamingThePath() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: SystemCallError(operation: "open \(directory)/missing", code: .noSuchFile)) {
            try FileDescriptor.open(directory + "/missing", .readWrite)
        }
    }

    @Test func creatingExclusivelyOverAnExistingFileIsFileExists() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/taken"
        try FileDescriptor.open(path, [.writeOnly, .create, .exclusive]).close()
        let error = #expect(throws: SystemCallError.self) {
            try FileDescriptor.open(path, [.writeOnly, .create, .exclusive])
        }
        #expect(error?.code == .fileExists)
    }

    @Test func makingADirectoryThatExistsIsFileExistsAndUnderAFileIsNotDirectory() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: SystemCallError(operation: "mkdir \(directory)", code: .fileExists)) {
            try FilePaths.makeDirectory(directory)
        }
        try FileDescriptor.open(directory + "/file", [.writeOnly, .create]).close()
        let error = #expect(throws: SystemCallError.self) { try FilePaths.makeDirectory(directory + "/file/sub") }
        #expect(error?.code == .notDirectory)
        #expect(error?.reason == "Not a directory")
    }

    @Test func renamingOrRemovingAMissingFileIsNoSuchFile() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rename = #expect(throws: SystemCallError.self) { try FilePaths.rename(directory + "/a", to: directory + "/b") }
        #expect(rename?.code == .noSuchFile)
        let remove = #expect(throws: SystemCallError.self) { try FilePaths.remove(directory + "/a") }
        #expect(remove?.code == .noSuchFile)
    }

    @Test func aSecondOpenOfALockedFileCannotTakeTheLockUntilTheFirstCloses() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/lock"
        let first = try FileDescriptor.open(path, [.readWrite, .create, .closeOnExec])
        let second = try FileDescriptor.open(path, [.readWrite, .closeOnExec])
        defer { try? second.close() }
        #expect(try first.tryLockExclusively())
        #expect(try !second.tryLockExclusively())  // EWOULDBLOCK is an answer, not an error
        try first.close()
        #expect(try second.tryLockExclusively())
    }

    @Test func lockingAClosedDescriptorIsBadDescriptor() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try FileDescriptor.open(directory + "/f", [.readWrite, .create])
        try file.close()
        #expect(throws: SystemCallError(operation: "flock", code: .badDescriptor)) { try file.tryLockExclusively() }
        #expect(throws: SystemCallError(operation: "close", code: .badDescriptor)) { try file.close() }
    }

    @Test func writesLandWhereAskedAndPermissionsAreExact() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/f"
        let file = try FileDescriptor.open(path, [.writeOnly, .create, .exclusive], permissions: 0o644)
        try file.writeAll(Array("hello world".utf8))
        try file.writeAll(Array("W".utf8), at: 6)
        try file.setPermissions(0o600)
        try file.synchronize()
        try file.truncate(to: 9)
        try file.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "hello Wor")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!file.isTerminal)
    }

    @Test func theProcessReadingsAreSane() throws {
        let before = CurrentProcess.monotonicNanoseconds()
        #expect(CurrentProcess.monotonicNanoseconds() >= before)
        let time = CurrentProcess.cpuTime(of: .process)
        #expect(time.user >= 0 && time.system >= 0 && time.user + time.system > 0)
        #expect(CurrentProcess.cpuTime(of: .children).user >= 0)
        #expect(CurrentProcess.id == getpid())
        #expect(try CurrentProcess.machine() == unameMachine())
    }

    /// What `uname -m` prints.
    private func unameMachine() throws -> String {
        let uname = try #require(Executables.find("uname"))
        return try ChildProcess.run(uname, ["-m"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func readToEnd_readsAProcFileWhoseSizeStatDoesNotTell_upToTheLimit() throws {
        let descriptor = try FileDescriptor.open("/proc/self/status", [.readOnly, .closeOnExec])
        defer { try? descriptor.close() }
        let text = String(decoding: try descriptor.readToEnd(), as: UTF8.self)
        #expect(text.contains("\nPid:\t\(CurrentProcess.id)\n"))
        let again = try FileDescriptor.open("/proc/self/status", [.readOnly, .closeOnExec])
        defer { try? again.close() }
        #expect(try again.readToEnd(limit: 10).count == 10)
    }

    @Test func truncateAndAppend_replaceOrExtendWhatIsThere() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/value"
        try FileDescriptor.open(path, [.writeOnly, .create]).close()
        for (bytes, options) in [("max 100000", FileDescriptor.Options.truncate), ("20000", .truncate), ("1", .append), ("2", .append)] {
            let descriptor = try FileDescriptor.open(path, [.writeOnly, options])
            try descriptor.writeAll(Array(bytes.utf8))
            try descriptor.close()
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "2000012")
    }

    @Test func removingADirectory_thatHoldsAFileIsNotEmpty_thatIsGoneIsNoSuchFile() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FilePaths.makeDirectory(directory + "/child")
        try FileDescriptor.open(directory + "/child/file", [.writeOnly, .create]).close()
        #expect(throws: SystemCallError(operation: "rmdir \(directory)/child", code: .directoryNotEmpty)) {
            try FilePaths.removeDirectory(directory + "/child")
        }
        try FilePaths.remove(directory + "/child/file")
        try FilePaths.removeDirectory(directory + "/child")
        #expect(throws: SystemCallError(operation: "rmdir \(directory)/child", code: .noSuchFile)) {
            try FilePaths.removeDirectory(directory + "/child")
        }
    }
}
