/// The LP relaxation of the multiple-choice knapsack on one surrogate resource.
///
/// For d resources, every feasible allocation also satisfies the surrogate constraint
/// `sum_r m_r x demand_r <= sum_r m_r x capacity_r` for any multipliers m >= 0, so the LP
/// relaxation of that one-resource problem bounds the optimum from above. With one resource it
/// *is* the LP relaxation; with more it is at least the LP relaxation's value, and equals it for
/// the best multipliers (LP surrogate duality), which `optimisedMultipliers` searches for.
///
/// The one-resource LP is solved exactly by the classic greedy over convex hulls (Sinha and
/// Zoltners 1979): take hull steps by decreasing efficiency while they fit, then a fraction of
/// the first that does not.
struct Relaxation: Sendable {
    /// The sum of the base profits and of the bases' surrogate weights.
    var baseProfit: Double
    var baseWeight: Double
    /// Every hull's steps, sorted by efficiency.
    var segments: [Segment]

    init(hulls: [Hull]) {
        baseProfit = hulls.reduce(0) { $0 + $1.base.profit }
        baseWeight = hulls.reduce(0) { $0 + $1.base.weight }
        segments = hulls.flatMap(\.steps)
        segments.sortByEfficiency()
    }

    /// The LP optimum for surrogate capacity `capacity`, and the efficiency of the step it
    /// splits (the LP's dual price; 0 when everything fits). Nil when even the bases do not fit.
    func solve(capacity: Double) -> (value: Double, price: Double)? {
        var room = capacity - baseWeight
        guard room >= -Tolerance.slack(abs(capacity)) else { return nil }
        room = max(room, 0)
        var value = baseProfit
        for segment in segments {
            if segment.weight <= room {
                room -= segment.weight
                value += segment.profit
            } else {
                return (value + segment.profit * room / segment.weight, segment.efficiency)
            }
        }
        return (value, 0)
    }
}

extension Prepared {
    /// Per service, the hull of its options and "none" on the surrogate resource `multipliers`.
    func hulls(_ multipliers: [Double]) -> [Hull] {
        (0..<serviceCount).map { s in
            var points = [Point(option: -1, weight: 0, profit: 0)]
            for option in options(of: s) {
                points.append(Point(option: option, weight: aggregate(option, multipliers), profit: profit[option]))
            }
            return Hull(owner: s, points: points)
        }
    }

    func surrogateCapacity(_ multipliers: [Double]) -> Double {
        zip(multipliers, capacity).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The LP bound on the surrogate resource `multipliers`.
    func linearBound(_ multipliers: [Double]) -> Double {
        Relaxation(hulls: hulls(multipliers)).solve(capacity: surrogateCapacity(multipliers))?.value ?? 0
    }

    /// Multipliers that make the surrogate LP bound small (the best is the LP relaxation of the
    /// d-resource problem). Capacity-normalised multipliers `theta_r / capacity_r`, with `theta`
    /// on the simplex searched by golden sections along each coordinate (the surrogate dual is
    /// quasiconvex). Any multipliers give a valid bound: the search only tightens it.
    func optimisedMultipliers(rounds: Int = 2, iterations: Int = 24) -> [Double] {
        let normalised = capacityNormalised
        let active = (0..<dimensions).filter { normalised[$0] > 0 }
        guard active.count >= 2 else { return normalised }
        func multipliers(_ theta: [Double]) -> [Double] { (0..<dimensions).map { theta[$0] * normalised[$0] } }
        var theta = [Double](repeating: 0, count: dimensions)
        for r in active { theta[r] = 1 / Double(active.count) }
        var best = linearBound(multipliers(theta))
        // With two resources one coordinate fixes the other: a single search is exhaustive.
        let coordinates = active.count == 2 ? [active[0]] : active
        let passes = active.count == 2 ? 1 : rounds
        for _ in 0..<passes {
            for r in coordinates {
                func moved(_ t: Double) -> [Double] {
                    let rest = 1 - theta[r]
                    return (0..<dimensions).map { i in
                        if i == r { return t }
                        guard active.contains(i) else { return 0 }
                        return rest > 0 ? theta[i] * (1 - t) / rest : (1 - t) / Double(active.count - 1)
                    }
                }
                let golden = (5.0.squareRoot() - 1) / 2
                var low = 0.0
                var high = 1.0
                var x1 = high - golden * (high - low)
                var x2 = low + golden * (high - low)
                var f1 = linearBound(multipliers(moved(x1)))
                var f2 = linearBound(multipliers(moved(x2)))
                for _ in 0..<iterations {
                    if f1 <= f2 {
                        high = x2; x2 = x1; f2 = f1
                        x1 = high - golden * (high - low)
                        f1 = linearBound(multipliers(moved(x1)))
                    } else {
                        low = x1; x1 = x2; f1 = f2
                        x2 = low + golden * (high - low)
                        f2 = linearBound(multipliers(moved(x2)))
                    }
                }
                let (t, value) = f1 <= f2 ? (x1, f1) : (x2, f2)
                if value < best {
                    best = value
                    theta = moved(t)
                }
            }
        }
        return multipliers(theta)
    }
}
