import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its figures."
    )

    func run() async throws {
        throw NotBuiltYet(command: "bench")
    }
}
