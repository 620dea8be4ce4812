import ArgumentParser

struct JoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Take part in the coalition: announce this node, keep heartbeat links, answer QoS queries."
    )

    func run() async throws {
        throw NotBuiltYet(command: "join")
    }
}
