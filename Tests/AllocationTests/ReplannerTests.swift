import Allocation
import Testing

@Suite struct ReplannerTests {
    /// HD (0.8, 1 core) or SD (0.5, 0.4 core).
    func service(_ id: String, weight: Double) -> Service {
        Service(id: id, weight: weight, levels: [Level(name: "HD", value: 0.8, demand: [1, 10]), Level(name: "SD", value: 0.5, demand: [0.4, 10])])
    }

    func names(_ services: [Service], _ levels: [Int?]) -> [String] {
        zip(services, levels).map { service, level in level.map { service.levels[$0].name } ?? "-" }
    }

    @Test func weights115_theHeavyServiceGetsHD_theOthersStepDown_andReturnToHDWhenItLeaves() {
        // Two fit at HD (2 cores); the weight-5 service arrives third.
        let arrivals = [
            Arrival(minute: 0, departure: 10, service: service("a", weight: 1)),
            Arrival(minute: 0.1, departure: 10, service: service("b", weight: 1)),
            Arrival(minute: 0.2, departure: 5, service: service("c", weight: 5)),
        ]
        let simulation = ChurnSimulation(capacity: [2, 100])
        let report = simulation.run(arrivals, until: 6, planner: .bounded(cooldownMinutes: 1)) { ExactSolver().solve($0) }
        #expect(report.admitted == 3 && report.rejected == 0 && report.steppedDown == 2 && report.preempted == 0)
        // After c leaves at 5, a and b are both at HD again: every live service at its best.
        #expect(report.timeline.last == .init(minute: 5, qos: 1))
        // While c is served: c at HD (4.0), a and b at SD (0.5 each) of 5.6 at best.
        #expect(report.timeline[2] == .init(minute: 0.2, qos: 5 / 5.6))
    }

    @Test func aServiceNeverLosesCapacity_toOneOfEqualWeight() {
        let replanner = Replanner()
        let services = [service("a", weight: 2), service("b", weight: 2)]
        let state = Replanner.State(levels: [0, nil], lastStepDown: [nil, nil])
        let after = replanner.settle(services, state: state, capacity: [1.2, 100], now: 0, newcomer: 1) { ExactSolver().solve($0) }.state
        // Both at SD (1.0) would beat a alone at HD (1.6)? No: 2 x 0.5 x 2 = 2.0 > 1.6, yet b may not take from a.
        #expect(names(services, after.levels) == ["HD", "-"])
    }

    @Test func aServiceStepsDownAtMostOncePerCooldown() {
        let replanner = Replanner(cooldownMinutes: 1)
        // a (weight 1) holds FHD; b (weight 9) arrives: a steps down to HD; c (weight 9) arrives 30 s
        // later and would need a to step down again: it may not, so c waits until a minute has passed.
        let ladder = [Level(name: "FHD", value: 1, demand: [2, 0]), Level(name: "HD", value: 0.8, demand: [1, 0]), Level(name: "SD", value: 0.5, demand: [0.5, 0])]
        let services = [Service(id: "a", weight: 1, levels: ladder), Service(id: "b", weight: 9, levels: [ladder[1]]), Service(id: "c", weight: 9, levels: [ladder[2]])]
        let solve = { (instance: Instance) in ExactSolver().solve(instance) }
        var state = Replanner.State(levels: [0, nil], lastStepDown: [nil, nil])
        state = replanner.settle(Array(services[0..<2]), state: state, capacity: [2, 1], now: 0, newcomer: 1, solve: solve).state
        #expect(names(services, state.levels) == ["HD", "HD"] && state.lastStepDown[0] == 0)
        state.levels.append(nil)
        state.lastStepDown.append(nil)
        state = replanner.settle(services, state: state, capacity: [2, 1], now: 0.5, newcomer: 2, solve: solve).state
        #expect(names(services, state.levels) == ["HD", "HD", "-"])
        state = replanner.settle(services, state: state, capacity: [2, 1], now: 1.0, solve: solve).state
        #expect(names(services, state.levels) == ["SD", "HD", "SD"] && state.lastStepDown[0] == 1.0)
    }

    /// Hundreds (exact) and thousands (greedy) of seeded arrivals and departures on random ladders: capacity only passes to a
    /// strictly heavier service, nobody steps down twice within the cooldown, the total weighted
    /// QoS only rises between external events, and a settled state is a fixed point.
    @Test(arguments: [false, true])
    func seededChurn_cannotOscillate(exact: Bool) {
        let replanner = Replanner(cooldownMinutes: 1)
        let solve = { (instance: Instance) in exact ? ExactSolver().solve(instance) : GreedySolver().solve(instance) }
        var plans = 0
        for seed in UInt64(1)...(exact ? 2 : 8) {
            var random = SplitMix64(seed: seed)
            let generator = InstanceGenerator(services: 1, levels: 4, tightness: 1)
            let workload = Workload(requestsPerMinute: 4, lifetimeMinutes: 1...6, durationMinutes: 20)
            let arrivals = workload.arrivals(using: &random) { i, random in
                var service = generator.make(using: &random).services[0]
                service.id = "s\(i)"
                return service
            }
            let scale = Double.random(in: 1...4, using: &random)
            let capacity = [scale * 2, scale * 2 * 64]
            var live: [Int] = []
            var state = Replanner.State(levels: [], lastStepDown: [])
            var events = arrivals.indices.map { ($0, arrivals[$0].minute, true) } + arrivals.indices.map { ($0, arrivals[$0].departure, false) }
            events.sort { $0.1 != $1.1 ? $0.1 < $1.1 : (!$0.2 && $1.2) }
            for (i, minute, arriving) in events {
                if arriving {
                    live.append(i)
                    state.levels.append(nil)
                    state.lastStepDown.append(nil)
                } else if let k = live.firstIndex(of: i) {
                    live.remove(at: k)
                    state.levels.remove(at: k)
                    state.lastStepDown.remove(at: k)
                }
                let services = live.map { arrivals[$0].service }
                let before = state
                let (after, rounds) = replanner.settle(
                    services, state: state, capacity: capacity, now: minute, newcomer: arriving ? live.count - 1 : nil, solve: solve)
                plans += 1
                #expect(rounds <= services.count + 1, "seed \(seed): \(rounds) rounds for \(services.count) services")
                #expect((try! Instance(capacity: capacity, services: services)).check(after.levels).isFeasible, "seed \(seed)")
                for k in services.indices {
                    let was = before.levels[k].map { services[k].levels[$0].value } ?? 0
                    let now = after.levels[k].map { services[k].levels[$0].value } ?? 0
                    guard now < was else { continue }
                    // Who gained from it is strictly heavier.
                    let gainers = services.indices.filter { j in
                        (after.levels[j].map { services[j].levels[$0].value } ?? 0) > (before.levels[j].map { services[j].levels[$0].value } ?? 0)
                    }
                    #expect(gainers.contains { services[$0].weight > services[k].weight }, "seed \(seed): s\(k) lost to no heavier service")
                    if let last = before.lastStepDown[k] { #expect(minute - last >= 1, "seed \(seed): stepped down twice within a minute") }
                }
                let again = replanner.settle(services, state: after, capacity: capacity, now: minute, solve: solve)
                #expect(again.state == after && again.rounds == 1, "seed \(seed): not a fixed point")
                state = after
            }
        }
        #expect(plans > (exact ? 300 : 1_200))
    }
}
