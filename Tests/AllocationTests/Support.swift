import Allocation
import Testing

/// The optimum by enumerating every choice (none or any level per service). Skips only
/// choices over capacity, and branches whose value plus every later service at its most
/// valuable level cannot beat the best found: nothing a solver computes is trusted.
func bruteForce(_ instance: Instance) -> Double {
    var enumeration = Enumeration(instance)
    enumeration.visit(0, 0)
    return enumeration.best
}

private struct Enumeration {
    let d: Int
    let capacity: [Double]
    /// Per service: its levels as (profit, demand...) rows.
    let profits: [[Double]]
    let demands: [[[Double]]]
    /// The sum of the most valuable profits of services s...
    let optimistic: [Double]
    var usage: [Double]
    var best = 0.0

    init(_ instance: Instance) {
        d = instance.dimensions
        capacity = instance.capacity.map { $0 + max($0 * 1e-9, 1e-12) }
        profits = instance.services.map { service in service.levels.map { service.weight * $0.value } }
        demands = instance.services.map { $0.levels.map(\.demand) }
        var sums = [Double](repeating: 0, count: profits.count + 1)
        for s in stride(from: profits.count - 1, through: 0, by: -1) { sums[s] = sums[s + 1] + profits[s].max()! }
        optimistic = sums
        usage = [Double](repeating: 0, count: d)
    }

    mutating func visit(_ s: Int, _ value: Double) {
        if s == profits.count {
            best = max(best, value)
            return
        }
        if value + optimistic[s] <= best { return }
        visit(s + 1, value)
        for l in profits[s].indices {
            var fits = true
            for r in 0..<d where usage[r] + demands[s][l][r] > capacity[r] { fits = false }
            guard fits else { continue }
            for r in 0..<d { usage[r] += demands[s][l][r] }
            visit(s + 1, value + profits[s][l])
            for r in 0..<d { usage[r] -= demands[s][l][r] }
        }
    }
}

/// A small random instance (0 to 7 services, 1 to 4 levels, 1 to 3 resources, regular or
/// irregular ladders, loose or tight capacity), the same for the same seed.
func smallInstance(seed: UInt64, dimensions: Int? = nil) -> Instance {
    var random = SplitMix64(seed: seed)
    let generator = InstanceGenerator(
        services: Int.random(in: 0...7, using: &random),
        levels: Int.random(in: 1...4, using: &random),
        dimensions: dimensions ?? Int.random(in: 1...3, using: &random),
        tightness: Double.random(in: 0.05...0.9, using: &random),
        maximumWeight: Int.random(in: 1...6, using: &random),
        irregular: Bool.random(using: &random))
    return generator.make(using: &random)
}

/// A medium random instance of `services` x 5 levels on `dimensions` resources.
func mediumInstance(seed: UInt64, services: Int, dimensions: Int = 2, irregular: Bool = false) -> Instance {
    var random = SplitMix64(seed: seed)
    let tightness = Double.random(in: 0.15...0.7, using: &random)
    return InstanceGenerator(
        services: services, levels: 5, dimensions: dimensions, tightness: tightness, irregular: irregular
    ).make(using: &random)
}

/// Records an issue naming the seed when `solution` is infeasible or misreports its objective.
func expectSound(_ solution: Solution, _ instance: Instance, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
    let check = instance.check(solution.levels)
    #expect(check.isFeasible, "seed \(seed): \(solution.algorithm) infeasible: \(check.faults)", sourceLocation: sourceLocation)
    #expect(
        abs(check.objective - solution.objective) <= 1e-9 * max(1, check.objective),
        "seed \(seed): \(solution.algorithm) reports \(solution.objective), is \(check.objective)",
        sourceLocation: sourceLocation)
    if let bound = solution.upperBound {
        #expect(bound >= solution.objective - 1e-9, "seed \(seed): bound below objective", sourceLocation: sourceLocation)
    }
}

/// `a >= b` up to the solvers' tolerance.
func atLeast(_ a: Double, _ b: Double) -> Bool { a >= b - 1e-7 * max(1, abs(b)) }

/// Shorthand for a level on [cpu, memory].
func level(_ name: String, _ value: Double, _ cpu: Double, _ memory: Double = 0) -> Level {
    Level(name: name, value: value, demand: [cpu, memory])
}
