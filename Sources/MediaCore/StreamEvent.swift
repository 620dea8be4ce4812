import MembershipCore

/// What happened to a running stream, as the shell tells the session. Every event comes with
/// the `now` it happened at (`StreamSession.handle(_:at:)`).
public enum StreamEvent: Hashable, Sendable {
    /// The input began (the demuxer read its first packet): the stream's start, from which live
    /// deadlines count. Optional: without it the first `unitCut` is the start.
    case inputStarted
    /// The demuxer cut a unit. The shell keeps its encoded bytes by `metadata.key` until the
    /// session says `.forget` for it. Units of a stream come in sequence order, from 0.
    case unitCut(UnitMetadata)
    /// A member answered for a unit (decoded, or failed).
    case result(UnitResult, from: MemberID)
    /// A member joined the sub-cluster with `share` streams of the service's level reserved
    /// (ServiceCore's `SubClusterMember.share`); `estimate` is what its profile predicts this
    /// stream costs it in CPU (and of what), for the report and the calibration. A member
    /// already present has its share (and estimate, when given) changed.
    case memberAdded(MemberID, share: Double, estimate: CPUEstimate?)
    /// Membership declared the member dead, or it left the sub-cluster: its copies are cancelled
    /// there (`.cancel`; the shell tells a member it can still reach) and whatever only it held
    /// goes to the others at once.
    case memberLost(MemberID)
    /// Reserved shares changed (a degrade or an upgrade re-reserved the sub-cluster); members
    /// not named keep theirs.
    case sharesChanged([MemberID: Double])
    /// Deliver the units not yet sent at this level from now on (a degrade the QoS model names:
    /// a lower frame rate). Units already sent keep theirs.
    case deliveryChanged(DeliveryLevel)
    /// Time passed: finds members that fell behind. The shell ticks every 100 ms or so.
    case tick
    /// The input has no more units.
    case inputEnded
    /// Give up the stream (the service cannot be served any more, the user interrupted): every
    /// unit not yet decoded is lost and reported, every copy in flight cancelled, the stream
    /// finished.
    case abandon(reason: String)
}

/// What the session tells the shell to do, in order.
public enum StreamDirective: Hashable, Sendable {
    /// Send the unit's bytes (kept by the shell) to `member`, with the delivery plan.
    case send(UnitKey, to: MemberID, plan: DeliveryPlan)
    /// Tell `member` to drop its copy (abort it if decoding); an answer may still come and is
    /// dropped.
    case cancel(UnitKey, at: MemberID)
    /// The unit needs its bytes no more (answered, or given up): the shell may free them.
    case forget(UnitKey)
    /// Write this unit's frames to the output, now: units come strictly in sequence order per
    /// stream, each exactly once (a lost unit comes with no frames and its `lostFrames`).
    case emit(EmittedUnit)
    /// Stop reading the input (backpressure): as many units as the window allows are cut and
    /// not yet emitted.
    case pauseInput
    /// Read the input again.
    case resumeInput
    /// Something a person should know (logged, shown by `node request --watch`).
    case report(StreamProblem)
    /// The members' reservations priced the stream away from what its units cost them: ask
    /// them to reserve again at these calibrations (``DemandCalibration``). Their new estimates
    /// come back as `memberAdded` of members already present.
    case recalibrate(DemandCalibration.Decision)
    /// The stream is over: every unit cut was emitted (or the stream abandoned). Last directive.
    case finished(StreamReport)
}

/// Why a unit failed, and what becomes of it.
public enum FailureOutcome: Hashable, Sendable {
    /// Sent again, to another member when there is one.
    case retrying
    /// Another member holds a copy; its answer decides.
    case awaitingOtherCopy
    /// Given up: its frames are lost.
    case lost(frames: Int)
}

/// Something about the stream a person should know. Nothing is dropped silently.
public enum StreamProblem: Hashable, Sendable, CustomStringConvertible {
    /// A member could not decode a unit.
    case unitFailed(UnitKey, emit: PresentationRange, failure: UnitFailure, member: MemberID, outcome: FailureOutcome)
    /// A member was lost; the units only it held went back to the queue.
    case memberLost(MemberID, requeued: [UnitKey])
    /// A member's unit has been decoding longer than its bound: the units waiting behind it
    /// were moved, and the late unit duplicated to another member.
    case memberBehind(MemberID, unit: UnitKey, waited: Duration, bound: Duration, moved: [UnitKey])
    /// A member returned another number of frames than the unit holds (the missing ones are
    /// counted lost).
    case frameCountMismatch(UnitKey, expected: Int, received: Int, member: MemberID)
    /// A member behind lost the race for its late unit to another member: it receives nothing
    /// new for this long (doubling at each loss until it answers first again).
    case memberSuspended(MemberID, for: Duration)
    /// A member returned frames outside the unit's emit range, or out of presentation order:
    /// they are not emitted (and the unit's missing frames are counted lost).
    case framesRefused(UnitKey, count: Int, member: MemberID)
    /// No member is left while units wait; they wait for the rebuilt sub-cluster.
    case waitingForMembers(units: Int)
    /// A unit was cut twice, or after the input ended; ignored.
    case unitRefused(UnitKey, reason: String)
    /// The stream was given up.
    case abandoned(reason: String, lostUnits: Int, lostFrames: Int)

    public var description: String {
        switch self {
        case .unitFailed(let key, let emit, let failure, let member, let outcome):
            let what: String
            switch outcome {
            case .retrying: what = "retrying elsewhere"
            case .awaitingOtherCopy: what = "another copy is in flight"
            case .lost(let frames): what = "\(frames) frame(s) lost"
            }
            return "unit \(key) (pts \(emit.start)..<\(emit.end.map(String.init) ?? "end")) failed at \(member): \(failure): \(what)"
        case .memberLost(let member, let requeued):
            return "member \(member) lost; \(requeued.count) unit(s) re-dispatched"
        case .memberBehind(let member, let unit, let waited, let bound, let moved):
            return "member \(member) behind: unit \(unit) decoding for \(waited) (bound \(bound)); duplicated, \(moved.count) queued unit(s) moved"
        case .frameCountMismatch(let key, let expected, let received, let member):
            return "unit \(key) from \(member): \(received) frame(s), expected \(expected)"
        case .memberSuspended(let member, let length):
            return "member \(member) suspended for \(length): another member decoded its late unit first"
        case .framesRefused(let key, let count, let member):
            return "unit \(key) from \(member): \(count) frame(s) outside its range or out of order, not emitted"
        case .waitingForMembers(let units):
            return "no member left; \(units) unit(s) wait for the rebuilt sub-cluster"
        case .unitRefused(let key, let reason):
            return "unit \(key) refused: \(reason)"
        case .abandoned(let reason, let lostUnits, let lostFrames):
            return "stream abandoned (\(reason)): \(lostUnits) unit(s), \(lostFrames) frame(s) lost"
        }
    }
}
