import QoSModel
import ServiceCore

/// The fields of op `request`: the service request itself, parsed once by the client
/// (`node request` builds it from its options) and decoded as the same `ServiceRequest` here.
///
///     {"v":2,"op":"request","request":{"ladder":[{"audio":"high","video":"HD"},
///      {"audio":"high","video":"SD"}],"streams":1},"watch":false,"waitMillis":5000}
///
/// Decoding checks the request as `ServiceRequest.init(ladder:streams:)` does (a non-empty
/// ladder that only goes down, 1...64 streams, every level naming video or audio): the line
/// comes from outside the daemon.
public struct ServiceRequestParameters: Codable, Sendable, Equatable {
    /// What to deliver: the accepted levels, best first, and how many streams.
    public var request: ServiceRequest
    /// Keep streaming the service's events after the answer. Default false.
    public var watch: Bool
    /// How long the daemon waits for the first outcome before answering with the service
    /// still forming, in milliseconds; the daemon holds it to 0...60 000. Default 5000.
    public var waitMillis: Int
    /// How much the service matters against others, > 0 (at most 1e6); members may step
    /// services of lower weight down for it. Left out of the line when 1. Default 1.
    public var weight: Double

    public init(_ request: ServiceRequest, watch: Bool = false, waitMillis: Int = 5000, weight: Double = 1) {
        self.request = request
        self.watch = watch
        self.waitMillis = waitMillis
        self.weight = weight
    }

    private enum CodingKeys: String, CodingKey { case request, watch, waitMillis, weight }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(request, forKey: .request)
        try container.encode(watch, forKey: .watch)
        try container.encode(waitMillis, forKey: .waitMillis)
        if weight != 1 { try container.encode(weight, forKey: .weight) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let decoded = try container.decode(ServiceRequest.self, forKey: .request)
        guard decoded.ladder.allSatisfy({ !$0.presets.isEmpty }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .request, in: container, debugDescription: "every level of the ladder needs a video or an audio level")
        }
        do {
            request = try ServiceRequest(ladder: decoded.ladder, streams: decoded.streams)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .request, in: container, debugDescription: "\(error)")
        }
        watch = try container.decodeIfPresent(Bool.self, forKey: .watch) ?? false
        waitMillis = try container.decodeIfPresent(Int.self, forKey: .waitMillis) ?? 5000
        weight = try container.decodeIfPresent(Double.self, forKey: .weight) ?? 1
        guard weight.isFinite, weight > 0, weight <= ReservationClaim.maximumWeight else {
            throw DecodingError.dataCorruptedError(
                forKey: .weight, in: container, debugDescription: "a weight must be above 0 and at most 1000000, got \(weight)")
        }
    }
}

/// One answer line of op `request`: the answer first, then (with `watch`) the service's events.
///
/// On the wire each is its own object, untagged, as before: an event is the object with a
/// `kind`, the answer the one without.
public enum ServiceRequestUpdate: Codable, Sendable, Equatable {
    case answer(ServiceRequestAnswer)
    case event(ServiceEventRecord)

    private enum Probe: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        if try decoder.container(keyedBy: Probe.self).contains(.kind) {
            self = .event(try ServiceEventRecord(from: decoder))
        } else {
            self = .answer(try ServiceRequestAnswer(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .answer(let answer): try answer.encode(to: encoder)
        case .event(let event): try event.encode(to: encoder)
        }
    }
}
