import ArgumentParser

struct ReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release a service this node requested."
    )

    func run() async throws {
        throw NotBuiltYet(command: "release")
    }
}
