/// The type byte of a frame, with the hard limit on its body's size.
///
/// ONLY APPEND TO THE LIST BELOW. The numbers are part of the protocol: a number once used is
/// never reused nor renumbered, even when its message is retired. Each subsystem declares its
/// types here (one line each, the next free number) and gives its codec the subset it accepts.
public struct WireMessageType: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    /// A short name for logs and drop counters.
    public let name: String
    /// The largest body accepted for this type, in bytes. Anything longer is dropped unread.
    public let maximumBodyLength: Int

    public init(rawValue: UInt8, name: String, maximumBodyLength: Int) {
        precondition(maximumBodyLength >= 0 && maximumBodyLength <= Int(UInt32.max))
        self.rawValue = rawValue
        self.name = name
        self.maximumBodyLength = maximumBodyLength
    }

    public var description: String { "\(name) (\(rawValue))" }

    // Membership (UDP), protocol version 1.
    public static let heartbeat = WireMessageType(rawValue: 1, name: "heartbeat", maximumBodyLength: 128)
    public static let probe = WireMessageType(rawValue: 2, name: "probe", maximumBodyLength: 96)
    public static let ack = WireMessageType(rawValue: 3, name: "ack", maximumBodyLength: 128)
    public static let probeRequest = WireMessageType(rawValue: 4, name: "probe-request", maximumBodyLength: 256)
    public static let indirectAck = WireMessageType(rawValue: 5, name: "indirect-ack", maximumBodyLength: 192)
    public static let alive = WireMessageType(rawValue: 6, name: "alive", maximumBodyLength: 96)
    public static let dead = WireMessageType(rawValue: 7, name: "dead", maximumBodyLength: 192)
    public static let leave = WireMessageType(rawValue: 8, name: "leave", maximumBodyLength: 96)
    // Queries and reservations (TCP), protocol version 1: see ServiceMessage.
    public static let serviceQuery = WireMessageType(rawValue: 9, name: "service-query", maximumBodyLength: 512)
    public static let serviceOffer = WireMessageType(rawValue: 10, name: "service-offer", maximumBodyLength: 8 * 1024)
    public static let serviceReserve = WireMessageType(rawValue: 11, name: "service-reserve", maximumBodyLength: 512)
    public static let serviceReserveAnswer = WireMessageType(rawValue: 12, name: "service-reserve-answer", maximumBodyLength: 1024)
    public static let serviceRenew = WireMessageType(rawValue: 13, name: "service-renew", maximumBodyLength: 16 * 1024)
    public static let serviceRenewAnswer = WireMessageType(rawValue: 14, name: "service-renew-answer", maximumBodyLength: 16 * 1024)
    public static let serviceRelease = WireMessageType(rawValue: 15, name: "service-release", maximumBodyLength: 512)
    public static let serviceReleaseAnswer = WireMessageType(rawValue: 16, name: "service-release-answer", maximumBodyLength: 16)
    // The service work (TCP, the same connections as queries): units out, results back.
    // A unit's body is at most MediaUnitLimits.standard.maximumUnitBytes plus its envelope.
    public static let serviceUnit = WireMessageType(rawValue: 17, name: "service-unit", maximumBodyLength: (16 << 20) + 512)
    // A result's body holds at most MediaUnitLimits.standard.maximumFrames digests of 36 bytes.
    public static let serviceUnitAnswer = WireMessageType(rawValue: 18, name: "service-unit-answer", maximumBodyLength: 8192 * 36 + 1024 + (3 + 64 * 16) + (1 << 20))
    // A unit given up by its requester (re-dispatched elsewhere, or its stream ended): the member
    // drops it if queued, stops it if decoding. A sender id, a service id and a unit key.
    public static let serviceUnitCancel = WireMessageType(rawValue: 19, name: "service-unit-cancel", maximumBodyLength: 512)
    public static let serviceUnitCancelAnswer = WireMessageType(rawValue: 20, name: "service-unit-cancel-answer", maximumBodyLength: 16)
    // 21 and up: the next subsystem's types, appended here.

    /// Every type this build knows, by number (the table in `PROTOCOL.md` beside this file).
    public static let all: [WireMessageType] = membership + [
        .serviceQuery, .serviceOffer, .serviceReserve, .serviceReserveAnswer, .serviceRenew, .serviceRenewAnswer,
        .serviceRelease, .serviceReleaseAnswer, .serviceUnit, .serviceUnitAnswer, .serviceUnitCancel, .serviceUnitCancelAnswer,
    ]

    /// Every membership type, for the membership socket's codec.
    public static let membership: [WireMessageType] = [
        .heartbeat, .probe, .ack, .probeRequest, .indirectAck, .alive, .dead, .leave,
    ]
}
