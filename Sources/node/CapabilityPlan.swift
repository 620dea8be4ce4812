import ChildProcess
import Foundation

/// How `node join` gets the capability table it announces: the file given with `--profile`,
/// else this device's file in the profiles directory, else one measured now by `node profile`.
/// Pure: the caller says which files exist.
enum CapabilityPlan: Equatable {
    /// Load this file.
    case load(path: String)
    /// No profile for this device yet: run `node profile --out directory`, which writes `path`,
    /// then load it.
    case measure(directory: String, path: String)
    /// No profile and measuring is not wanted (`--skip-profiling`): announce none and answer
    /// every QoS query with share 0.
    case none(reason: String)

    /// Decides where the table comes from.
    /// - Parameters:
    ///   - explicitPath: `--profile`, which always wins (and must load).
    ///   - directory: `--profiles-dir` (default `profiles`).
    ///   - deviceID: this device's profile id (`ProfileNaming.id`), the file's base name; asked
    ///     only when no explicit path is given (probing the device reads /proc).
    ///   - skipProfiling: `--skip-profiling`.
    ///   - fileExists: whether a path names a readable file.
    static func decide(
        explicitPath: String?, directory: String, deviceID: () throws -> String, skipProfiling: Bool,
        fileExists: (String) -> Bool
    ) rethrows -> CapabilityPlan {
        if let explicitPath { return .load(path: explicitPath) }
        let path = (directory.hasSuffix("/") ? directory : directory + "/") + "\(try deviceID()).json"
        if fileExists(path) { return .load(path: path) }
        if skipProfiling {
            return .none(reason: "no profile at \(path) and --skip-profiling given")
        }
        return .measure(directory: directory, path: path)
    }
}

/// Runs `node profile` as a child process, so the daemon itself never loads FFmpeg: the
/// decoders' memory goes away with the child.
enum ProfileMeasurement {
    /// A measurement that did not produce a profile.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `<this executable> profile --out directory [--quick]` with its output on our
    /// standard error (the daemon's log) and waits for it.
    static func run(directory: String, quick: Bool) throws(Failure) {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let output: CommandOutput
        do {
            output = try ChildProcess.run(
                executable, ["profile", "--out", directory] + (quick ? ["--quick"] : []), output: .standardError)
        } catch {
            throw Failure(description: "cannot start `node profile`: \(error)")
        }
        guard output.succeeded else {
            let how = output.status > 128 ? "was killed by signal \(output.status - 128)" : "exited with status \(output.status)"
            throw Failure(description: "`node profile --out \(directory)` \(how)")
        }
    }
}
