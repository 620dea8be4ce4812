import Allocation
import ArgumentParser
import Foundation

/// `coalition-bench allocation`: the solvers' times and answers on seeded random instances of
/// several sizes, every algorithm on the same instances, the exact solver as the anchor.
struct BenchAllocationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocation",
        abstract: "Allocation solvers on seeded instances of 10 to 200 services: time, and answer against exact in the same run.",
        discussion: """
            Pure computation (no lab, no root). Goals on this machine: greedy <= 1 ms and exact <= 50 ms \
            at 100 services x 5 levels. The README's figures:
              swift build -c release && .build/release/coalition-bench allocation
            """
    )

    @Option(help: "Service counts, comma-separated (1...10000).", transform: { $0.split(separator: ",").compactMap { Int($0) } })
    var sizes: [Int] = [10, 25, 50, 100, 200]

    @Option(help: "Levels per service (1...64).")
    var levels: Int = 5

    @Option(help: "Instances per size.")
    var instances: Int = 30

    @Option(help: "Capacity as a fraction of the services' total top demand, per resource, in (0, 1].")
    var tightness: Double = 0.4

    @Option(help: "FPTAS epsilons, comma-separated, each in (0, 1).", transform: { $0.split(separator: ",").compactMap { Double($0) } })
    var epsilon: [Double] = [0.1, 0.3]

    @Option(help: "The seed of the first instance (instance i of a size uses seed + i).")
    var seed: UInt64 = 1

    @Flag(help: "Print each size's figures as one JSON line.")
    var json = false

    func validate() throws {
        guard !sizes.isEmpty, sizes.allSatisfy({ (1...10_000).contains($0) }) else { throw ValidationError("--sizes must list counts in 1...10000") }
        guard (1...64).contains(levels) else { throw ValidationError("--levels must be in 1...64") }
        guard instances >= 1 else { throw ValidationError("--instances must be at least 1") }
        guard tightness > 0, tightness <= 1 else { throw ValidationError("--tightness must be in (0, 1]") }
        guard !epsilon.isEmpty, epsilon.allSatisfy({ $0 > 0 && $0 < 1 }) else { throw ValidationError("--epsilon must list values in (0, 1)") }
    }

    func run() throws {
        for size in sizes {
            let figures = measure(services: size)
            say(json ? jsonLine(figures) : figures.table + "\n" + goals(figures))
        }
    }

    /// Every algorithm on the same `instances` instances of `services` services.
    func measure(services: Int) -> SolverFigures {
        let runs: [(name: String, solve: (Instance) -> Solution)] =
            [("exact", { ExactSolver().solve($0) })]
            + epsilon.map { e in ("fptas(\(e))", { FPTASSolver(epsilon: e).solve($0) }) }
            + [
                ("greedy", { GreedySolver().solve($0) }), ("raa", { RAASolver().solve($0) }),
                ("wa", { ProportionalShareSolver(weighted: true).solve($0) }),
                ("ua", { ProportionalShareSolver(weighted: false).solve($0) }),
                ("fcfs", { FirstComeFirstServedSolver().solve($0) }),
            ]
        let generator = InstanceGenerator(services: services, levels: levels, tightness: tightness)
        var millis: [String: [Double]] = [:]
        var objectives: [String: [Double]] = [:]
        var gaps: [String: [Double?]] = [:]
        let clock = ContinuousClock()
        for i in 0..<instances {
            var random = SplitMix64(seed: seed &+ UInt64(i))
            let instance = generator.make(using: &random)
            for run in runs {
                if i == 0 { _ = run.solve(instance) }  // warm the caches once per size
                var solution: Solution?
                let elapsed = clock.measure { solution = run.solve(instance) }
                let (seconds, attoseconds) = elapsed.components
                millis[run.name, default: []].append(Double(seconds) * 1_000 + Double(attoseconds) / 1e15)
                objectives[run.name, default: []].append(solution!.objective)
                gaps[run.name, default: []].append(solution!.upperBound == nil ? nil : solution!.relativeGap)
            }
        }
        return SolverFigures(
            services: services, levels: levels, seed: seed, order: runs.map(\.name), millis: millis, objectives: objectives,
            gaps: gaps)
    }

    /// The goals, checked against this size's figures where they apply (100 services).
    func goals(_ figures: SolverFigures) -> String {
        guard figures.services == 100, figures.levels == 5 else { return "" }
        let greedy = figures.rows.first { $0.algorithm == "greedy" }!
        let exact = figures.rows.first { $0.algorithm == "exact" }!
        return String(
            format: "  goals at 100 x 5: greedy <= 1 ms: p99 %.3f ms (%@); exact <= 50 ms: p99 %.2f ms (%@)\n", greedy.p99Millis,
            greedy.p99Millis <= 1 ? "met" : "NOT met", exact.p99Millis, exact.p99Millis <= 50 ? "met" : "NOT met")
    }
}
