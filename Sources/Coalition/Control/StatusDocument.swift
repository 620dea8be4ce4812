import Foundation

/// What `node status --json` prints, and the one type that reads it back (the lab tests, the
/// benchmarks): the daemon's `status` result (``StatusReport``) with its `services`
/// (``ServicesReport``) and `membership` (``MembershipReport``) results beside its keys, each
/// absent when the daemon did not answer it.
///
///     {"self":{...},"avahi":"running","peers":[...],"authentication":{...},
///      "services":{...},"membership":{...}}
public struct StatusDocument: Codable, Sendable, Equatable {
    public var status: StatusReport
    public var services: ServicesReport?
    public var membership: MembershipReport?

    public init(status: StatusReport, services: ServicesReport?, membership: MembershipReport?) {
        self.status = status
        self.services = services
        self.membership = membership
    }

    /// Reads what `node status --json` printed (one JSON object, pretty-printed or on one line).
    public init(json: String) throws {
        self = try JSONDecoder().decode(StatusDocument.self, from: Data(json.utf8))
    }

    public func encode(to encoder: any Encoder) throws {
        try status.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(services, forKey: .services)
        try container.encodeIfPresent(membership, forKey: .membership)
    }

    public init(from decoder: any Decoder) throws {
        status = try StatusReport(from: decoder)
        let container = try decoder.container(keyedBy: Key.self)
        services = try container.decodeIfPresent(ServicesReport.self, forKey: .services)
        membership = try container.decodeIfPresent(MembershipReport.self, forKey: .membership)
    }

    private enum Key: String, CodingKey { case services, membership }
}
