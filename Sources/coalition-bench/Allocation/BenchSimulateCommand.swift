import Allocation
import ArgumentParser
import Foundation
import QoSModel
import ServicePlanning

/// `coalition-bench simulate`: the gateway experiment, side by side. Poisson arrivals with
/// lifetimes uniform in a range on a modelled coalition; every algorithm on the same arrivals.
struct BenchSimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Services arriving and leaving on a modelled coalition: the weighted QoS every allocator delivers on the same arrivals.",
        discussion: """
            The gateway system's settings by default: 1 to 5 requests per minute, lifetimes uniform in \
            1 to 10 minutes, 30-minute runs, epsilon 0.1, RAA step 0.1. Pure computation (no lab, no \
            root). The README's table:
              swift build -c release && .build/release/coalition-bench simulate --runs 20
            """
    )

    @Option(help: "Mean requests per minute, comma-separated.", transform: { $0.split(separator: ",").compactMap { Double($0) } })
    var rates: [Double] = [1, 2, 3, 4, 5]

    @Option(help: "Lifetime range in minutes, as MIN,MAX.", transform: { $0.split(separator: ",").compactMap { Double($0) } })
    var lifetime: [Double] = [1, 10]

    @Option(help: "Minutes per run.")
    var minutes: Double = 30

    @Option(help: "Seeded runs per rate (run r uses --seed + r; every algorithm sees the same arrivals).")
    var runs: Int = 10

    @Option(help: "The first run's seed.")
    var seed: UInt64 = 1

    @Option(help: "Boards in the modelled coalition.")
    var boards: Int = 5

    @Option(help: "Each board's spare CPU range, in cores of the profile, as MIN,MAX.", transform: { $0.split(separator: ",").compactMap { Double($0) } })
    var spare: [Double] = [0.2, 0.6]

    @Option(help: ArgumentHelp("The boards' capability profile.", valueName: "file"))
    var profile: String = "profiles/amd-epyc.vm.json"

    @Option(help: "FPTAS's epsilon, in (0, 1).")
    var epsilon: Double = 0.1

    @Option(help: "RAA's step, in (0, 1].")
    var step: Double = 0.1

    @Option(help: ArgumentHelp("Where to write the plot of QoS over time (the middle rate's first run).", valueName: "file"))
    var svg: String = "simulate.svg"

    @Flag(help: "Arrival times and lifetimes as real numbers, instead of whole minutes as the seed's request generator makes them.")
    var continuous = false

    @Flag(help: "Print each rate's figures as one JSON line.")
    var json = false

    func validate() throws {
        guard !rates.isEmpty, rates.allSatisfy({ $0 > 0 && $0 <= 1_000 }) else { throw ValidationError("--rates must list rates in (0, 1000]") }
        guard lifetime.count == 2, lifetime[0] > 0, lifetime[0] <= lifetime[1] else { throw ValidationError("--lifetime must be MIN,MAX with 0 < MIN <= MAX") }
        guard minutes > 0, minutes <= 100_000 else { throw ValidationError("--minutes must be in (0, 100000]") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard (1...1_024).contains(boards) else { throw ValidationError("--boards must be in 1...1024") }
        guard spare.count == 2, spare[0] >= 0, spare[0] <= spare[1] else { throw ValidationError("--spare must be MIN,MAX with 0 <= MIN <= MAX") }
        guard epsilon > 0, epsilon < 1 else { throw ValidationError("--epsilon must be in (0, 1)") }
        guard step > 0, step <= 1 else { throw ValidationError("--step must be in (0, 1]") }
    }

    func run() throws {
        guard let bytes = FileManager.default.contents(atPath: profile) else { throw BenchFailure("\(profile): cannot be read") }
        let measured = try CapabilityProfile.decode(bytes, file: profile)
        let coalition = SimulatedCoalition(boards: boards, spareCores: spare[0]...spare[1])
        let workloadFor = { (rate: Double) in Workload(requestsPerMinute: rate, lifetimeMinutes: lifetime[0]...lifetime[1], durationMinutes: minutes, wholeMinutes: !continuous) }
        say(
            "simulate: \(boards) boards of \(measured.id) with \(spare[0])-\(spare[1]) spare cores each, lifetimes \(lifetime[0])-\(lifetime[1]) min, \(minutes) min per run")
        let plotted = rates[rates.count / 2]
        var plot: [(name: String, points: [ChurnReport.Timepoint])] = []
        for rate in rates {
            var reports: [String: [ChurnReport]] = [:]
            var millis: [String: [Double]] = [:]
            for r in 0..<runs {
                var random = SplitMix64(seed: seed &+ UInt64(r))
                let (capacity, model) = coalition.model(measured, using: &random)
                let arrivals = workloadFor(rate).arrivals(using: &random) { i, random in coalition.service(i, model: model, using: &random) }
                let simulation = ChurnSimulation(capacity: capacity)
                for (name, planner, solve) in algorithms() {
                    var times: [Double] = []
                    let clock = ContinuousClock()
                    let report = simulation.run(arrivals, until: minutes, planner: planner) { instance in
                        var solution: Solution?
                        let elapsed = clock.measure { solution = solve(instance) }
                        let (seconds, attoseconds) = elapsed.components
                        times.append(Double(seconds) * 1_000 + Double(attoseconds) / 1e15)
                        return solution!
                    }
                    reports[name, default: []].append(report)
                    millis[name, default: []] += times
                    if rate == plotted, r == 0 { plot.append((name, report.timeline)) }
                }
            }
            let figures = SimulationFigures(
                requestsPerMinute: rate, runs: runs,
                rows: algorithms().map { SimulationRow(algorithm: $0.name, reports: reports[$0.name]!, millis: millis[$0.name]!) })
            say(json ? jsonLine(figures) : figures.table)
        }
        let title = String(format: "normalised weighted QoS over time, %.0f request(s)/min, seed %llu", plotted, seed)
        try QoSPlot.svg(title: title, minutes: minutes, series: plot).write(toFile: svg, atomically: true, encoding: .utf8)
        say("wrote \(svg)")
    }

    /// Every allocator, by the name printed: the solvers re-plan at every change; FCFS is
    /// today's daemon (no step-down, upgrades when capacity frees); `bounded` is `Replanner`'s
    /// rule with the exact solver (capacity passes only to strictly heavier services, a service
    /// steps down at most once a minute).
    func algorithms() -> [(name: String, planner: Planner, solve: (Instance) -> Solution)] {
        let none: (Instance) -> Solution = { _ in fatalError("FCFS does not re-plan") }
        return [
            ("exact", .replan, { ExactSolver().solve($0) }),
            ("fptas(\(epsilon))", .replan, { [epsilon] in FPTASSolver(epsilon: epsilon).solve($0) }),
            ("greedy", .replan, { GreedySolver().solve($0) }),
            ("raa", .replan, { [step] in RAASolver(step: step).solve($0) }),
            ("wa", .replan, { ProportionalShareSolver(weighted: true).solve($0) }),
            ("ua", .replan, { ProportionalShareSolver(weighted: false).solve($0) }),
            ("fcfs", .firstComeFirstServed, none),
            ("bounded", .bounded(cooldownMinutes: 1), { ExactSolver().solve($0) }),
        ]
    }
}
