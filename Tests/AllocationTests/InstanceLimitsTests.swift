import Allocation
import Testing

@Suite struct InstanceLimitsTests {
    func fault(_ text: String, limits: InstanceLimits = .default) -> String? {
        do {
            _ = try Instance(json: Array(text.utf8), limits: limits)
            return nil
        } catch {
            return error.description
        }
    }

    let board = #"{"id": "b", "cpu": 1, "memoryMiB": 64}"#
    let level = #"{"name": "L", "value": 0.5, "cpu": 0.1, "memoryMiB": 1}"#

    @Test func absurdAmountsAndWeights_areRefusedByField() {
        #expect(fault(#"{"boards": [{"id": "b", "cpu": 1e300, "memoryMiB": 64}], "services": []}"#)
            == "boards[0].cpu: 1e+300 cores is absurd; at most 1024.0")
        #expect(fault(#"{"boards": [{"id": "b", "cpu": 1, "memoryMiB": 1e12}], "services": []}"#)?
            .hasPrefix("boards[0].memoryMiB: 1000000000000.0 MiB is absurd") == true)
        #expect(fault(#"{"boards": [\#(board)], "services": [{"id": "s", "weight": 1e9, "levels": [\#(level)]}]}"#)
            == "services[0].weight: 1000000000.0 is absurd; at most 1000000.0")
    }

    @Test func tooManyThings_andTooLongNames_areRefusedByField() {
        let limits = InstanceLimits(maximumBytes: 4_096, maximumBoards: 2, maximumServices: 2, maximumLevels: 2, maximumNameLength: 8)
        let three = [String](repeating: board, count: 3).joined(separator: ",")
        #expect(fault(#"{"boards": [\#(three)], "services": []}"#, limits: limits) == "boards: has 3 boards; at most 2")
        let service = #"{"id": "s", "levels": [\#(level), \#(level), \#(level)]}"#
        #expect(fault(#"{"boards": [\#(board)], "services": [\#(service)]}"#, limits: limits)
            == "services[0].levels: has 3 levels; at most 2")
        #expect(fault(#"{"boards": [{"id": "abcdefghij", "cpu": 1, "memoryMiB": 1}], "services": []}"#, limits: limits)
            == "boards[0].id: has 10 characters; at most 8")
        let services = (0..<3).map { #"{"id": "s\#($0)", "levels": [\#(level)]}"# }.joined(separator: ",")
        #expect(fault(#"{"boards": [\#(board)], "services": [\#(services)]}"#, limits: limits) == "services: has 3 services; at most 2")
        let big = #"{"boards": [\#(board)], "services": [], "pad": ""# + String(repeating: "x", count: 5_000) + #""}"#
        #expect(fault(big, limits: limits) == "(document): is \(big.utf8.count) bytes; at most 4096 are read")
    }

    @Test func requestsAndProfiles_needTheQoSModel_andLevelsAreNeeded() {
        #expect(fault(#"{"boards": [\#(board)], "services": [{"id": "s", "request": {"video": "HD"}}]}"#)?
            .hasPrefix("services[0].request: requests need the QoS model") == true)
        #expect(fault(#"{"boards": [{"id": "b", "profile": "x", "cpu": 1, "memoryMiB": 1}], "services": []}"#)?
            .hasPrefix("boards[0].profile: profiles need the QoS model") == true)
        #expect(fault(#"{"boards": [\#(board)], "services": [{"id": "s"}]}"#) == "services[0].levels: is missing (give levels or a request)")
        #expect(fault(#"{"boards": [\#(board)], "services": [{"id": "", "levels": [\#(level)]}]}"#) == "services[0].id: must not be empty")
    }
}
