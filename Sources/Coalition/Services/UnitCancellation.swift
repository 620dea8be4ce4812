import MediaCore
import MembershipCore
import ServiceCore
import Synchronization

/// One unit's cancel switch at a member, shared by the query port (which flips it when the
/// unit's requester sends `ServiceMessage.unitCancel`) and the executor running the unit (which
/// checks it at each step and installs what stops the unit while it waits or decodes).
///
/// The flag is set synchronously, whatever the executor is doing, so a cancel that arrives
/// before the executor took the unit (or while it hops between steps) is never lost: the
/// executor reads it before waiting, before decoding, and after.
public final class UnitCancellation: Sendable {
    private struct State {
        var cancelled = false
        var finished = false
        /// What stops the unit now, and whether that is a decode (a worker to stop).
        var stop: (@Sendable () -> Void)?
        var decoding = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether the unit's requester cancelled it.
    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Installs what stops the unit while it waits (`decoding` false: wake it) or decodes
    /// (`decoding` true: stop its worker). False when the unit is already cancelled: the
    /// executor must not start that step.
    public func whileRunning(decoding: Bool, stop: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.stop = stop
            state.decoding = decoding
            return true
        }
    }

    /// The step `whileRunning` guarded is over: nothing to stop any more.
    public func stepEnded() {
        state.withLock { state in
            state.stop = nil
            state.decoding = false
        }
    }

    /// The unit was answered: a later cancel finds nothing.
    public func finish() { state.withLock { $0.finished = true } }

    /// Cancels the unit: calls what stops its current step, if any. `.stopped` when it was
    /// decoding, `.dropped` when it was not yet, `.unknown` when it was already answered or
    /// cancelled.
    ///
    /// The stop runs under the lock (a signal, or a wake-up scheduled): once `stepEnded`
    /// returned, it can no longer run, so a worker reaped after its step is never signalled.
    public func cancel() -> UnitCancelOutcome {
        state.withLock { state in
            guard !state.finished, !state.cancelled else { return .unknown }
            state.cancelled = true
            let outcome: UnitCancelOutcome = state.decoding ? .stopped : .dropped
            state.stop?()
            state.stop = nil
            return outcome
        }
    }
}

/// The units a member's query port has in flight, on every connection, by requester, service
/// and unit key: what a `unitCancel` looks up. A unit is entered when it is read (before the
/// next request on its connection is) and leaves when it is answered.
public final class RunningUnits: Sendable {
    struct Name: Hashable {
        var service: ServiceID
        var unit: UnitKey
    }

    struct Entry {
        var requester: MemberID
        var cancellation: UnitCancellation
    }

    private let entries = Mutex<[Name: [ObjectIdentifier: Entry]]>([:])

    public init() {}

    /// Enters a unit; its switch is returned (and must be passed to `leave` when answered).
    public func enter(requester: MemberID, service: ServiceID, unit: UnitKey) -> UnitCancellation {
        let cancellation = UnitCancellation()
        entries.withLock { $0[Name(service: service, unit: unit), default: [:]][ObjectIdentifier(cancellation)] = Entry(requester: requester, cancellation: cancellation) }
        return cancellation
    }

    /// The unit was answered.
    public func leave(service: ServiceID, unit: UnitKey, _ cancellation: UnitCancellation) {
        cancellation.finish()
        entries.withLock { entries in
            let name = Name(service: service, unit: unit)
            entries[name]?.removeValue(forKey: ObjectIdentifier(cancellation))
            if entries[name]?.isEmpty == true { entries.removeValue(forKey: name) }
        }
    }

    /// Cancels `sender`'s copies of `unit` of `service`: `.refused` when only another
    /// requester's are here, `.unknown` when none is; otherwise what the cancel did (a decode
    /// stopped wins over a unit dropped).
    public func cancel(_ unit: UnitKey, of service: ServiceID, from sender: MemberID) -> UnitCancelOutcome {
        let found = entries.withLock { $0[Name(service: service, unit: unit)].map { Array($0.values) } ?? [] }
        let mine = found.filter { $0.requester == sender }
        guard !mine.isEmpty else { return found.isEmpty ? .unknown : .refused }
        let outcomes = mine.map { $0.cancellation.cancel() }
        if outcomes.contains(.stopped) { return .stopped }
        if outcomes.contains(.dropped) { return .dropped }
        return .unknown
    }

    /// Units in flight now (for tests and status).
    public var count: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}

/// What the cancels a member received found, for `node status` (`MemberWorkReport.cancels`).
public struct UnitCancelCounts: Codable, Sendable, Hashable {
    /// Units dropped before their decode started.
    public var dropped = 0
    /// Units whose decode was stopped (their worker killed and replaced).
    public var stopped = 0
    /// Cancels that found no such unit of the sender (already answered, or never came): no-ops.
    public var unknown = 0
    /// Cancels naming another requester's unit: refused.
    public var refused = 0

    public init() {}

    mutating func record(_ outcome: UnitCancelOutcome) {
        switch outcome {
        case .dropped: dropped += 1
        case .stopped: stopped += 1
        case .unknown: unknown += 1
        case .refused: refused += 1
        }
    }
}

/// Counts the cancels a member's query port received, by what they found.
public final class UnitCancelCounter: Sendable {
    private let counts = Mutex(UnitCancelCounts())

    public init() {}

    public func record(_ outcome: UnitCancelOutcome) { counts.withLock { $0.record(outcome) } }

    public var snapshot: UnitCancelCounts { counts.withLock { $0 } }
}
