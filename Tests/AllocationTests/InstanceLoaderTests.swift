import Allocation
import Testing

@Suite struct InstanceLoaderTests {
    func load(_ text: String) throws(InstanceError) -> Instance { try Instance(json: Array(text.utf8)) }

    func fault(_ text: String) -> String? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func theDocumentedExample_loadsWithCapacityPooledOverBoards() throws {
        let instance = try load(
            """
            {"boards": [{"id": "b1", "cpu": 1.5, "memoryMiB": 512}, {"id": "b2", "cpu": 0.5, "memoryMiB": 256}],
             "services": [{"id": "s1", "weight": 2,
               "levels": [{"name": "HD", "value": 0.8, "cpu": 0.9, "memoryMiB": 40},
                          {"name": "SD", "value": 0.5, "cpu": 0.35, "memoryMiB": 20}]}]}
            """)
        #expect(instance.capacity == [2.0, 768])
        #expect(instance.services.count == 1)
        #expect(instance.services[0].levels[1] == Level(name: "SD", value: 0.5, demand: [0.35, 20]))
        let solution = ExactSolver().solve(instance)
        #expect(solution.levelNames(in: instance) == ["s1": "HD"])
        #expect(abs(solution.objective - 1.6) < 1e-12)
    }

    @Test func aMissingWeight_defaultsToOne() throws {
        let instance = try load(
            #"{"boards": [{"id": "b", "cpu": 1, "memoryMiB": 1}], "services": [{"id": "s", "levels": [{"name": "L", "value": 1, "cpu": 0, "memoryMiB": 0}]}]}"#
        )
        #expect(instance.services[0].weight == 1)
    }

    @Test(arguments: [
        (#"{"cpu": -1}"#, "services[0].levels[0].cpu: must be >= 0"),
        (#"{"memoryMiB": -5}"#, "services[0].levels[0].memoryMiB: must be >= 0"),
        (#"{"value": 1.5}"#, "services[0].levels[0].value: must be in [0, 1]"),
        (#"{"value": -0.1}"#, "services[0].levels[0].value: must be in [0, 1]"),
        (#"{"cpu": "lots"}"#, "services[0].levels[0].cpu: must be a number"),
        (#"{"name": null}"#, "services[0].levels[0].name: is missing"),
    ])
    func aBadLevelField_isNamedByItsPath(patch: String, expected: String) {
        #expect(fault(document(level: patch)) == expected)
    }

    @Test func everyOtherFault_isNamedByItsPath() {
        let board = #"{"id": "b", "cpu": 1, "memoryMiB": 64}"#
        let level = #"{"name": "L", "value": 0.5, "cpu": 0.1, "memoryMiB": 1}"#
        #expect(fault(#"{"boards": [], "services": []}"#) == "boards: must not be empty")
        #expect(fault(#"{"services": []}"#) == "boards: is missing")
        #expect(fault(#"{"boards": [\#(board), \#(board)], "services": []}"#)?.hasPrefix("boards[1].id: duplicate id 'b'") == true)
        #expect(fault(#"{"boards": [{"id": "b", "cpu": -1, "memoryMiB": 64}], "services": []}"#) == "boards[0].cpu: must be >= 0")
        #expect(
            fault(#"{"boards": [\#(board)], "services": [{"id": "s", "levels": [\#(level)]}, {"id": "s", "levels": [\#(level)]}]}"#)?
                .hasPrefix("services[1].id: duplicate id 's'") == true)
        #expect(fault(#"{"boards": [\#(board)], "services": [{"id": "s", "levels": []}]}"#) == "services[0].levels: must not be empty")
        #expect(fault(#"{"boards": [\#(board)], "services": [{"id": "s", "weight": 0, "levels": [\#(level)]}]}"#) == "services[0].weight: must be > 0")
        #expect(fault(#"{"boards": [\#(board)], "services": [{"id": "s", "weight": -2, "levels": [\#(level)]}]}"#) == "services[0].weight: must be > 0")
        #expect(fault(#"{"boards": [\#(board)], "services": [{"id": 7, "levels": [\#(level)]}]}"#) == "services[0].id: must be a string")
        #expect(fault(#"{"boards": [\#(board)], "services": {}}"#) == "services: must be an array")
        #expect(fault(#"{"boards": [\#(board)], "services": ["#)?.hasPrefix("(document): is not valid JSON") == true)
    }

    /// A one-service document whose first level has `patch`'s fields replaced.
    func document(level patch: String) -> String {
        var fields = ["\"name\": \"L\"", "\"value\": 0.5", "\"cpu\": 0.1", "\"memoryMiB\": 1"]
        let inner = patch.dropFirst().dropLast()
        let key = inner.split(separator: ":")[0].trimmingCharacters(in: " ")
        fields.removeAll { $0.hasPrefix(key) }
        if !inner.contains("null") { fields.append(String(inner)) }
        let level = "{" + fields.joined(separator: ", ") + "}"
        return #"{"boards": [{"id": "b", "cpu": 1, "memoryMiB": 64}], "services": [{"id": "s", "levels": [\#(level)]}]}"#
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
