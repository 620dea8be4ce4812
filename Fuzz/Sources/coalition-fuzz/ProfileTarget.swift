import Foundation
import QoSModel

/// The capability profile loader (`CapabilityProfile.decode`: schema version, JSON decoding,
/// every validation rule), as `node join` reads `profiles/<device>.json`.
///
/// Checked: what decodes has no validation problem, and `encoded()` is canonical for its own
/// output: decode(encoded(p)) == p and encoding that again gives the same bytes.
enum ProfileTarget {
    static let target = FuzzTarget(
        name: "profile",
        summary: "CapabilityProfile.decode (JSON + validation); encoded() round-trips and is canonical"
    ) { bytes in
        let data = Data(bytes)
        let result = Fuzz.timed("profile decode") { Result { () throws(ProfileError) in try CapabilityProfile.decode(data) } }
        guard case .success(let profile) = result else { return }
        Fuzz.check(profile.validationProblems().isEmpty, "a decoded profile has validation problems")
        guard let encoded = try? profile.encoded(), let again = try? CapabilityProfile.decode(encoded) else {
            Fuzz.check(false, "a decoded profile does not encode and decode again")
            return
        }
        Fuzz.check(again == profile, "decode(encoded(p)) != p")
        Fuzz.check((try? again.encoded()) == encoded, "encoded() is not canonical")
    }
}
