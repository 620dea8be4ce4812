import Allocation
import Foundation
import QoSModel
import ServicePlanning

/// Reading `node allocate`'s instance file: every fault names the file and the field.
enum AllocationInput {
    /// A fault of an instance file: `FILE: services[2].levels[0].cpu: must be >= 0`.
    struct Failure: Error, CustomStringConvertible {
        var file: String
        var problem: String
        var description: String { "\(file): \(problem)" }
    }

    /// Loads `path`, finding boards' profiles by name in `profilesDirectory` (or as a `.json`
    /// path relative to the instance's directory).
    static func load(_ path: String, profilesDirectory: String, limits: InstanceLimits = .default) throws -> Instance {
        let url = URL(fileURLWithPath: path)
        let data: Data
        guard FileManager.default.fileExists(atPath: path) else { throw Failure(file: path, problem: "no such file") }
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= limits.maximumBytes else {
                throw Failure(file: path, problem: "is \(size) bytes; at most \(limits.maximumBytes) are read")
            }
            data = try Data(contentsOf: url)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(file: path, problem: "cannot be read (\((error as NSError).localizedDescription))")
        }
        let base = url.deletingLastPathComponent()
        var source = ProfiledLevelSource { name in
            let file = name.hasSuffix(".json")
                ? (name.hasPrefix("/") ? URL(fileURLWithPath: name) : base.appendingPathComponent(name))
                : URL(fileURLWithPath: profilesDirectory).appendingPathComponent("\(name).json")
            guard let bytes = try? Data(contentsOf: file) else {
                throw Failure(file: file.path, problem: "no such profile (looked for '\(name)' there)")
            }
            return try CapabilityProfile.decode(bytes, file: file.path)
        }
        do {
            return try Instance(json: Array(data), limits: limits, source: &source)
        } catch {
            throw Failure(file: path, problem: error.description)
        }
    }
}
