import MembershipCore

extension StreamSession {
    /// An answer: the first success of a unit wins; a failure is retried, waits for another
    /// copy, or gives the unit up.
    mutating func onResult(_ result: UnitResult, from member: MemberID, at now: MediaInstant) -> [StreamDirective] {
        let key = UnitKey(stream: result.stream, sequence: result.sequence)
        accounts[member]?.cpuSeconds += Double(result.cpuNanoseconds) / 1e9
        guard let state = units[key], state.everSentTo.contains(member) else {
            // Already answered (a duplicate that lost, an answer after a cancel), or never sent
            // there: dropped, counted.
            if units[key] == nil, emitter.hasOutput(for: key) {
                counts.duplicateResultsDropped += 1
            } else {
                counts.unexpectedResultsDropped += 1
            }
            return []
        }
        if let failure = result.failure { return onFailure(failure, of: key, at: member, now: now) }

        var directives: [StreamDirective] = []
        // Members behind on this very unit lost the race: suspended.
        let beaten = dispatcher.holders(of: key).filter { dispatcher.isBehind($0) && dispatcher.inFlight(at: $0).first?.key == key }
        if !dispatcher.isBehind(member) { dispatcher.forgetSuspensions(of: member) }
        let others = dispatcher.finish(key, except: member, now: now)
        for other in others {
            counts.cancelled += 1
            accounts[other]?.unitsCancelled += 1
            directives.append(.cancel(key, at: other))
        }
        for loser in beaten.sorted() {
            let length = dispatcher.suspend(loser, at: now, initial: configuration.suspension, maximum: configuration.maximumSuspension)
            accounts[loser]?.timesSuspended += 1
            directives.append(.report(.memberSuspended(loser, for: length)))
        }
        units[key] = nil
        directives.append(.forget(key))
        counts.done += 1
        let metadata = state.metadata
        let plan = state.plan ?? .full
        accounts[member]?.unitsDone += 1
        accounts[member]?.mediaSecondsDecoded += metadata.mediaDuration.realSeconds
        accounts[member]?.streamSecondsDecoded += metadata.cost
        if configuration.calibration != nil, plan == .full {
            // A unit decoded in full is worth its cost; one with frames skipped is cheaper.
            calibration.observe(member, cpuSeconds: Double(result.cpuNanoseconds) / 1e9, streamSeconds: metadata.cost)
            if let decision = calibration.decide(at: now) { directives.append(.recalibrate(decision)) }
        }
        let expected = metadata.expectedFrames(under: plan)
        let frames = Self.framesInOrder(result.frames, within: metadata.emit)
        if frames.count < result.frames.count {
            directives.append(.report(.framesRefused(key, count: result.frames.count - frames.count, member: member)))
        }
        if frames.count != expected {
            directives.append(.report(.frameCountMismatch(key, expected: expected, received: frames.count, member: member)))
        }
        let output = EmittedUnit(
            key: key, emit: metadata.emit, frames: frames, lostFrames: max(0, expected - frames.count),
            skippedFrames: metadata.frameCount - expected, level: plan.level, mediaDuration: metadata.mediaDuration)
        return directives + deliver(output, at: now)
    }

    /// The frames of an answer that may be emitted: inside the unit's emit range, presentation
    /// times strictly rising. Anything else would repeat a neighbour's frame or break the order.
    static func framesInOrder(_ frames: [DecodedFrame], within emit: PresentationRange) -> [DecodedFrame] {
        var kept: [DecodedFrame] = []
        kept.reserveCapacity(frames.count)
        for frame in frames where emit.contains(frame.pts) && (kept.last.map { frame.pts > $0.pts } ?? true) {
            kept.append(frame)
        }
        return kept
    }

