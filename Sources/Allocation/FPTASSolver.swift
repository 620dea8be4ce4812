/// At least (1 - epsilon) x optimal, for any epsilon in (0, 1).
///
/// **One resource** (exactly one resource has a positive demand anywhere): the classic FPTAS
/// for the multiple-choice knapsack (Kellerer, Pferschy and Pisinger, "Knapsack Problems",
/// ch. 11), by profit scaling. `LB` is the greedy answer (feasible, so `LB <= OPT`, and the LP
/// bound `UB <= 2 LB`), `n` the number of services with a usable level, `K = epsilon x LB / n`;
/// every level's profit `p = weight x value` becomes `floor(p / K)`, and a dynamic programme
/// over services keeps, for each scaled profit q, the least demand reaching exactly q (dropping
/// it when a larger q needs no more). It is exact on scaled profits, so its best state has
/// scaled profit at least that of the optimum, and each service loses less than K to rounding:
/// `answer >= K x q_max >= K x q(OPT) > OPT - n x K = OPT - epsilon x LB >= (1 - epsilon) x OPT`.
/// There are at most `UB / K + n <= 2n / epsilon + n` scaled profits, so the time is
/// O(n^2 x k / epsilon) for k levels per service, and the memory O(n^2 / epsilon). The same
/// inequality gives the reported upper bound `K x (q_max + n)` (or the LP bound, if smaller).
/// When the greedy's LP bound already shows it within epsilon, the greedy answer is returned.
///
/// **Two or more resources**: no FPTAS exists unless P = NP (already for the two-dimensional
/// 0-1 knapsack; Magazine and Chern 1984), and profit scaling alone does not help: the states
/// become Pareto sets of demand vectors, which grow exponentially in the worst case (measured
/// here: 1.2 s at 50 services for epsilon 0.1). What is guaranteed instead is the same
/// (1 - epsilon) factor, from `ExactSolver`'s branch and bound with relative pruning: a
/// subproblem is dropped when its LP bound is at most `incumbent / (1 - epsilon)`, so the answer
/// is at least (1 - epsilon) x optimal, and it is reached much faster than the optimum. Its
/// time is exponential in the worst case; if its node budget runs out the answer is marked
/// `.budgetExhausted` with a valid upper bound instead.
public struct FPTASSolver: Sendable {
    /// The allowed relative loss, in (0, 1). Default 0.1.
    public var epsilon: Double
    /// The node budget of the branch and bound used for two or more resources. Default 2,000,000.
    public var nodeLimit: Int

    public init(epsilon: Double = 0.1, nodeLimit: Int = 2_000_000) {
        precondition(epsilon > 0 && epsilon < 1, "epsilon must be in (0, 1)")
        precondition(nodeLimit > 0, "nodeLimit must be > 0")
        self.epsilon = epsilon
        self.nodeLimit = nodeLimit
    }

    public func solve(_ instance: Instance) -> Solution {
        let prepared = Prepared(instance)
        let loaded = (0..<prepared.dimensions).filter { r in
            (0..<prepared.optionCount).contains { prepared.demand($0, r) > 0 }
        }
        guard loaded.count <= 1 else {
            let result = ExactSolver(nodeLimit: nodeLimit).search(prepared, relativeGap: epsilon)
            return prepared.solution(
                result.choice, in: instance, upperBound: result.bound,
                guarantee: result.exhausted ? .budgetExhausted : .approximate(epsilon: epsilon), algorithm: .fptas,
                work: result.nodes)
        }
        let greedy = GreedySolver().solve(prepared)
        let lowerBound = greedy.choice.reduce(0.0) { $0 + ($1.map { prepared.profit[$0] } ?? 0) }
        let served = (0..<prepared.serviceCount).filter { !prepared.options(of: $0).isEmpty }
        guard lowerBound > 0, let resource = loaded.first,
            greedy.bound > lowerBound / (1 - epsilon) + Tolerance.objective(prepared.weightSum)
        else {
            // Greedy's own bound already proves it within epsilon (or nothing has a demand, or
            // nothing is worth anything, and greedy is optimal).
            return prepared.solution(
                greedy.choice, in: instance, upperBound: greedy.bound, guarantee: .approximate(epsilon: epsilon),
                algorithm: .fptas)
        }
        let scale = epsilon * lowerBound / Double(served.count)
        var programme = ProfitProgramme(prepared: prepared, resource: resource, scale: scale)
        for s in served { programme.add(service: s) }
        let (choice, top) = programme.best()
        let value = choice.reduce(0.0) { $0 + ($1.map { prepared.profit[$0] } ?? 0) }
        let bound = min(greedy.bound, scale * Double(top + served.count))
        return prepared.solution(
            value >= lowerBound ? choice : greedy.choice, in: instance, upperBound: bound,
            guarantee: .approximate(epsilon: epsilon), algorithm: .fptas, work: programme.states)
    }
}

