import Foundation
import Testing

@testable import LabKit

/// The lab lends with the committed profile measured on this machine's CPU, when there is one.
@Suite struct CommittedProfileTests {
    let profiles: [(name: String, contents: Data)] = [
        ("amd-epyc.vm.json", Data(#"{"device": {"cpu": "AMD EPYC"}}"#.utf8)),
        ("broken.json", Data("not json".utf8)),
        ("intel-r-xeon-r-processor.vm.json", Data(#"{"device": {"cpu": "Intel(R) Xeon(R) Processor"}}"#.utf8)),
    ]

    @Test func theProfileOfThisMachinesCPU_isChosen() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\n"
        #expect(Lab.profileMatching(cpuinfo: cpuinfo, among: profiles) == "intel-r-xeon-r-processor.vm.json")
        #expect(Lab.profileMatching(cpuinfo: "model name\t: AMD EPYC\n", among: profiles) == "amd-epyc.vm.json")
    }

    @Test func anUnknownCPU_orNoModelName_matchesNone() {
        #expect(Lab.profileMatching(cpuinfo: "model name\t: ARMv8 Processor rev 4 (v8l)\n", among: profiles) == nil)
        #expect(Lab.profileMatching(cpuinfo: "Hardware\t: BCM2835\n", among: profiles) == nil)
        #expect(Lab.profileMatching(cpuinfo: "", among: []) == nil)
    }

    @Test func theCommittedProfile_isOneOfTheFilesInProfiles() throws {
        let path = try Lab.committedProfile()
        #expect(path.hasSuffix(".json") && FileManager.default.isReadableFile(atPath: path))
    }
}
