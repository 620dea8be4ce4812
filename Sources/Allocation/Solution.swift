/// The allocation algorithms, by the names the command line will use.
public enum Algorithm: String, CaseIterable, Hashable, Sendable {
    /// Branch and bound with linear-relaxation bounds: optimal (see `ExactSolver`).
    case exact
    /// Profit scaling: at least (1 - epsilon) x optimal (see `FPTASSolver`).
    case fptas
    /// Incremental efficiency over convex hulls, with the LP bound (see `GreedySolver`).
    case greedy
    /// First come, first served: each service in arrival order takes its best level that fits.
    case fcfs
    /// The gateway system's weighted allocation: capacity split in proportion to weight.
    case wa
    /// The gateway system's unweighted allocation: capacity split equally.
    case ua
    /// The gateway system's resource allocation algorithm (see `RAASolver`).
    case raa
}

/// What an answer's objective is known to be, beside its own upper bound.
public enum Guarantee: Hashable, Sendable {
    /// Proven optimal (within the solvers' tolerance of 1e-9 relative).
    case optimal
    /// At least (1 - epsilon) x optimal.
    case approximate(epsilon: Double)
    /// The exact solver ran out of its node budget: the objective is the best found, and the
    /// upper bound still holds.
    case budgetExhausted
    /// No promise but feasibility (and the upper bound when there is one).
    case heuristic
}

/// An answer: one level (or none) per service, always within capacity.
public struct Solution: Hashable, Sendable {
    /// Per service, in the instance's order: the index into its `levels`, or nil when not served.
    public var levels: [Int?]
    /// The sum of `weight x value` over the served services.
    public var objective: Double
    /// A value no allocation can exceed, when the algorithm computes one.
    public var upperBound: Double?
    /// What the objective is known to be.
    public var guarantee: Guarantee
    /// Which algorithm answered.
    public var algorithm: Algorithm
    /// Branch-and-bound nodes or dynamic-programming states visited, for benchmarks; 0 when
    /// meaningless.
    public var work: Int

    public init(
        levels: [Int?], objective: Double, upperBound: Double?, guarantee: Guarantee, algorithm: Algorithm,
        work: Int = 0
    ) {
        self.levels = levels
        self.objective = objective
        self.upperBound = upperBound
        self.guarantee = guarantee
        self.algorithm = algorithm
        self.work = work
    }

    /// `(upperBound - objective) / upperBound`: the most the answer can be below the optimum,
    /// as a fraction of the bound; 0 when the bound is 0, nil without a bound.
    public var relativeGap: Double? {
        guard let upperBound else { return nil }
        return upperBound > 0 ? max(0, upperBound - objective) / upperBound : 0
    }
}

extension Solution {
    /// Per service id, the name of the chosen level, or nil when not served: what output shows.
    public func levelNames(in instance: Instance) -> [String: String?] {
        var names: [String: String?] = [:]
        for (service, choice) in zip(instance.services, levels) {
            names[service.id] = .some(choice.map { service.levels[$0].name })
        }
        return names
    }
}
