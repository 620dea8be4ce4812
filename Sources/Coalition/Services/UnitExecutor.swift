import MediaCore
import MembershipCore
import ServiceCore

/// Runs the units a member is sent under the reservations it holds: the member's side of the
/// service work. The daemon's implementation hands each unit to a decode worker process in the
/// service's cgroup; the daemon itself never parses media.
public protocol UnitExecutor: Sendable {
    /// Decodes `unit` (a unit in `MediaUnitEncoding`'s form) as `plan` says, under `reservation`, and returns its
    /// result, also in that form, or why it was not taken. Never throws: a worker's failure is a
    /// result (`UnitFailure`), a refusal is a `UnitRefusal`.
    func execute(unit: [UInt8], plan: DeliveryPlan, under reservation: Reservation) async -> UnitOutcome
}
