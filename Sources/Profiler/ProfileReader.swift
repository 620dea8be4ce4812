import Foundation
import QoSModel

extension CapabilityProfile {
    /// Reads and validates a profile file (QoSModel decodes; reading the disk is ours). Rejects an
    /// unreadable file, and everything ``CapabilityProfile/decode(_:file:)`` rejects (bad JSON,
    /// another schema version, a missing or duplicated preset, negative or absurd numbers).
    public static func load(from url: URL) throws(ProfileError) -> CapabilityProfile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ProfileError(file: url.path, field: "", problem: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path)
    }
}
