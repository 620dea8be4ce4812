import ChildProcess
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `scripts/lab` run on one lab's directory, with this process recorded as the lab's owner.
struct LabScript: Sendable {
    let path: String
    let directory: String

    /// Our environment with the lab's directory and owner.
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["COALITION_LAB_DIR"] = directory
        environment["COALITION_LAB_OWNER_PID"] = String(getpid())
        return environment
    }

    /// Runs `scripts/lab ARGUMENTS` to completion; a failure is returned, not thrown.
    func invoke(_ arguments: [String]) throws -> CommandOutput {
        try ChildProcess.run(path, arguments, environment: environment)
    }

    /// Runs `scripts/lab ARGUMENTS` to completion; throws ``LabError`` when it fails.
    @discardableResult
    func check(_ arguments: [String]) throws -> CommandOutput {
        let output = try invoke(arguments)
        guard output.succeeded else { throw LabError(arguments: arguments, output: output) }
        return output
    }
}
