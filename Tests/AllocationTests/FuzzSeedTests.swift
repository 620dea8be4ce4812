import Allocation
import Foundation
import Testing

/// The seeds of the `allocation-instance` fuzz target (`Fuzz/corpus/allocation-instance`): the
/// documented example and generated instances in the loader's JSON form, each of which loads.
/// `COALITION_WRITE_FUZZ_SEEDS=1 swift test --filter FuzzSeedTests` (re)writes them.
@Suite struct AllocationFuzzSeedTests {
    static let documented = """
        {"boards": [{"id": "b1", "cpu": 1.5, "memoryMiB": 512}, {"id": "b2", "cpu": 0.5, "memoryMiB": 256}],
         "services": [{"id": "s1", "weight": 2,
           "levels": [{"name": "HD", "value": 0.8, "cpu": 0.9, "memoryMiB": 40},
                      {"name": "SD", "value": 0.5, "cpu": 0.35, "memoryMiB": 20}]}]}
        """

    /// The loader's JSON form of `instance`, its capacity split over two boards.
    static func json(_ instance: Instance) throws -> [UInt8] {
        struct Board: Encodable { var id: String; var cpu: Double; var memoryMiB: Double }
        struct Level: Encodable { var name: String; var value: Double; var cpu: Double; var memoryMiB: Double }
        struct Service: Encodable { var id: String; var weight: Double; var levels: [Level] }
        struct Document: Encodable { var boards: [Board]; var services: [Service] }
        let boards = [
            Board(id: "b1", cpu: instance.capacity[0] / 2, memoryMiB: instance.capacity[1] / 2),
            Board(id: "b2", cpu: instance.capacity[0] / 2, memoryMiB: instance.capacity[1] / 2),
        ]
        let services = instance.services.map { service in
            Service(id: service.id, weight: service.weight, levels: service.levels.map {
                Level(name: $0.name, value: $0.value, cpu: $0.demand[0], memoryMiB: $0.demand[1])
            })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(Document(boards: boards, services: services)))
    }

    static func seeds() throws -> [String: [UInt8]] {
        var random = SplitMix(seed: 19)
        var seeds = ["documented": Array(documented.utf8)]
        seeds["generated-3x3"] = try json(InstanceGenerator(services: 3, levels: 3).make(using: &random))
        seeds["generated-8x4-irregular"] = try json(InstanceGenerator(services: 8, levels: 4, irregular: true).make(using: &random))
        return seeds
    }

    @Test func theCommittedSeedsLoadAndAreWhatTheEncoderMakesToday() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/allocation-instance")
        let write = ProcessInfo.processInfo.environment["COALITION_WRITE_FUZZ_SEEDS"] == "1"
        if write { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        for (name, bytes) in try Self.seeds() {
            _ = try Instance(json: bytes)
            let file = directory.appendingPathComponent(name + ".json")
            if write {
                try Data(bytes).write(to: file)
            } else {
                #expect((try? Data(contentsOf: file)).map(Array.init) == bytes, "Fuzz/corpus/allocation-instance/\(name).json is stale")
            }
        }
    }
}

/// A seeded generator (SplitMix64), so the generated seeds are the same on every run.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49EB_133F_11EB
        return z ^ (z >> 31)
    }
}
