import ChildProcess

/// A `scripts/lab` command that failed, with what it printed.
public struct LabError: Error, CustomStringConvertible {
    public let arguments: [String]
    public let output: CommandOutput

    public var description: String { "lab \(arguments.joined(separator: " ")) failed: \(output)" }
}
