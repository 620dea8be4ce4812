import Allocation
import ArgumentParser
import Foundation
import QoSModel
import ServicePlanning

/// `node allocate --instance FILE.json`: choose every service's level to maximise the weighted
/// QoS within the pooled capacity, with one of the solvers or baselines of the `Allocation` target.
struct AllocateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate",
        abstract: "Choose every service's level to maximise the total weighted QoS within the boards' pooled capacity.",
        discussion: """
            FILE.json lists boards (capacity, pooled per resource: CPU in cores, memory in MiB) and \
            services (an id, a weight, default 1, and a ladder of levels, each with a QoS value in \
            [0, 1] and its demand):

              {"boards": [{"id": "b1", "cpu": 1.5, "memoryMiB": 512}],
               "services": [{"id": "s1", "weight": 2,
                 "levels": [{"name": "HD", "value": 0.8, "cpu": 0.9, "memoryMiB": 40},
                            {"name": "SD", "value": 0.5, "cpu": 0.35, "memoryMiB": 20}]}]}

            A board may instead name its capability profile ("profile": "amd-epyc.vm", read from \
            --profiles-dir, or a path ending in .json relative to FILE; its cpu and memoryMiB are then \
            what it has spare), and a service may give a request instead of levels ("request": \
            {"video": "HD", "audio": "high", "accept": ["SD"], "streams": 1}): each level is then \
            valued as SD 0.5, HD 0.8, FHD 1.0 (audio low 0.6, medium 0.8, high 1.0; video carries 80% \
            of a video+audio level) and priced as formation reserves it (the profile's CPU per media \
            second with 25% headroom, one decoder's memory per stream).

            Algorithms: exact (branch and bound, optimal), fptas (at least (1 - epsilon) x optimal), \
            greedy (convex hulls, with the LP bound), and the baselines fcfs (first come, first \
            served: today's daemon), wa and ua (capacity split by weight or equally) and raa (the \
            gateway system's allocator).
            """
    )

    @Option(help: ArgumentHelp("The instance to solve (JSON, see above).", valueName: "file"))
    var instance: String

    @Option(help: "exact, fptas, greedy, fcfs, wa, ua or raa.")
    var algorithm: Algorithm = .exact

    @Option(help: "FPTAS only: the allowed relative loss, in (0, 1).")
    var epsilon: Double = 0.1

    @Option(help: "RAA only: how far one step raises a service's QoS value, in (0, 1].")
    var step: Double = 0.1

    @Option(name: .customLong("profiles-dir"), help: ArgumentHelp("Where boards' profiles are found by name.", valueName: "directory"))
    var profilesDirectory: String = "profiles"

    @Flag(help: "Print the answer as one JSON object.")
    var json = false

    func validate() throws {
        guard epsilon > 0, epsilon < 1 else { throw ValidationError("--epsilon must be in (0, 1), got \(epsilon)") }
        guard step > 0, step <= 1 else { throw ValidationError("--step must be in (0, 1], got \(step)") }
    }

    func run() throws {
        let loaded = try AllocationInput.load(instance, profilesDirectory: profilesDirectory)
        let clock = ContinuousClock()
        var solution: Solution?
        let elapsed = clock.measure { solution = loaded.solve(with: algorithm, epsilon: epsilon, step: step) }
        let answer = AllocationAnswer(loaded, solution!, milliseconds: elapsed.milliseconds)
        print(json ? answer.jsonLine : answer.table(loaded))
    }
}

extension Algorithm: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension Duration {
    /// The duration in milliseconds, with its fraction.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }
}
