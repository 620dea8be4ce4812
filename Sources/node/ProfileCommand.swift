import ArgumentParser

struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Measure what this device can decode and write its capability table."
    )

    func run() async throws {
        throw NotBuiltYet(command: "profile")
    }
}
