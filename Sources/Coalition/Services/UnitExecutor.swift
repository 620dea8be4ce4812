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

    /// The same, stoppable: when `cancellation` is cancelled (its requester sent
    /// `ServiceMessage.unitCancel`), a unit still waiting is dropped and one decoding stopped,
    /// and the answer is `.cancelled`. Default: runs the unit to its end (an executor that
    /// cannot stop one); the query port still answers `.cancelled` for a unit cancelled before
    /// it was handed over.
    func execute(unit: [UInt8], plan: DeliveryPlan, under reservation: Reservation, cancellation: UnitCancellation) async -> UnitOutcome

    /// A lease for a stream was just granted: get ready for its first unit (start a worker in
    /// the service's cgroup), so that start-up does not fall on a unit under a live deadline.
    /// Never fails: a worker that cannot start now is started (or refused) with the first unit.
    /// `isHeld` says whether the lease still holds (it may end while the worker starts, before
    /// this executor has anything to retire). Default: nothing.
    func prepare(for reservation: Reservation, isHeld: @escaping @Sendable () async -> Bool) async
}

extension UnitExecutor {
    public func execute(unit: [UInt8], plan: DeliveryPlan, under reservation: Reservation, cancellation: UnitCancellation) async -> UnitOutcome {
        await execute(unit: unit, plan: plan, under: reservation)
    }

    public func prepare(for reservation: Reservation, isHeld: @escaping @Sendable () async -> Bool) async {}
}
