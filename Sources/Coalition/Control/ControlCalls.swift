import QoSModel

// The catalogue of the control protocol: one `ControlCall` per operation, naming what its
// request carries and what each answer line's `result` is. PROTOCOL.md shows them as JSON.

/// `ping` -> `{"alive":true}`.
public enum PingCall: ControlCall {
    public typealias Parameters = Empty
    public typealias Result = PingResult
    public static let operation = ControlOperation.ping
}

/// The `result` of `ping`.
public struct PingResult: Codable, Sendable, Equatable {
    /// Always true: a daemon answered.
    public var alive: Bool
    public init(alive: Bool = true) { self.alive = alive }
}

/// `status` -> ``StatusReport``.
public enum StatusCall: ControlCall {
    public typealias Parameters = Empty
    public typealias Result = StatusReport
    public static let operation = ControlOperation.status
}

/// `membership` -> ``MembershipReport``.
public enum MembershipCall: ControlCall {
    public typealias Parameters = Empty
    public typealias Result = MembershipReport
    public static let operation = ControlOperation.membership
}

/// `watch-membership` -> one ``MembershipChangeReport`` per change, until the client leaves.
public enum WatchMembershipCall: ControlCall {
    public typealias Parameters = Empty
    public typealias Result = MembershipChangeReport
    public static let operation = ControlOperation.watchMembership
}

/// `request` (``ServiceRequestParameters``) -> a ``ServiceRequestUpdate/answer(_:)``, then
/// with `watch` one ``ServiceRequestUpdate/event(_:)`` per event of that service.
public enum RequestCall: ControlCall {
    public typealias Parameters = ServiceRequestParameters
    public typealias Result = ServiceRequestUpdate
    public static let operation = ControlOperation.request
}

/// `release` (``ServiceReleaseParameters``) -> the released service's ``ServiceSummary``.
public enum ReleaseCall: ControlCall {
    public typealias Parameters = ServiceReleaseParameters
    public typealias Result = ServiceSummary
    public static let operation = ControlOperation.release
}

/// `services` -> ``ServicesReport``.
public enum ServicesCall: ControlCall {
    public typealias Parameters = Empty
    public typealias Result = ServicesReport
    public static let operation = ControlOperation.services
}

/// `watch-services` (``WatchServicesParameters``) -> one ``ServiceEventRecord`` per event.
public enum WatchServicesCall: ControlCall {
    public typealias Parameters = WatchServicesParameters
    public typealias Result = ServiceEventRecord
    public static let operation = ControlOperation.watchServices
}

/// The fields of `watch-services`.
public struct WatchServicesParameters: Codable, Sendable, Equatable {
    /// The service whose events to stream; nil for every service's.
    public var service: String?
    public init(service: String? = nil) { self.service = service }
}
