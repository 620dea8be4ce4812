/// A choice of one service on the single surrogate resource: an option (or none, -1), its
/// surrogate demand `weight` and its `profit`.
struct Point: Sendable {
    var option: Int
    var weight: Double
    var profit: Double
}

/// One step up a service's upper convex hull: from the previous hull point to `upper`.
struct Segment: Sendable {
    /// Which service (an index the caller chooses: the service itself, or its branching rank).
    var owner: Int
    /// The option reached by taking this step.
    var upper: Int
    var weight: Double
    var profit: Double
    /// `profit / weight`: the incremental efficiency.
    var efficiency: Double
    /// The step's position on its hull (0 = first), to keep equal efficiencies in hull order.
    var position: Int
}

/// The upper convex hull of one service's points on one resource.
///
/// The base is the cheapest point (the most profitable among equally cheap ones; "none" when it
/// is allowed). Points that cost at least as much as another but are worth no more (dominated),
/// and points under the hull (LP-dominated), are left out; points on a straight stretch of the
/// hull are kept, so a greedy can stop between them. Every step has weight > 0 and profit > 0,
/// and efficiencies do not increase along the hull.
struct Hull: Sendable {
    var base: Point
    var steps: [Segment]

    init(owner: Int, points: [Point]) {
        precondition(!points.isEmpty, "a hull needs a point")
        let sorted = points.sorted { $0.weight != $1.weight ? $0.weight < $1.weight : $0.profit > $1.profit }
        base = sorted[0]
        var chain = [sorted[0]]
        for point in sorted.dropFirst() where point.profit > chain[chain.count - 1].profit
            && point.weight > chain[chain.count - 1].weight
        {
            while chain.count >= 2 {
                let a = chain[chain.count - 2]
                let b = chain[chain.count - 1]
                // b strictly below the line from a to point: not on the hull.
                let cross = (b.weight - a.weight) * (point.profit - a.profit) - (b.profit - a.profit) * (point.weight - a.weight)
                if cross > 0 { chain.removeLast() } else { break }
            }
            chain.append(point)
        }
        steps = []
        steps.reserveCapacity(chain.count - 1)
        for i in 1..<max(chain.count, 1) {
            let weight = chain[i].weight - chain[i - 1].weight
            let profit = chain[i].profit - chain[i - 1].profit
            steps.append(
                Segment(
                    owner: owner, upper: chain[i].option, weight: weight, profit: profit, efficiency: profit / weight,
                    position: i - 1))
        }
    }
}

extension Array where Element == Segment {
    /// Sorted by efficiency, best first; ties in owner order, then hull order.
    mutating func sortByEfficiency() {
        sort {
            if $0.efficiency != $1.efficiency { return $0.efficiency > $1.efficiency }
            if $0.owner != $1.owner { return $0.owner < $1.owner }
            return $0.position < $1.position
        }
    }
}
