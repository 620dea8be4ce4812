/// The gateway system's RAA ("resource allocation algorithm"), as its code runs it
/// (`allocate_algo.py`, method `greedy`, called by `RunAllocation/run.py` for `RAA`).
///
/// What its code does, on one resource (upload bandwidth) and a continuous quality knob in
/// [0, 1] per analytic:
/// 1. Admission: every analytic starts at its minimum knob; while the minimum bandwidths add up
///    to more than the link, the analytic of smallest weight is dropped (knob 0).
/// 2. Greedy: among the analytics whose knob is below 1, repeatedly pick the one with the
///    largest *average* efficiency `weight x QoS(knob) / bandwidth(knob)` at its current knob
///    (not the marginal gain of the step), and raise its knob by the step (0.1 in the seed's
///    experiments), or to 1 if the step overshoots. When the step does not fit, the knob is set
///    to whatever uses up the remaining bandwidth exactly, and the allocation ends.
///
/// Here, with ladders of discrete levels and d resources (interpretations marked *):
/// - * the knob is the level's QoS value; a ladder's "rungs" are its levels by increasing value,
///   keeping for equal values the cheapest, and dropping levels that another level beats in
///   value while needing no more of any resource;
/// - admission starts every service at its lowest rung and drops the smallest weight first
///   (ties: the earliest arrival, as Python's `min` does) while those rungs do not fit;
///   * their code never charges the starting knobs' bandwidth in the greedy phase (so its
///   allocations can exceed the link); here they are charged, so the answer is feasible;
/// - * efficiency is `weight x value / demand` with demand summed over resources as fractions of
///   each capacity (infinite for a zero demand); ties go to the earliest arrival;
/// - a step raises the target value by `step` and moves to the lowest rung reaching it, or to
///   the top rung when none does;
/// - * when that rung does not fit, the service moves to the highest rung between that still
///   fits (the discrete form of "use up what is left"), and, since discrete levels leave some
///   capacity over, the walk goes on with the other services instead of ending.
/// No bound; feasible by construction.
public struct RAASolver: Sendable {
    /// How far one greedy step raises a service's target QoS value. Default 0.1, as in the
    /// seed's experiments. Must be > 0.
    public var step: Double

    public init(step: Double = 0.1) {
        precondition(step > 0, "step must be > 0")
        self.step = step
    }

    public func solve(_ instance: Instance) -> Solution {
        let prepared = Prepared(instance)
        let normalised = prepared.capacityNormalised
        let value = { (option: Int) in instance.services[prepared.service(of: option)].levels[prepared.level[option]].value }
        let rungs = (0..<prepared.serviceCount).map { s in ladder(s, prepared, normalised, value) }

        // Admission at the lowest rungs.
        var admitted = (0..<prepared.serviceCount).filter { !rungs[$0].isEmpty }
        var usage = [Double](repeating: 0, count: prepared.dimensions)
        for s in admitted { prepared.apply(rungs[s][0], sign: 1, to: &usage) }
        while !(0..<prepared.dimensions).allSatisfy({ Tolerance.fits(usage[$0], within: prepared.capacity[$0]) }) {
            let lightest = admitted.min { instance.services[$0].weight < instance.services[$1].weight }!
            prepared.apply(rungs[lightest][0], sign: -1, to: &usage)
            admitted.removeAll { $0 == lightest }
        }
        var position = [Int?](repeating: nil, count: prepared.serviceCount)
        for s in admitted { position[s] = 0 }

        // Greedy on average efficiency.
        var active = admitted.filter { rungs[$0].count > 1 }
        func efficiency(_ s: Int) -> Double {
            let option = rungs[s][position[s]!]
            let demand = prepared.aggregate(option, normalised)
            return demand > 0 ? prepared.profit[option] / demand : .infinity
        }
        while !active.isEmpty {
            // The largest efficiency; ties go to the earliest (Python's max keeps the first).
            var first = 0
            var top = efficiency(active[0])
            for i in active.indices.dropFirst() where efficiency(active[i]) > top {
                first = i
                top = efficiency(active[i])
            }
            let s = active[first]
            let ladder = rungs[s]
            let current = position[s]!
            let target = value(ladder[current]) + step
            let next = ladder.indices.first { $0 > current && value(ladder[$0]) >= target - 1e-12 } ?? ladder.count - 1
            if prepared.fits(ladder[next], replacing: ladder[current], usage: usage) {
                move(s, from: ladder[current], to: ladder[next], &usage, prepared)
                position[s] = next
                if next == ladder.count - 1 { active.remove(at: first) }
            } else {
                let between = ((current + 1)..<next).reversed().first {
                    prepared.fits(ladder[$0], replacing: ladder[current], usage: usage)
                }
                if let between {
                    move(s, from: ladder[current], to: ladder[between], &usage, prepared)
                    position[s] = between
                }
                active.remove(at: first)
            }
        }
        let choice = (0..<prepared.serviceCount).map { s in position[s].map { rungs[s][$0] } }
        return prepared.solution(choice, in: instance, upperBound: nil, guarantee: .heuristic, algorithm: .raa)
    }

    /// The service's usable levels by increasing value: equal values keep the cheapest, and a
    /// level beaten in value by one needing no more of any resource is dropped.
    private func ladder(_ s: Int, _ prepared: Prepared, _ normalised: [Double], _ value: (Int) -> Double) -> [Int] {
        let options = Array(prepared.options(of: s))
        let kept = options.filter { option in
            !options.contains { other in
                guard other != option else { return false }
                let noMore = (0..<prepared.dimensions).allSatisfy { prepared.demand(other, $0) <= prepared.demand(option, $0) }
                guard noMore else { return false }
                if value(other) > value(option) { return true }
                // Equal value and no more demand: keep one (the cheaper, then the earlier).
                guard value(other) == value(option) else { return false }
                let a = prepared.aggregate(other, normalised)
                let b = prepared.aggregate(option, normalised)
                return a < b || (a == b && other < option)
            }
        }
        // Equal values that survived (neither needs less of everything): the cheapest stays.
        let sorted = kept.sorted {
            value($0) != value($1) ? value($0) < value($1) : prepared.aggregate($0, normalised) < prepared.aggregate($1, normalised)
        }
        var rungs: [Int] = []
        for option in sorted where rungs.last.map({ value($0) < value(option) }) ?? true { rungs.append(option) }
        return rungs
    }

    private func move(_ s: Int, from old: Int, to new: Int, _ usage: inout [Double], _ prepared: Prepared) {
        prepared.apply(old, sign: -1, to: &usage)
        prepared.apply(new, sign: 1, to: &usage)
    }
}
