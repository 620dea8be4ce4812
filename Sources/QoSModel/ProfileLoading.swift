import Foundation

/// A capability profile that cannot be used, naming the file, the field and the problem.
public struct ProfileError: Error, Equatable, CustomStringConvertible {
    /// The file read, or `<data>` when decoding bytes that came from elsewhere.
    public var file: String
    /// A path into the document, e.g. `presets[video.HD].singleThread.cpuSecondsPerMediaSecond`;
    /// empty when the problem is the whole document.
    public var field: String
    public var problem: String

    public init(file: String, field: String, problem: String) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    public var description: String {
        field.isEmpty ? "\(file): \(problem)" : "\(file): \(field): \(problem)"
    }
}

extension CapabilityProfile {
    /// Decodes and validates a profile from JSON bytes; `file` names the source in errors.
    public static func decode(_ data: Data, file: String = "<data>") throws(ProfileError) -> CapabilityProfile {
        struct VersionProbe: Decodable { var schemaVersion: Int? }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let probe: VersionProbe
        do {
            probe = try decoder.decode(VersionProbe.self, from: data)
        } catch {
            throw ProfileError(file: file, field: "", problem: "not a JSON object (\(Self.explain(error)))")
        }
        guard let version = probe.schemaVersion else {
            throw ProfileError(file: file, field: "schemaVersion", problem: "missing")
        }
        guard version == currentSchemaVersion else {
            throw ProfileError(
                file: file, field: "schemaVersion",
                problem: "version \(version) is not supported; this build reads version \(currentSchemaVersion)")
        }
        let profile: CapabilityProfile
        do {
            profile = try decoder.decode(CapabilityProfile.self, from: data)
        } catch let error as DecodingError {
            throw ProfileError(file: file, field: Self.path(of: error), problem: Self.explain(error))
        } catch {
            throw ProfileError(file: file, field: "", problem: "\(error)")
        }
        if let problem = profile.validationProblems().first {
            throw ProfileError(file: file, field: problem.field, problem: problem.problem)
        }
        return profile
    }

    /// Encodes the profile as pretty, key-sorted JSON with ISO 8601 dates.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Every rule the profile breaks, as (field, problem) pairs; empty when it is usable.
    public func validationProblems() -> [(field: String, problem: String)] {
        var problems: [(field: String, problem: String)] = []
        func check(_ ok: Bool, _ field: String, _ problem: @autoclosure () -> String) {
            if !ok { problems.append((field, problem())) }
        }
        func checkNumber(_ value: Double, _ field: String, in range: ClosedRange<Double>, unit: String) {
            if !value.isFinite {
                problems.append((field, "must be a finite number, got \(value)"))
            } else if value < 0 {
                problems.append((field, "must not be negative, got \(value)"))
            } else if !range.contains(value) {
                problems.append((field, "\(value) \(unit) is absurd; expected \(range.lowerBound)...\(range.upperBound)"))
            }
        }

        check(!id.isEmpty && id.count <= 128, "id", "must be 1...128 characters")
        check((1...1024).contains(device.cores), "device.cores", "must be 1...1024, got \(device.cores)")
        check(
            (16 << 20...16 << 40).contains(device.memoryBytes), "device.memoryBytes",
            "must be between 16 MiB and 16 TiB, got \(device.memoryBytes)")
        checkNumber(measurement.clipDurationSeconds, "measurement.clipDurationSeconds", in: 0.1...3600, unit: "s")

        var seen = Set<MediaPreset>()
        for entry in presets {
            let base = "presets[\(entry.preset.id)]"
            check(seen.insert(entry.preset).inserted, base, "measured twice")
            for (name, run) in [("singleThread", entry.singleThread), ("multiThread", entry.multiThread)] {
                let field = "\(base).\(name)"
                check((1...1024).contains(run.threads), "\(field).threads", "must be 1...1024, got \(run.threads)")
                checkNumber(run.cpuSecondsPerMediaSecond, "\(field).cpuSecondsPerMediaSecond", in: 0.000_001...1000, unit: "s/s")
                checkNumber(run.wallSecondsPerMediaSecond, "\(field).wallSecondsPerMediaSecond", in: 0.000_001...1000, unit: "s/s")
                checkNumber(run.frameDecodeP50Milliseconds, "\(field).frameDecodeP50Milliseconds", in: 0...60_000, unit: "ms")
                checkNumber(run.frameDecodeP99Milliseconds, "\(field).frameDecodeP99Milliseconds", in: 0...60_000, unit: "ms")
                check(
                    !(run.frameDecodeP99Milliseconds < run.frameDecodeP50Milliseconds),
                    "\(field).frameDecodeP99Milliseconds",
                    "p99 (\(run.frameDecodeP99Milliseconds) ms) is below p50 (\(run.frameDecodeP50Milliseconds) ms)")
            }
            check(entry.singleThread.threads == 1, "\(base).singleThread.threads", "must be 1, got \(entry.singleThread.threads)")
            check(
                entry.memoryHighWaterBytes > 0 && entry.memoryHighWaterBytes <= device.memoryBytes,
                "\(base).memoryHighWaterBytes",
                "must be above 0 and at most the device's memory (\(device.memoryBytes) bytes), got \(entry.memoryHighWaterBytes)")
        }
        if let hash = frameHash {
            // 100 kB/s to 1 TB/s: MD5 runs at hundreds of MB/s on a Pi and a few GB/s at best.
            checkNumber(hash.bytesPerCPUSecond, "frameHash.bytesPerCPUSecond", in: 100_000...1e12, unit: "bytes per CPU s")
            check((1...100_000_000).contains(hash.frames), "frameHash.frames", "must be 1...100000000, got \(hash.frames)")
            check(hash.bytes > 0, "frameHash.bytes", "must be above 0, got \(hash.bytes)")
        }
        for preset in MediaPreset.allCases where !seen.contains(preset) {
            problems.append(("presets", "missing preset \(preset.id)"))
        }
        return problems
    }

    private static func path(of error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): context = c
        case .keyNotFound(let key, let c):
            return (c.codingPath + [key]).map(Self.component).joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        @unknown default: return ""
        }
        return context.codingPath.map(Self.component).joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    private static func component(_ key: any CodingKey) -> String {
        key.intValue.map { "[\($0)]" } ?? key.stringValue
    }

    private static func explain(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound: return "missing"
        case .valueNotFound(let type, _): return "missing a value of type \(type)"
        case .typeMismatch(let type, _): return "must be of type \(type)"
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError as NSError? {
                return "\(context.debugDescription) \(underlying.localizedDescription)"
            }
            return context.debugDescription
        @unknown default: return "\(error)"
        }
    }
}
