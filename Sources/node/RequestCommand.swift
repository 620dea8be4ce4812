import ArgumentParser

struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Ask the coalition to deliver a service at a minimum quality."
    )

    func run() async throws {
        throw NotBuiltYet(command: "request")
    }
}
