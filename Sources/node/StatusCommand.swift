import ArgumentParser

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show this node's peers and services, from the running daemon."
    )

    func run() async throws {
        throw NotBuiltYet(command: "status")
    }
}
