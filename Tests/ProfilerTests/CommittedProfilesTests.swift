import Foundation
import Profiler
import QoSModel
import Testing

@Suite("Committed profiles")
struct CommittedProfilesTests {
    /// `profiles/` at the package root, found from this file's path.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("profiles")

    static var files: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" }
    }

    @Test("every profile in profiles/ loads, names its machine and has its chart beside it")
    func everyCommittedProfileLoads() throws {
        let files = Self.files
        #expect(!files.isEmpty)
        for file in files {
            let profile = try CapabilityProfile.load(from: file)
            #expect(!profile.device.hostname.isEmpty)
            #expect(file.lastPathComponent == "\(profile.id).json")
            #expect(FileManager.default.fileExists(atPath: file.deletingPathExtension().appendingPathExtension("svg").path))
        }
    }

    @Test("a missing profile file is named in the error")
    func aMissingProfileFileIsNamed() {
        let missing = Self.directory.appendingPathComponent("absent.json")
        let error = #expect(throws: ProfileError.self) { try CapabilityProfile.load(from: missing) }
        #expect(error?.file == missing.path)
        #expect(error?.problem.hasPrefix("cannot read the file") == true)
    }

    @Test("a build machine's profile says so")
    func buildMachineProfileIsMarked() throws {
        let profiles = try Self.files.map { try CapabilityProfile.load(from: $0) }
        #expect(profiles.contains { $0.device.isBuildMachine })
    }
}
