import ArgumentParser

/// `coalition-bench`: the benchmarks, an executable of their own so that no board's `node`
/// carries them. Each prints its figures beside its anchor's, measured in the same run.
@main
struct CoalitionBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coalition-bench",
        abstract: "Run a benchmark and print its figures beside its anchor's.",
        subcommands: [
            BenchProfileCommand.self, BenchMembershipCommand.self, BenchFormationCommand.self, FormationTrialsCommand.self,
            BenchRebuildCommand.self, BenchAllocationCommand.self, BenchSimulateCommand.self, BenchStreamCommand.self, MemberUnitsCommand.self,
            BenchLivePageCommand.self, BenchUnitsCommand.self,
        ]
    )
}
