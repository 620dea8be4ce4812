/// Greedy by incremental efficiency over each ladder's upper convex hull, with its own bound.
///
/// Demands are aggregated into one surrogate resource: demand per resource divided by that
/// resource's capacity, summed (so a level taking 30% of the CPU and 10% of the memory weighs
/// 0.4). Each ladder becomes its upper convex hull on that resource (dominated and LP-dominated
/// levels removed); all hull steps are taken in decreasing order of efficiency
/// (`weight x delta value / delta demand`) while they fit in *every* real resource; a step that
/// does not fit closes its service's ladder, and the walk goes on with the others. A last pass
/// raises any service to the best level that still fits. The answer is the better of this and
/// the best single level alone.
///
/// Guarantees: feasible; `upperBound` is the LP relaxation of the surrogate problem (with one
/// resource, the LP relaxation itself; with more, an upper bound on it). With one resource the
/// answer is at least half the optimum: the LP optimum is the steps taken before the first that
/// does not fit plus a fraction of that step, and the step's level alone is a single choice, so
/// `OPT <= LP <= greedy + bestSingle <= 2 x answer`. With more resources there is no constant
/// factor, but every answer carries its gap. Time O(N log N) for N levels in all.
public struct GreedySolver: Sendable {
    public init() {}

    public func solve(_ instance: Instance) -> Solution {
        let prepared = Prepared(instance)
        let options = solve(prepared)
        return prepared.solution(
            options.choice, in: instance, upperBound: options.bound, guarantee: .heuristic, algorithm: .greedy)
    }

    /// The choice (an option or nil per service) and the surrogate LP bound, on the surrogate
    /// resource `multipliers` (default: capacity-normalised).
    func solve(_ prepared: Prepared, multipliers: [Double]? = nil) -> (choice: [Int?], bound: Double) {
        let multipliers = multipliers ?? prepared.capacityNormalised
        let hulls = prepared.hulls(multipliers)
        let relaxation = Relaxation(hulls: hulls)
        let bound = relaxation.solve(capacity: prepared.surrogateCapacity(multipliers))?.value ?? 0

        var choice: [Int?] = hulls.map { $0.base.option >= 0 ? $0.base.option : nil }
        var usage = [Double](repeating: 0, count: prepared.dimensions)
        for option in choice.compactMap({ $0 }) { prepared.apply(option, sign: 1, to: &usage) }
        var closed = [Bool](repeating: false, count: prepared.serviceCount)
        for segment in relaxation.segments where !closed[segment.owner] {
            let current = choice[segment.owner]
            if prepared.fits(segment.upper, replacing: current, usage: usage) {
                if let current { prepared.apply(current, sign: -1, to: &usage) }
                prepared.apply(segment.upper, sign: 1, to: &usage)
                choice[segment.owner] = segment.upper
            } else {
                closed[segment.owner] = true
            }
        }
        // Fill: leftover capacity raises whoever it can, most profitable gain first per service.
        for s in 0..<prepared.serviceCount {
            let current = choice[s]
            var best = current
            var bestProfit = current.map { prepared.profit[$0] } ?? 0
            for option in prepared.options(of: s) where prepared.profit[option] > bestProfit {
                if prepared.fits(option, replacing: current, usage: usage) {
                    best = option
                    bestProfit = prepared.profit[option]
                }
            }
            if best != current, let best {
                if let current { prepared.apply(current, sign: -1, to: &usage) }
                prepared.apply(best, sign: 1, to: &usage)
                choice[s] = best
            }
        }
        let objective = choice.reduce(0.0) { $0 + ($1.map { prepared.profit[$0] } ?? 0) }
        if let single = prepared.bestSingle, prepared.profit[single] > objective {
            var alone = [Int?](repeating: nil, count: prepared.serviceCount)
            alone[prepared.service(of: single)] = single
            return (alone, max(bound, prepared.profit[single]))
        }
        return (choice, max(bound, objective))
    }
}
