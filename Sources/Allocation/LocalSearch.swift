extension Prepared {
    /// Improves a feasible choice by moves that keep it feasible, until none helps or `passes`
    /// passes are done: raising one service to a better level that fits, or raising one while
    /// lowering another (or stopping it) when the gain exceeds the loss. First improvement;
    /// O((N / 2)^2 x d) per pass for N options. Used to give the branch and bound a strong
    /// incumbent: the better the incumbent, the more levels the reduction removes.
    func improve(_ start: [Int?], passes: Int = 20) -> [Int?] {
        var choice = start
        var usage = [Double](repeating: 0, count: dimensions)
        for option in choice.compactMap({ $0 }) { apply(option, sign: 1, to: &usage) }
        func worth(_ option: Int?) -> Double { option.map { profit[$0] } ?? 0 }
        func fitsBoth(_ up: Int, replacing old: Int?, _ down: Int?, replacing oldDown: Int?) -> Bool {
            for r in 0..<dimensions {
                var total = usage[r] + demand(up, r)
                if let old { total -= demand(old, r) }
                if let down { total += demand(down, r) }
                if let oldDown { total -= demand(oldDown, r) }
                if !Tolerance.fits(total, within: capacity[r]) { return false }
            }
            return true
        }
        func change(_ s: Int, to option: Int?) {
            if let old = choice[s] { apply(old, sign: -1, to: &usage) }
            if let option { apply(option, sign: 1, to: &usage) }
            choice[s] = option
        }
        let tolerance = Tolerance.objective(weightSum)
        for _ in 0..<passes {
            var improved = false
            for s in 0..<serviceCount {
                for up in options(of: s) where profit[up] > worth(choice[s]) + tolerance {
                    if fits(up, replacing: choice[s], usage: usage) {
                        change(s, to: up)
                        improved = true
                        continue
                    }
                    let gain = profit[up] - worth(choice[s])
                    search: for t in 0..<serviceCount where t != s {
                        guard let current = choice[t] else { continue }
                        // Stopping t (k just below its options), or lowering it to a level worth less.
                        for k in (optionStart[t] - 1)..<optionStart[t + 1] {
                            let down: Int? = k < optionStart[t] ? nil : k
                            guard worth(down) < profit[current], gain - (profit[current] - worth(down)) > tolerance,
                                fitsBoth(up, replacing: choice[s], down, replacing: current)
                            else { continue }
                            change(t, to: down)
                            change(s, to: up)
                            improved = true
                            break search
                        }
                    }
                }
            }
            if !improved { break }
        }
        return choice
    }
}
