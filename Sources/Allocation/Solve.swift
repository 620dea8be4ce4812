extension Instance {
    /// Solves with `algorithm`. `epsilon` (default 0.1) is used by `.fptas` only; `step`
    /// (default 0.1) by `.raa` only; `nodeLimit` (default 2,000,000) by `.exact` only.
    public func solve(
        with algorithm: Algorithm, epsilon: Double = 0.1, step: Double = 0.1, nodeLimit: Int = 2_000_000
    ) -> Solution {
        switch algorithm {
        case .exact: ExactSolver(nodeLimit: nodeLimit).solve(self)
        case .fptas: FPTASSolver(epsilon: epsilon).solve(self)
        case .greedy: GreedySolver().solve(self)
        case .fcfs: FirstComeFirstServedSolver().solve(self)
        case .wa: ProportionalShareSolver(weighted: true).solve(self)
        case .ua: ProportionalShareSolver(weighted: false).solve(self)
        case .raa: RAASolver(step: step).solve(self)
        }
    }
}
