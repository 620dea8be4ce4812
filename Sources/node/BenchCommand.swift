import ArgumentParser

/// `node bench`: benchmarks that print figures and ratios. Each benchmark is a subcommand.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its figures.",
        subcommands: [BenchProfileCommand.self, BenchMembershipCommand.self, BenchFormationCommand.self]
    )
}
