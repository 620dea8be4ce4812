import Allocation
import QoSModel
import ServicePlanning
import Testing

@Suite struct SimulatedCoalitionTests {
    @Test func theCoalition_pricesSeededServices_withDescendingLadders() {
        let coalition = SimulatedCoalition(boards: 4, spareCores: 1...1, availableMiB: 264...264)
        var random = SplitMix64(seed: 3)
        let (capacity, model) = coalition.model(makeProfile(), using: &random)
        #expect(capacity == [4, 800])
        var services: [Service] = []
        for i in 0..<200 { services.append(coalition.service(i, model: model, using: &random)) }
        for service in services {
            #expect((1...5).contains(service.weight))
            #expect(zip(service.levels, service.levels.dropFirst()).allSatisfy { $0.value > $1.value && $0.demand[0] > $1.demand[0] })
            #expect(service.levels.last!.name.hasPrefix("SD"))
        }
        #expect(Set(services.map(\.levels.count)) == [1, 2, 3])
        var again = SplitMix64(seed: 3)
        let (_, sameModel) = coalition.model(makeProfile(), using: &again)
        #expect(coalition.service(0, model: sameModel, using: &again) == services[0])
    }
}
