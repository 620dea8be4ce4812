/// The gateway system's WA (weighted allocation) and UA (unweighted allocation).
///
/// What its code does (`weighted_algo.py`, `unweighted_algo.py`): the upload bandwidth is cut
/// into one slice per analytic, in proportion to its weight (WA) or equally (UA), and each
/// analytic's quality knob is solved from its slice (linear bandwidth model, no clamp). Nothing
/// left in a slice is given to anyone else, and no analytic is refused.
///
/// Here, with ladders of discrete levels and d resources: every service gets the slice
/// `capacity_r x weight / total weight` (WA) or `capacity_r / n` (UA) of every resource, and
/// takes the most valuable level that fits within its slice in every resource (ties: the
/// cheaper), or is not served when none fits. Where we had to interpret: their knob is
/// continuous and is not clamped to [0, 1], so an analytic always "runs"; here a level must fit
/// its slice, and a slice larger than the top level's demand is wasted as in their code.
/// Feasible by construction (slices sum to the capacity). No bound.
public struct ProportionalShareSolver: Sendable {
    /// True for WA (slices in proportion to weight), false for UA (equal slices).
    public var weighted: Bool

    public init(weighted: Bool) {
        self.weighted = weighted
    }

    public func solve(_ instance: Instance) -> Solution {
        let prepared = Prepared(instance)
        let normalised = prepared.capacityNormalised
        let total = instance.services.reduce(0.0) { $0 + $1.weight }
        var choice = [Int?](repeating: nil, count: prepared.serviceCount)
        for (s, service) in instance.services.enumerated() {
            let share = weighted ? service.weight / total : 1 / Double(instance.services.count)
            let fitting = prepared.options(of: s).filter { option in
                (0..<prepared.dimensions).allSatisfy {
                    Tolerance.fits(prepared.demand(option, $0), within: prepared.capacity[$0] * share)
                }
            }
            choice[s] = fitting.max { better($1, than: $0, prepared, normalised) }
        }
        return prepared.solution(
            choice, in: instance, upperBound: nil, guarantee: .heuristic, algorithm: weighted ? .wa : .ua)
    }
}
