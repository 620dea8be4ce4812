import MembershipCore
import ServiceCore

/// How long the services requested here took to form and to be rebuilt, and how many events of
/// each kind they had: kept by the ``ServiceCoordinator`` (the shell that holds the clock),
/// read by the metrics endpoint.
public struct ServiceTimings: Hashable, Sendable {
    /// From a request to its first formation's outcome (formed, degraded or unserved), seconds.
    public var formation = DurationHistogram(bounds: DurationHistogram.subsecond)
    /// From a member's loss being known to the sub-cluster serving again, seconds.
    public var rebuild = DurationHistogram(bounds: DurationHistogram.subsecond)
    /// Service events by kind (`formed`, `member-lost`, `rebuilt`, `degraded`, ...).
    public var events: [ServiceEvent.Kind: Int] = [:]

    public init() {}
}
