import ArgumentParser

/// The `node` executable: every board of a coalition runs the same binary.
@main
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Coalition: single-board computers pooling their spare capacity for multimedia services.",
        discussion: """
            Run `node profile` once per device to measure what it can decode, `node join` on every \
            board to take part in the coalition, and `node request` to have the coalition deliver \
            a service at a guaranteed quality.
            """,
        subcommands: [
            JoinCommand.self, RequestCommand.self, ReleaseCommand.self, ProfileCommand.self,
            StatusCommand.self, KeygenCommand.self, AllocateCommand.self, WorkerCommand.self,
        ]
    )
}

/// Thrown by a subcommand whose capability is not built yet: it says so and exits non-zero.
struct NotBuiltYet: Error, CustomStringConvertible {
    let command: String
    var description: String { "`node \(command)` is not built yet in this version of Coalition." }
}
