/// How a simulated coalition decides levels as services come and go.
public enum Planner: Hashable, Sendable {
    /// At every arrival and departure, every live service's level is chosen anew by the
    /// solver the caller gives (exact, FPTAS, greedy, RAA, WA or UA), as the gateway system
    /// re-runs its allocator on every change.
    case replan
    /// What the coalition does today: an arrival takes the best of its levels that fits in what
    /// the others left, or waits unserved; nobody ever steps down for it. After every change,
    /// services in arrival order step up to the best level that fits (the daemon's upgrade
    /// probes), and waiting ones are served when one fits.
    case firstComeFirstServed
    /// `Replanner`'s rule with the caller's solver: capacity only passes to a service of
    /// strictly higher weight, a service steps down at most once per `cooldownMinutes`, free
    /// capacity raises the heaviest first. After a departure, waiting services ask again,
    /// heaviest first.
    case bounded(cooldownMinutes: Double)
}

/// What one run delivered.
public struct ChurnReport: Hashable, Sendable {
    /// The time average of the normalised weighted QoS over the time at least one service was
    /// alive: at each instant `sum of weight x value of its level / sum of weight x its best
    /// value` over the live services (1 = every live service at its best level).
    public var meanQoS: Double
    /// Services served at their arrival.
    public var admitted = 0
    /// Services not served at their arrival (they wait, and may be served later).
    public var rejected = 0
    /// Times a served service was moved to a lower level that is still served.
    public var steppedDown = 0
    /// Times a served service lost its service while alive.
    public var preempted = 0
    /// Times the planner ran (one per arrival and departure).
    public var plans = 0
    /// (minute, normalised weighted QoS) after every change, for plots.
    public var timeline: [Timepoint] = []

    public struct Timepoint: Hashable, Sendable {
        /// Minutes from the start.
        public var minute: Double
        /// The normalised weighted QoS from then on, in [0, 1].
        public var qos: Double

        public init(minute: Double, qos: Double) {
            self.minute = minute
            self.qos = qos
        }
    }

    /// A report of `meanQoS` with every count at 0 and no timeline.
    public init(meanQoS: Double) {
        self.meanQoS = meanQoS
    }
}

/// A coalition of fixed pooled capacity living through a sequence of arrivals and departures.
/// Pure: the caller's `solve` is the only thing run (and what the caller times).
public struct ChurnSimulation: Sendable {
    public let resources: [Resource]
    /// The pooled capacity, per resource.
    public let capacity: [Double]

    public init(resources: [Resource] = Resource.standard, capacity: [Double]) {
        precondition(capacity.count == resources.count && capacity.allSatisfy { $0 >= 0 && $0.isFinite })
        self.resources = resources
        self.capacity = capacity
    }

    /// Runs `arrivals` (in time order) to `endMinute` under `planner`; `solve` answers each
    /// re-plan (used by `.replan` only).
    public func run(
        _ arrivals: [Arrival], until endMinute: Double, planner: Planner, solve: (Instance) -> Solution = { _ in fatalError() }
    ) -> ChurnReport {
        enum Change { case arrive(Int), leave(Int) }
        var changes: [(minute: Double, change: Change)] = []
        for (i, arrival) in arrivals.enumerated() where arrival.minute < endMinute {
            changes.append((arrival.minute, .arrive(i)))
            if arrival.departure < endMinute { changes.append((arrival.departure, .leave(i))) }
        }
        // Departures before arrivals at the same instant: capacity is freed first.
        changes.sort { a, b in
            if a.minute != b.minute { return a.minute < b.minute }
            if case .leave = a.change, case .arrive = b.change { return true }
            return false
        }
        var report = ChurnReport(meanQoS: 0)
        var live: [Int] = []  // arrival indices, in arrival order
        var level: [Int: Int] = [:]  // arrival index -> level index, when served
        var steppedDownAt: [Int: Double] = [:]  // arrival index -> minute of its last step-down
        var weightedTime = 0.0
        var aliveTime = 0.0
        var last = 0.0
        var current = 0.0  // normalised QoS since `last`
        for (minute, change) in changes {
            if !live.isEmpty {
                weightedTime += current * (minute - last)
                aliveTime += minute - last
            }
            last = minute
            var arriving: Int?
            switch change {
            case .arrive(let i):
                live.append(i)
                arriving = i
            case .leave(let i):
                live.removeAll { $0 == i }
                level[i] = nil
            }
            let services = live.map { arrivals[$0].service }
            let previous = live.map { level[$0] }
            let next: [Int?]
            switch planner {
            case .replan:
                // Every field was valid in the arrivals' services; the capacity was checked.
                let instance = try! Instance(resources: resources, capacity: capacity, services: services)
                next = solve(instance).levels
            case .firstComeFirstServed:
                next = stepUp(services, previous)
            case .bounded(let cooldown):
                let replanner = Replanner(cooldownMinutes: cooldown)
                let state = Replanner.State(levels: previous, lastStepDown: live.map { steppedDownAt[$0] })
                let settled = replanner.settle(
                    services, state: state, capacity: capacity, now: minute, newcomer: arriving.map { live.firstIndex(of: $0)! },
                    solve: solve
                ).state
                for (k, i) in live.enumerated() { steppedDownAt[i] = settled.lastStepDown[k] }
                next = settled.levels
            }
            report.plans += 1
            for (k, i) in live.enumerated() {
                let service = arrivals[i].service
                if i == arriving {
                    if next[k] != nil { report.admitted += 1 } else { report.rejected += 1 }
                } else if let before = previous[k] {
                    if let after = next[k] {
                        if service.levels[after].value < service.levels[before].value { report.steppedDown += 1 }
                    } else {
                        report.preempted += 1
                    }
                }
                level[i] = next[k]
            }
            current = normalisedQoS(services, next)
            report.timeline.append(.init(minute: minute, qos: current))
        }
        if !live.isEmpty, endMinute > last {
            weightedTime += current * (endMinute - last)
            aliveTime += endMinute - last
        }
        report.meanQoS = aliveTime > 0 ? weightedTime / aliveTime : 1
        return report
    }

    /// Sum of weight x value over sum of weight x best value; 1 when nothing is alive.
    func normalisedQoS(_ services: [Service], _ levels: [Int?]) -> Double {
        var got = 0.0
        var best = 0.0
        for (service, choice) in zip(services, levels) {
            best += service.weight * (service.levels.map(\.value).max() ?? 0)
            if let choice { got += service.weight * service.levels[choice].value }
        }
        return best > 0 ? got / best : 1
    }

    /// First come, first served with upgrades: keeps every current level, then in arrival order
    /// moves each service to its most valuable level that fits beside the others (if better).
    func stepUp(_ services: [Service], _ current: [Int?]) -> [Int?] {
        StepUp.raise(services, current, capacity: capacity, order: Array(services.indices))
    }
}
