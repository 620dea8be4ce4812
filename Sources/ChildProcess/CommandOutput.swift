/// The outcome of a program run to completion.
public struct CommandOutput: Sendable, CustomStringConvertible {
    /// The exit status (or, for a program killed by a signal, 128 + the signal).
    public let status: Int32
    /// What the program wrote to standard output (empty when it was not captured).
    public let stdout: String
    /// What the program wrote to standard error (empty when it was not captured).
    public let stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// True when the program exited with status 0.
    public var succeeded: Bool { status == 0 }

    /// Standard output, then standard error: for tools (ffmpeg) that report on either.
    public var combined: String { stdout + stderr }

    public var description: String {
        "exit \(status); stdout: \(stdout.isEmpty ? "(empty)" : stdout); stderr: \(stderr.isEmpty ? "(empty)" : stderr)"
    }
}