/// The dynamic programme over scaled profits on one resource, layer by layer; each state keeps
/// its parent so the choice can be rebuilt.
struct ProfitProgramme {
    struct Layer {
        var service: Int
        var q: [Int] = []
        var demand: [Double] = []
        var profit: [Double] = []
        var parent: [Int] = []
        var option: [Int] = []
    }

    let prepared: Prepared
    let resource: Int
    let scale: Double
    var layers: [Layer]
    /// States kept over all layers.
    var states = 1

    init(prepared: Prepared, resource: Int, scale: Double) {
        self.prepared = prepared
        self.resource = resource
        self.scale = scale
        layers = [Layer(service: -1, q: [0], demand: [0], profit: [0], parent: [-1], option: [-1])]
    }

    /// Extends every state by every choice of service `s` that fits, then keeps for each q the
    /// least demand, and only if no larger q needs as little.
    mutating func add(service s: Int) {
        let previous = layers[layers.count - 1]
        let choices = [-1] + Array(prepared.options(of: s))
        let capacity = prepared.capacity[resource]
        let top = previous.q.max()! + choices.map { scaled($0) }.max()!
        // Per q, the index of the best candidate so far as (state, choice).
        var least = [Double](repeating: .infinity, count: top + 1)
        var profit = [Double](repeating: 0, count: top + 1)
        var from = [(state: Int, choice: Int)](repeating: (-1, -1), count: top + 1)
        for state in previous.q.indices {
            for choice in choices {
                let demand = previous.demand[state] + (choice < 0 ? 0 : prepared.demand(choice, resource))
                guard Tolerance.fits(demand, within: capacity) else { continue }
                let q = previous.q[state] + scaled(choice)
                let value = previous.profit[state] + (choice < 0 ? 0 : prepared.profit[choice])
                if demand < least[q] || (demand == least[q] && value > profit[q]) {
                    least[q] = demand
                    profit[q] = value
                    from[q] = (state, choice)
                }
            }
        }
        var layer = Layer(service: s)
        var floor = Double.infinity
        for q in stride(from: top, through: 0, by: -1) where least[q] < floor {
            floor = least[q]
            layer.q.append(q)
            layer.demand.append(least[q])
            layer.profit.append(profit[q])
            layer.parent.append(from[q].state)
            layer.option.append(from[q].choice)
        }
        layers.append(layer)
        states += layer.q.count
    }

    private func scaled(_ choice: Int) -> Int {
        choice < 0 ? 0 : Int((prepared.profit[choice] / scale).rounded(.down))
    }

    /// The last layer's state of highest true profit, rebuilt into a choice per service, and
    /// the highest scaled profit reached.
    func best() -> (choice: [Int?], top: Int) {
        var choice = [Int?](repeating: nil, count: prepared.serviceCount)
        let last = layers[layers.count - 1]
        let top = last.q.max() ?? 0
        guard var state = last.profit.indices.max(by: { last.profit[$0] < last.profit[$1] }) else { return (choice, top) }
        for layer in layers.reversed() where layer.service >= 0 {
            if layer.option[state] >= 0 { choice[layer.service] = layer.option[state] }
            state = layer.parent[state]
        }
        return (choice, top)
    }
}
