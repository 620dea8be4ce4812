import MediaCore
import MembershipCore
import QoSModel
import ServiceCore

/// Where a peer answers queries and reservations.
public struct ServiceEndpoint: Hashable, Sendable, CustomStringConvertible {
    public var id: MemberID
    /// An IPv4 or IPv6 literal.
    public var host: String
    /// The peer's query port (TCP).
    public var port: UInt16

    public init(id: MemberID, host: String, port: UInt16) {
        self.id = id
        self.host = host
        self.port = port
    }

    public var description: String { "\(id)@\(host):\(port)" }
}

/// A member's answer to a reservation request, as carried on the wire.
public struct ReserveAnswer: Hashable, Sendable {
    public var accepted: Bool
    /// Why it was refused; empty when accepted.
    public var reason: String
    /// The share the member could still carry when it refused.
    public var available: Double
    /// What one whole stream of the reserved input is estimated to cost on the member (CPU
    /// seconds per media second, memory); nil when the reservation named no input.
    public var demand: Demand?
    /// What the demand's CPU figure is made of (decode, hash, basis); nil when not carried.
    public var estimate: CPUEstimate?

    public init(accepted: Bool, reason: String = "", available: Double = 0, demand: Demand? = nil, estimate: CPUEstimate? = nil) {
        self.accepted = accepted
        self.reason = reason
        self.available = available
        self.demand = demand
        self.estimate = estimate
    }
}

/// How a requester talks to members. The daemon's implementation speaks the wire protocol over
/// TCP; every call may throw (peer unreachable, malformed answer, authentication failure).
public protocol ServiceTransport: Sendable {
    /// Asks what share of each level `peer` can carry for a service of `weight` (1 = default);
    /// with an `input`, priced for that input's video rather than the level's preset.
    func query(
        _ peer: ServiceEndpoint, service: ServiceID, ladder: [QoSLevel], weight: Double, input: InputDescription?
    ) async throws -> PeerOffer
    /// Asks `peer` to reserve; `claim` (the service's weight and ladder) lets it step services of
    /// lower weight down for this one (nil: weight 1, only `level`).
    func reserve(
        _ peer: ServiceEndpoint, service: ServiceID, level: QoSLevel, share: Double, claim: ReservationClaim?,
        input: InputDescription?
    ) async throws -> ReserveAnswer
    /// Returns the services the peer does not hold for us any more, and those it stepped down.
    func renew(_ peer: ServiceEndpoint, services: [ServiceID]) async throws -> RenewAnswer
    func release(_ peer: ServiceEndpoint, service: ServiceID) async throws
}

/// Thrown when an operation did not finish in time.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var operation: String
    public var limit: Duration
    public var description: String { "\(operation) did not answer within \(limit)" }
}

/// Runs `operation`, cancelling it and throwing `DeadlineExceeded` after `limit`.
func withDeadline<T: Sendable>(
    _ limit: Duration, operation name: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw DeadlineExceeded(operation: name, limit: limit)
        }
        return value
    }
}
