import Foundation
import QoSModel
import Testing

@testable import Profiler

@Suite("Capability profile from real measurements")
struct ProfileDocumentTests {
    /// One real profiling run over short clips, shared by the tests below.
    static let measured: (runner: ProfileRunner, results: [PresetResult]) = {
        var configuration = ProfilerConfiguration()
        configuration.clipDurationSeconds = TestClips.duration
        configuration.cacheDirectory = TestClips.directory
        configuration.isBuildMachine = true
        configuration.repetitions = 1
        let runner = ProfileRunner(configuration: configuration)
        let results = (try? runner.run()) ?? []
        return (runner, results)
    }()

    private func profile() throws -> CapabilityProfile {
        let (runner, results) = Self.measured
        try #require(results.count == MediaPreset.allCases.count)
        let device = try DeviceProbe.current(isBuildMachine: true)
        return runner.profile(of: results, device: device, measuredAt: Date(timeIntervalSince1970: 1_795_000_000))
    }

    @Test("the written profile loads through the QoSModel loader")
    func writtenProfileLoads() throws {
        let profile = try profile()
        let out = TestClips.directory.appendingPathComponent("profiles-\(UUID().uuidString)")
        let written = try ProfileWriter.write(profile, out: out)
        let loaded = try CapabilityProfile.load(from: written.json)
        #expect(loaded.presets.count == MediaPreset.allCases.count)
        #expect(loaded.device.isBuildMachine)
        #expect(loaded.id == profile.id)
        #expect(written.json.lastPathComponent == "\(profile.id).json")
        #expect(FileManager.default.fileExists(atPath: written.svg.path))
    }

    @Test("every preset has positive CPU, wall and memory figures; audio decodes on one thread")
    func figuresArePositive() throws {
        for entry in try profile().presets {
            #expect(entry.singleThread.threads == 1)
            #expect(entry.singleThread.cpuSecondsPerMediaSecond > 0)
            #expect(entry.multiThread.wallSecondsPerMediaSecond > 0)
            #expect(entry.memoryHighWaterBytes > 0)
            if case .audio = entry.preset { #expect(entry.multiThread.threads == 1) }
        }
    }

    @Test("the chart has two bars per preset and names the device")
    func chartHasTwoBarsPerPreset() throws {
        let profile = try profile()
        let svg = ProfileChart.svg(profile)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "height=\"16\"").count - 1 == 2 * profile.presets.count)
        #expect(svg.contains(ProfileChart.escape(profile.device.model)))
    }

    @Test("the profile carries the frame-hash rate over every video clip's pictures, and its note says how")
    func frameHashIsMeasured() throws {
        let profile = try profile()
        let hash = try #require(profile.frameHash)
        let runs = Self.measured.results.compactMap(\.frameHash)
        #expect(runs.count == 3, "one run per video preset")
        #expect(Self.measured.results.filter { if case .audio = $0.preset { $0.frameHash != nil } else { false } }.isEmpty)
        // 0.5 s clips: SD 12, HD 12 and FHD 15 pictures of 1.5 bytes per pixel.
        #expect(hash.frames == 12 + 12 + 15)
        #expect(hash.bytes == 12 * 460_800 + 12 * 1_382_400 + 15 * 3_110_400)
        #expect(hash.bytesPerCPUSecond > 0)
        #expect(profile.measurement.notes.contains { $0.hasPrefix("frameHash.bytesPerCPUSecond:") })
        #expect(ProfileTable.render(profile).contains("frame hash (pack + MD5 of decoded pictures, 1 thread):"))
        let reloaded = try CapabilityProfile.decode(profile.encoded())
        #expect(reloaded.frameHash == hash)
    }

    @Test("the table lists every preset")
    func tableListsPresets() throws {
        let table = ProfileTable.render(try profile())
        for preset in MediaPreset.allCases { #expect(table.contains(preset.id)) }
    }

    @Test("an unwritable output path is a file error naming the path and the reason")
    func unwritableOutput() throws {
        let blocker = TestClips.directory.appendingPathComponent("plain-file-\(UUID().uuidString)")
        try Data("x".utf8).write(to: blocker)
        let error = #expect(throws: FileError.self) {
            try ProfileWriter.write(try profile(), out: blocker.appendingPathComponent("sub/p.json"))
        }
        #expect(error?.path.hasPrefix(blocker.path) == true)
        #expect(error?.reason.isEmpty == false)
    }
}
