import Allocation
import Testing

@Suite struct ValidationTests {
    let instance = try! Instance(
        capacity: [1.0, 100],
        services: [
            Service(id: "a", weight: 2, levels: [level("HD", 0.8, 0.9, 40), level("SD", 0.5, 0.35, 20)]),
            Service(id: "b", levels: [level("HD", 0.8, 0.9, 40)]),
        ])

    @Test func aFeasibleChoice_isCheckedAndScored() {
        let check = instance.check([1, nil])
        #expect(check.isFeasible)
        #expect(check.objective == 1.0)
        #expect(check.usage == [0.35, 20])
    }

    @Test func overCapacity_isAFaultNamingTheResource() {
        let check = instance.check([0, 0])
        #expect(!check.isFeasible)
        #expect(check.faults.count == 1)
        #expect(check.faults[0].hasPrefix("cpu: 1.8 cores used of 1.0"))
        #expect(instance.objective(of: [0, 0]) == nil)
    }

    @Test func aWrongCount_orALevelOutOfTheLadder_isAFault() {
        #expect(instance.check([nil]).faults == ["1 choices for 2 services"])
        #expect(instance.check([nil, 3]).faults == ["services[1] has no level 3"])
    }

    @Test func anInstanceInCode_isCheckedLikeALoadedOne() {
        #expect(throws: InstanceError(path: "services[0].levels[0].memoryMiB", message: "must be >= 0")) {
            try Instance(capacity: [1, 1], services: [Service(id: "a", levels: [level("L", 0.5, 0.1, -1)])])
        }
        #expect(throws: InstanceError(path: "capacity.cpu", message: "must be >= 0")) {
            try Instance(capacity: [-1, 1], services: [])
        }
    }
}
