/// Re-planning with bounded churn: who may lose capacity to whom, and how often.
///
/// The rule, deterministic so that every node applying it to the same facts reaches the same
/// plan (issue 17, "in the coalition"):
/// 1. **Arrival** of service n (or a waiting service asking again): the services that may
///    step down for it are those of *strictly lower* weight that have not stepped down within
///    `cooldownMinutes`. Each of them may only move to a level that needs no more of any
///    resource and is worth no more (or to not served); everyone else keeps their level. The
///    solver chooses n's level and theirs within what the others leave. The plan is taken only
///    if it raises the total weighted QoS; otherwise n takes the best level that fits in the
///    free capacity, or waits.
/// 2. **Step up** (after every change): in order of weight, heaviest first (ties: arrival
///    order), each service moves to its most valuable level that fits in the free capacity.
///    Nobody loses anything to it.
///
/// Why it cannot oscillate: capacity only ever passes from a service to one of strictly higher
/// weight (rule 1) or from nobody (rule 2), every change taken raises the total weighted QoS,
/// and without an arrival, a departure or a failure the rules change nothing (they are a fixed
/// point: tested). A service is stepped down at most once per `cooldownMinutes`.
public struct Replanner: Sendable {
    /// A service stepped down is not stepped down again within this many minutes (a failure
    /// resets it). Default 1, the "not twice within a minute".
    public var cooldownMinutes: Double

    public init(cooldownMinutes: Double = 1) {
        precondition(cooldownMinutes >= 0 && cooldownMinutes.isFinite)
        self.cooldownMinutes = cooldownMinutes
    }

    /// The live services' state: levels (nil = not served, waiting) and when each last
    /// stepped down.
    public struct State: Hashable, Sendable {
        public var levels: [Int?]
        public var lastStepDown: [Double?]

        public init(levels: [Int?], lastStepDown: [Double?]) {
            precondition(levels.count == lastStepDown.count)
            self.levels = levels
            self.lastStepDown = lastStepDown
        }
    }

    /// Rule 1 for `beneficiary`, then rule 2, at minute `now`; `solve` answers the sub-problem
    /// (any solver; exact gives the best such plan). Services are in arrival order.
    public func admit(
        _ beneficiary: Int, services: [Service], state: State, capacity: [Double], now: Double,
        solve: (Instance) -> Solution
    ) -> State {
        var state = state
        let weight = services[beneficiary].weight
        let movable = services.indices.filter { s in
            guard s != beneficiary else { return true }
            guard services[s].weight < weight, state.levels[s] != nil else { return false }
            return state.lastStepDown[s].map { now - $0 >= cooldownMinutes } ?? true
        }
        var free = capacity
        for s in services.indices where !movable.contains(s) {
            if let level = state.levels[s] { for r in free.indices { free[r] -= services[s].levels[level].demand[r] } }
        }
        // Each movable service other than the beneficiary may only shrink.
        var ladders: [[Int]] = []
        var subServices: [Service] = []
        for s in movable {
            let service = services[s]
            let allowed: [Int]
            if s == beneficiary {
                allowed = Array(service.levels.indices)
            } else {
                let held = service.levels[state.levels[s]!]
                allowed = service.levels.indices.filter { l in
                    let level = service.levels[l]
                    return level.value <= held.value && zip(level.demand, held.demand).allSatisfy { $0 <= $1 }
                }
            }
            ladders.append(allowed)
            subServices.append(Service(id: service.id, weight: service.weight, levels: allowed.map { service.levels[$0] }))
        }
        let before = Self.objective(services, state.levels)
        if free.allSatisfy({ $0 >= 0 }),
            let instance = try? Instance(capacity: free.map { max(0, $0) }, services: subServices)
        {
            let answer = solve(instance).levels
            var planned = state.levels
            for (k, s) in movable.enumerated() { planned[s] = answer[k].map { ladders[k][$0] } }
            if Self.objective(services, planned) > before + Tolerance.objective(before), Self.fits(services, planned, capacity) {
                for s in movable where s != beneficiary {
                    if Self.value(services[s], planned[s]) < Self.value(services[s], state.levels[s]) { state.lastStepDown[s] = now }
                }
                state.levels = planned
            }
        }
        state.levels = stepUp(services, state.levels, capacity: capacity)
        return state
    }

    /// Applies the rules until nothing changes: `newcomer` asks first (rule 1), then every
    /// waiting service, heaviest first (ties: arrival order), round after round, each followed
    /// by rule 2. Every change taken raises the total weighted QoS, so this ends; `rounds`
    /// counts the rounds including the last one, which changed nothing. What it returns is a
    /// fixed point: settling it again changes nothing.
    public func settle(
        _ services: [Service], state: State, capacity: [Double], now: Double, newcomer: Int? = nil,
        solve: (Instance) -> Solution
    ) -> (state: State, rounds: Int) {
        var state = state
        var rounds = 0
        var first = newcomer
        while true {
            rounds += 1
            let before = state
            let waiting = services.indices.filter { state.levels[$0] == nil && $0 != first }
                .sorted { services[$0].weight != services[$1].weight ? services[$0].weight > services[$1].weight : $0 < $1 }
            for s in (first.map { [$0] } ?? []) + waiting where state.levels[s] == nil {
                state = admit(s, services: services, state: state, capacity: capacity, now: now, solve: solve)
            }
            state.levels = stepUp(services, state.levels, capacity: capacity)
            first = nil
            if state == before { return (state, rounds) }
        }
    }

    /// Rule 2: heaviest first, each service to its most valuable level that fits in the free
    /// capacity (if better than its own).
    public func stepUp(_ services: [Service], _ levels: [Int?], capacity: [Double]) -> [Int?] {
        let order = services.indices.sorted { services[$0].weight != services[$1].weight ? services[$0].weight > services[$1].weight : $0 < $1 }
        return StepUp.raise(services, levels, capacity: capacity, order: order)
    }

    static func value(_ service: Service, _ level: Int?) -> Double { level.map { service.levels[$0].value } ?? 0 }

    static func objective(_ services: [Service], _ levels: [Int?]) -> Double {
        zip(services, levels).reduce(0) { $0 + $1.0.weight * value($1.0, $1.1) }
    }

    static func fits(_ services: [Service], _ levels: [Int?], _ capacity: [Double]) -> Bool {
        var usage = [Double](repeating: 0, count: capacity.count)
        for (service, level) in zip(services, levels) {
            if let level { for r in usage.indices { usage[r] += service.levels[level].demand[r] } }
        }
        return usage.indices.allSatisfy { Tolerance.fits(usage[$0], within: capacity[$0]) }
    }
}
