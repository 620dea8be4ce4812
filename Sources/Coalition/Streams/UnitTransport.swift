import MediaCore
import MembershipCore
import ServiceCore

/// How a requester hands units to members: the daemon's implementation is `ServiceClient`, over
/// the authenticated service link.
public protocol UnitTransport: Sendable {
    /// Sends `unit` (in `MediaUnitEncoding`'s form) to `peer` to decode as `plan` says, under the
    /// lease of `service`; throws when the peer cannot be reached or does not answer in `timeout`.
    func execute(unit: [UInt8], plan: DeliveryPlan, of service: ServiceID, on peer: ServiceEndpoint, timeout: Duration) async throws -> UnitOutcome
    /// Tells `peer` to give up `unit` of `service` (sent to it before); throws as `execute` does.
    func cancel(unit: UnitKey, of service: ServiceID, on peer: ServiceEndpoint, timeout: Duration) async throws -> UnitCancelOutcome
}

extension ServiceClient: UnitTransport {}
