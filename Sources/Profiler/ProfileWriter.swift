import Foundation
import QoSModel

/// Writes a capability profile as JSON and its chart as SVG next to it.
public enum ProfileWriter {
    /// The JSON path for `profile`: `out` itself when it ends in `.json`, else `out/<id>.json`.
    public static func jsonURL(for profile: CapabilityProfile, out: URL) -> URL {
        out.pathExtension == "json" ? out : out.appendingPathComponent("\(profile.id).json")
    }

    /// Writes `<name>.json` and `<name>.svg`; returns both URLs. Throws `FileError` naming the
    /// path and the reason (e.g. a directory that cannot be created, a read-only file system).
    public static func write(_ profile: CapabilityProfile, out: URL) throws -> (json: URL, svg: URL) {
        let json = jsonURL(for: profile, out: out)
        let svg = json.deletingPathExtension().appendingPathExtension("svg")
        try FileSystem.makeDirectories(json.deletingLastPathComponent().path, purpose: "creating the output directory")
        let data: Data
        do {
            data = try profile.encoded() + Data("\n".utf8)
        } catch {
            throw FileError(path: json.path, operation: "encoding the profile", reason: "\(error)")
        }
        try write(data, to: json)
        try write(Data(ProfileChart.svg(profile).utf8), to: svg)
        return (json, svg)
    }

    private static func write(_ data: Data, to url: URL) throws(FileError) {
        try FileSystem.writeAtomically(data, to: url.path)
    }
}
