import Coalition
import MembershipCore

/// What the wire targets share with the seed generator (`FuzzSeedTests`): the key and the clock
/// the keyed seeds were made under, and every message type.
enum WireFixtures {
    /// The coalition key of the keyed seeds: 32 bytes 0x01...0x20 (`FuzzSeeds.key`).
    static let key: [UInt8] = Array(1...32)
    /// The wall clock the keyed seeds were tagged at, and the fuzzer's "now" (ms since the epoch).
    static let nowMilliseconds: UInt64 = 1_800_000_000_000

    static let keyring = WireKeyring(try! WireAuthenticator(key: key))

    /// Every type of protocol version 1: membership (UDP) and services (TCP).
    static let allTypes: [WireMessageType] = WireMessageType.membership + serviceTypes
    static let serviceTypes: [WireMessageType] = [
        .serviceQuery, .serviceOffer, .serviceReserve, .serviceReserveAnswer, .serviceRenew, .serviceRenewAnswer,
        .serviceRelease, .serviceReleaseAnswer, .serviceUnit, .serviceUnitAnswer, .serviceUnitCancel, .serviceUnitCancelAnswer,
    ]
}
