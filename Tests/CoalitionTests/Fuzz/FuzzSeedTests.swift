import Foundation
import Testing

/// The fuzz targets' seed corpus (`Fuzz/corpus`) is what the project's encoders make today.
/// `COALITION_WRITE_FUZZ_SEEDS=1 swift test --filter FuzzSeedTests` (re)writes it.
@Suite struct FuzzSeedTests {
    @Test func theCommittedSeedsAreWhatTheEncodersMakeToday() throws {
        let corpus = FuzzSeeds.repositoryRoot.appendingPathComponent("Fuzz/corpus")
        let write = ProcessInfo.processInfo.environment["COALITION_WRITE_FUZZ_SEEDS"] == "1"
        for (target, seeds) in try FuzzSeeds.all() {
            let directory = corpus.appendingPathComponent(target)
            if write { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
            for (name, bytes) in seeds {
                let file = directory.appendingPathComponent(name)
                if write {
                    try Data(bytes).write(to: file)
                } else {
                    let committed = try? Data(contentsOf: file)
                    #expect(committed.map(Array.init) == bytes, "Fuzz/corpus/\(target)/\(name) is not what the encoders make: rewrite with COALITION_WRITE_FUZZ_SEEDS=1")
                }
            }
        }
    }
}
