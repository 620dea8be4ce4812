import Foundation

/// The one way the package runs a program: `Foundation.Process`, standard input from
/// `/dev/null`, the output captured through temporary files or handed to our standard error.
///
/// Temporary files rather than pipes: a daemon that the program leaves behind inherits them,
/// and a pipe it holds open would keep us waiting for an end of file that never comes.
public enum ChildProcess {
    /// Where a program's standard output and standard error go.
    public enum Output: Sendable {
        /// Into the returned ``CommandOutput``.
        case captured
        /// To our standard error, as it is written (a child's progress in a daemon's log).
        case standardError
    }

    /// A process, not yet started, for `executable` with `arguments` and, when given, exactly
    /// `environment`; standard input is `/dev/null`. For a caller that must start it, watch it
    /// and wait for it itself; ``run(_:_:environment:output:)`` does all of that.
    public static func prepare(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        return process
    }

    /// Runs `executable` to completion. A non-zero exit is returned, not thrown; a program that
    /// cannot be started throws.
    /// - Parameter environment: the whole environment of the program; nil passes ours.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, output: Output = .captured
    ) throws -> CommandOutput {
        let process = prepare(executable, arguments, environment: environment)
        switch output {
        case .standardError:
            process.standardOutput = FileHandle.standardError
            process.standardError = FileHandle.standardError
            try process.run()
            process.waitUntilExit()
            return CommandOutput(status: status(of: process), stdout: "", stderr: "")
        case .captured:
            let files = try CaptureFiles()
            defer { files.remove() }
            process.standardOutput = files.out
            process.standardError = files.err
            try process.run()
            process.waitUntilExit()
            let (stdout, stderr) = try files.read()
            return CommandOutput(status: status(of: process), stdout: stdout, stderr: stderr)
        }
    }

    /// The exit status, or 128 + the signal that killed it.
    private static func status(of process: Process) -> Int32 {
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// Two temporary files that take a program's standard output and standard error.
private struct CaptureFiles {
    let outURL: URL
    let errURL: URL
    let out: FileHandle
    let err: FileHandle

    init() throws {
        let temporary = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        outURL = temporary.appendingPathComponent("child-\(id).out")
        errURL = temporary.appendingPathComponent("child-\(id).err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        out = try FileHandle(forWritingTo: outURL)
        err = try FileHandle(forWritingTo: errURL)
    }

    /// Closes our handles and reads what the program wrote.
    func read() throws -> (String, String) {
        try out.close()
        try err.close()
        return (
            String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
            String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        )
    }

    func remove() {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
}