    private mutating func onFailure(_ failure: UnitFailure, of key: UnitKey, at member: MemberID, now: MediaInstant) -> [StreamDirective] {
        guard dispatcher.holders(of: key).contains(member) else {
            // A copy already cancelled or taken back (its member was lost or fell behind).
            counts.duplicateResultsDropped += 1
            return []
        }
        accounts[member]?.unitsFailed += 1
        var state = units[key]!
        let stillHeld = dispatcher.release(key, at: member, now: now)
        let emit = state.metadata.emit
        if stillHeld || dispatcher.isQueued(key) {
            if failure.isMemberFailure { state.failedAt.insert(member) }
            units[key] = state
            return [.report(.unitFailed(key, emit: emit, failure: failure, member: member, outcome: .awaitingOtherCopy))]
        }
        if failure.isMemberFailure, state.retries < configuration.retryLimit {
            state.retries += 1
            state.failedAt.insert(member)
            units[key] = state
            counts.retried += 1
            dispatcher.requeueAtFront([ShareDispatcher.ReadyUnit(key: key, cost: state.metadata.cost, avoid: state.failedAt)])
            return [.report(.unitFailed(key, emit: emit, failure: failure, member: member, outcome: .retrying))]
        }
        let frames = state.metadata.expectedFrames(under: state.plan ?? plan(for: state.metadata))
        let reason = failure.isMemberFailure
            ? "\(failure) at \(member) after \(state.retries) retr\(state.retries == 1 ? "y" : "ies")"
            : "\(failure) at \(member): the unit's own data, not retried"
        return [.report(.unitFailed(key, emit: emit, failure: failure, member: member, outcome: .lost(frames: frames)))]
            + giveUp(key, failure: failure, member: member, reason: reason, at: now)
    }

    /// The unit's frames are lost: every copy cancelled, the output moves past it.
    mutating func giveUp(_ key: UnitKey, failure: UnitFailure?, member: MemberID?, reason: String, at now: MediaInstant) -> [StreamDirective] {
        guard let state = units.removeValue(forKey: key) else { return [] }
        var directives: [StreamDirective] = []
        for other in dispatcher.finish(key, except: nil, now: now) {
            counts.cancelled += 1
            accounts[other]?.unitsCancelled += 1
            directives.append(.cancel(key, at: other))
        }
        directives.append(.forget(key))
        let metadata = state.metadata
        let plan = state.plan ?? plan(for: metadata)
        let frames = metadata.expectedFrames(under: plan)
        counts.lost += 1
        lostUnits.append(LostUnitReport(
            stream: key.stream, sequence: key.sequence, start: metadata.emit.start, end: metadata.emit.end,
            frames: frames, failure: failure, member: member?.rawValue, reason: reason))
        let output = EmittedUnit(
            key: key, emit: metadata.emit, frames: [], lostFrames: frames, skippedFrames: metadata.frameCount - frames,
            level: plan.level, mediaDuration: metadata.mediaDuration)
        return directives + deliver(output, at: now)
    }

    /// The member's copies are cancelled there (it may have only left the sub-cluster, alive:
    /// the shell tells it when it can still reach it), then the units only it held requeued.
    mutating func onMemberLost(_ member: MemberID, at now: MediaInstant) -> [StreamDirective] {
        guard dispatcher.share(of: member) != nil else { return [] }
        var directives: [StreamDirective] = []
        for key in dispatcher.inFlight(at: member).map(\.key) {
            counts.cancelled += 1
            accounts[member]?.unitsCancelled += 1
            directives.append(.cancel(key, at: member))
        }
        let requeued = dispatcher.removeMember(member, at: now)
        accounts[member]?.timesLost += 1
        return directives + [.report(.memberLost(member, requeued: requeued))]
    }

    /// Finds members behind: their waiting units move, their late unit is duplicated.
    mutating func onTick(at now: MediaInstant) -> [StreamDirective] {
        var directives: [StreamDirective] = []
        let configuration = configuration
        for (member, head, waited) in dispatcher.overdue(at: now, bound: { configuration.stallBound(cost: $0.cost, share: $1) }) {
            let moved = dispatcher.markBehind(member, now: now)
            for key in moved {
                counts.cancelled += 1
                accounts[member]?.unitsCancelled += 1
                directives.append(.cancel(key, at: member))
            }
            accounts[member]?.timesBehind += 1
            if dispatcher.holders(of: head.key).count == 1, !dispatcher.isQueued(head.key), let state = units[head.key] {
                dispatcher.requeueAtFront([ShareDispatcher.ReadyUnit(key: head.key, cost: head.cost, avoid: state.failedAt)])
            }
            let bound = configuration.stallBound(cost: head.cost, share: dispatcher.share(of: member) ?? 0)
            directives.append(.report(.memberBehind(member, unit: head.key, waited: waited, bound: bound, moved: moved)))
        }
        return directives
    }

    mutating func onAbandon(reason: String, at now: MediaInstant) -> [StreamDirective] {
        inputEnded = true
        let keys = units.keys.sorted()
        let lostBefore = ledger.frames.lost
        var directives: [StreamDirective] = []
        for key in keys {
            directives += giveUp(key, failure: nil, member: nil, reason: "abandoned: \(reason)", at: now)
        }
        directives.append(.report(.abandoned(reason: reason, lostUnits: keys.count, lostFrames: ledger.frames.lost - lostBefore)))
        return directives
    }
}
