import Allocation
import ArgumentParser
import Foundation
import Testing

@testable import node

@Suite struct AllocateCommandTests {
    /// Writes `text` to a fresh temporary file and returns its path.
    func file(_ text: String, name: String = "instance.json") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("allocate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static let example = """
        {"boards": [{"id": "b1", "cpu": 1.5, "memoryMiB": 512}],
         "services": [{"id": "s1", "weight": 2,
           "levels": [{"name": "HD", "value": 0.8, "cpu": 0.9, "memoryMiB": 40},
                      {"name": "SD", "value": 0.5, "cpu": 0.35, "memoryMiB": 20}]},
                      {"id": "s2", "levels": [{"name": "HD", "value": 0.8, "cpu": 1.2, "memoryMiB": 40}]}]}
        """

    @Test func theOptionsParse_andBadOnesAreRefused() throws {
        let command = try #require(
            try NodeCommand.parseAsRoot(["allocate", "--instance", "i.json", "--algorithm", "fptas", "--epsilon", "0.3", "--json"])
                as? AllocateCommand)
        #expect(command.algorithm == .fptas && command.epsilon == 0.3 && command.json)
        #expect((try NodeCommand.parseAsRoot(["allocate", "--instance", "i.json"]) as? AllocateCommand)?.algorithm == .exact)
        #expect(throws: (any Error).self) { try NodeCommand.parseAsRoot(["allocate", "--instance", "i.json", "--epsilon", "1"]) }
        #expect(throws: (any Error).self) { try NodeCommand.parseAsRoot(["allocate", "--instance", "i.json", "--algorithm", "best"]) }
        #expect(throws: (any Error).self) { try NodeCommand.parseAsRoot(["allocate"]) }
    }

    @Test func theJSONAnswer_hasTheIssuesShape_withNullForAServiceNotServed() throws {
        let instance = try AllocationInput.load(try file(Self.example), profilesDirectory: "profiles")
        let answer = AllocationAnswer(instance, instance.solve(with: .exact), milliseconds: 0.2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.jsonLine.utf8)) as? [String: Any])
        #expect(object["algorithm"] as? String == "exact")
        #expect(abs((object["objective"] as? Double ?? 0) - 1.6) < 1e-9)
        #expect(abs((object["upperBound"] as? Double ?? 0) - 1.6) < 1e-9)
        let levels = try #require(object["levels"] as? [String: Any])
        #expect(levels["s1"] as? String == "HD")
        #expect(levels["s2"] is NSNull)
        #expect(object["milliseconds"] as? Double == 0.2)
        let fcfs = AllocationAnswer(instance, instance.solve(with: .fcfs), milliseconds: 0)
        #expect(fcfs.jsonLine.contains(#""upperBound":null"#))
        #expect(answer.table(instance).contains("s2       1       not served"))
    }

    @Test func aMalformedInstance_isAnErrorNamingTheFileAndTheField() throws {
        let bad = try file(Self.example.replacingOccurrences(of: #""cpu": 0.35"#, with: #""cpu": -0.35"#))
        #expect(throws: (any Error).self) { try AllocationInput.load(bad, profilesDirectory: "profiles") }
        do {
            _ = try AllocationInput.load(bad, profilesDirectory: "profiles")
        } catch {
            #expect("\(error)" == "\(bad): services[0].levels[1].cpu: must be >= 0")
        }
        let missing = "/nonexistent/instance.json"
        do {
            _ = try AllocationInput.load(missing, profilesDirectory: "profiles")
            Issue.record("read a missing file")
        } catch {
            #expect("\(error)" == "\(missing): no such file")
        }
    }

    @Test func aBoardMayNameAProfile_andAServiceARequest() throws {
        let profiles = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../profiles").standardized.path
        let path = try file(
            #"{"boards": [{"id": "vm", "profile": "amd-epyc.vm", "cpu": 0.5, "memoryMiB": 1024}], "services": [{"id": "cam", "weight": 5, "request": {"video": "FHD", "audio": "high", "accept": ["HD", "SD"], "streams": 2}}]}"#)
        let instance = try AllocationInput.load(path, profilesDirectory: profiles)
        #expect(instance.services[0].levels.map(\.name) == ["FHD+high", "HD+high", "SD+high"])
        #expect(instance.capacity == [0.5, 960])
        do {
            _ = try AllocationInput.load(path, profilesDirectory: "/nonexistent")
            Issue.record("found a profile in a missing directory")
        } catch {
            #expect("\(error)" == "\(path): boards[0].profile: /nonexistent/amd-epyc.vm.json: no such profile (looked for 'amd-epyc.vm' there)")
        }
    }
}
