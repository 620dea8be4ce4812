import MembershipCore

/// The requester's side of one running stream: which member decodes which unit, when a unit
/// must go elsewhere, and in which order and how timely the frames come out. Pure: events in
/// (`handle(_:at:)`, with the time), directives out; it never reads a clock, draws no random
/// number, and holds no unit's bytes (the shell keeps them by key until `.forget`).
///
/// It composes:
/// - a `ShareDispatcher`: units to members in proportion to their reserved shares, at most
///   `dispatch.inFlightLimit` in flight per member;
/// - an `OrderedEmitter`: frames out strictly in unit order per stream, each exactly once;
/// - a `DeadlineLedger`: live deadlines (start + presentation time + latency) and frame counts;
/// - per-member accounts (units, media seconds, CPU reported, busy time against the share);
/// - a `DemandCalibration`: what the stream really costs each member against what its
///   reservation priced; `.recalibrate` when the reservations should follow (unless
///   `configuration.calibration` is nil).
///
/// **Failure.** A member lost (`memberLost`) gives back every unit only it held: they go to
/// the front of the queue and are sent to the others in the same call. A member whose unit
/// decodes longer than `configuration.stallBound` is *behind*: the units waiting behind the
/// late one are cancelled there and moved, the late one is duplicated to another member, and
/// the first answer wins (the other copy is cancelled; an answer that still comes is dropped and
/// counted). A member that loses the race for its own late unit is suspended (nothing new for
/// `configuration.suspension`, doubling while it keeps losing), so a hung worker costs a late
/// unit ever more rarely rather than once per stall bound. A unit that fails for a reason of the member's (`UnitFailure.isMemberFailure`)
/// is sent again, to another member when there is one, at most `retryLimit` times; one that
/// fails for a reason of its own is given up at once: its frames are counted lost and reported
/// with the unit's key and presentation range, and the output moves past it.
///
/// **Backpressure.** Units cut and not yet emitted never exceed `configuration.window`:
/// `.pauseInput` when they reach it, `.resumeInput` when they are below again
/// (`canAcceptUnit` says the same at any time).
///
/// **Degrade.** `deliveryChanged(.referenceFramesOnly)` makes the video units sent from then on
/// skip their disposable frames (a lower frame rate, which the QoS model names); the ledger
/// records from which frame on each stream was delivered at which level.
public struct StreamSession: Sendable {
    struct UnitState: Sendable {
        var metadata: UnitMetadata
        /// Fixed at the first send, so every copy returns the same frames.
        var plan: DeliveryPlan?
        var everSentTo: Set<MemberID> = []
        /// Members it failed at for a reason of theirs.
        var failedAt: Set<MemberID> = []
        var retries = 0
    }

    public let configuration: StreamConfiguration
    var dispatcher: ShareDispatcher
    var emitter = OrderedEmitter()
    public private(set) var ledger: DeadlineLedger
    /// What the stream costs each member, measured on its units (``DemandCalibration``).
    public internal(set) var calibration: DemandCalibration
    /// Cut, neither answered nor given up.
    var units: [UnitKey: UnitState] = [:]
    var counts = UnitCounts()
    var accounts: [MemberID: MemberReport] = [:]
    var lostUnits: [LostUnitReport] = []
    var timeBases: [UInt8: TimeBase] = [:]
    var kinds: [UInt8: StreamKind] = [:]
    /// The level units not yet sent will be delivered at.
    public private(set) var delivery = DeliveryLevel.full
    public internal(set) var inputEnded = false
    public private(set) var isFinished = false
    public private(set) var inputPaused = false
    var waitingReported = false

    public init(configuration: StreamConfiguration = .init()) {
        self.configuration = configuration
        self.dispatcher = ShareDispatcher(configuration: configuration.dispatch)
        self.ledger = DeadlineLedger(pacing: configuration.pacing)
        self.calibration = DemandCalibration(configuration: configuration.calibration ?? .init())
    }

    /// Units cut and not yet emitted: queued, in flight, or complete behind a gap.
    public var outstandingUnits: Int { units.count + emitter.heldCount }

    /// Whether the demuxer may cut another unit now (the window is not full).
    public var canAcceptUnit: Bool { !isFinished && !inputEnded && outstandingUnits < configuration.window }

    /// The members work is sent to, by id.
    public var members: [MemberID] { dispatcher.memberIDs }

    /// What `member` holds in flight, in the order sent.
    public func inFlight(at member: MemberID) -> [UnitKey] { dispatcher.inFlight(at: member).map(\.key) }

    /// MUST be called with every event, in the order they happened, with the time they happened
    /// at (never earlier than the previous call's). After `.finished`, every event is ignored.
    public mutating func handle(_ event: StreamEvent, at now: MediaInstant) -> [StreamDirective] {
        guard !isFinished else { return [] }
        var directives: [StreamDirective]
        switch event {
        case .inputStarted:
            ledger.markStart(at: now)
            directives = []
        case .unitCut(let metadata):
            directives = onUnitCut(metadata, at: now)
        case .result(let result, let member):
            directives = onResult(result, from: member, at: now)
        case .memberAdded(let member, let share, let estimate):
            dispatcher.addMember(member, share: share)
            accounts[member, default: MemberReport(member: member.rawValue, reservedShare: share)].reservedShare = share
            if let estimate {
                accounts[member]!.estimate = estimate
                calibration.setEstimate(estimate, of: member)
            }
            waitingReported = false
            directives = []
        case .memberLost(let member):
            calibration.forget(member)
            directives = onMemberLost(member, at: now)
        case .sharesChanged(let shares):
            for (member, share) in shares.sorted(by: { $0.key < $1.key }) where dispatcher.share(of: member) != nil {
                dispatcher.setShare(share, of: member)
                accounts[member]?.reservedShare = share
            }
            directives = []
        case .deliveryChanged(let level):
            delivery = level
            directives = []
        case .tick:
            directives = onTick(at: now)
        case .inputEnded:
            inputEnded = true
            directives = []
        case .abandon(let reason):
            directives = onAbandon(reason: reason, at: now)
        }
        return directives + settle(at: now)
    }

    private mutating func onUnitCut(_ metadata: UnitMetadata, at now: MediaInstant) -> [StreamDirective] {
        ledger.markStart(at: now)
        let key = metadata.key
        if inputEnded { return [.report(.unitRefused(key, reason: "cut after the input ended"))] }
        if units[key] != nil || emitter.hasOutput(for: key) {
            return [.report(.unitRefused(key, reason: "cut twice"))]
        }
        units[key] = UnitState(metadata: metadata)
        timeBases[key.stream] = metadata.timeBase
        kinds[key.stream] = metadata.kind
        counts.cut += 1
        ledger.expect(metadata.frameCount, in: key.stream)
        dispatcher.enqueue(ShareDispatcher.ReadyUnit(key: key, cost: metadata.cost))
        return []
    }

    /// After every event: send what can be sent, apply backpressure, finish when all is out.
    private mutating func settle(at now: MediaInstant) -> [StreamDirective] {
        guard !isFinished else { return [] }
        var directives: [StreamDirective] = []
        for assignment in dispatcher.dispatch(at: now) {
            var state = units[assignment.key]!
            let plan = state.plan ?? plan(for: state.metadata)
            state.plan = plan
            if dispatcher.holders(of: assignment.key).count > 1 {
                counts.duplicated += 1
            } else if !state.everSentTo.isEmpty {
                counts.redispatched += 1
            }
            state.everSentTo.insert(assignment.member)
            units[assignment.key] = state
            accounts[assignment.member]?.unitsSent += 1
            directives.append(.send(assignment.key, to: assignment.member, plan: plan))
        }
        if dispatcher.memberIDs.isEmpty, !units.isEmpty, !waitingReported {
            waitingReported = true
            directives.append(.report(.waitingForMembers(units: units.count)))
        }
        if !inputEnded {
            if outstandingUnits >= configuration.window, !inputPaused {
                inputPaused = true
                directives.append(.pauseInput)
            } else if outstandingUnits < configuration.window, inputPaused {
                inputPaused = false
                directives.append(.resumeInput)
            }
        }
        if inputEnded, units.isEmpty, emitter.heldCount == 0 {
            isFinished = true
            directives.append(.finished(report(at: now)))
        }
        return directives
    }

    func plan(for metadata: UnitMetadata) -> DeliveryPlan {
        metadata.kind == .video ? DeliveryPlan(level: delivery) : .full
    }

    /// Takes a unit's output; emits what is now in order.
    mutating func deliver(_ output: EmittedUnit, at now: MediaInstant) -> [StreamDirective] {
        emitter.accept(output).map { unit in
            ledger.record(unit, timeBase: timeBases[unit.key.stream] ?? TimeBase(numerator: 1, denominator: 1), at: now)
            return .emit(unit)
        }
    }

    /// The report as of `now`: report.json at the end, `node status` while it runs.
    public func report(at now: MediaInstant) -> StreamReport {
        var units = counts
        units.inFlight = dispatcher.inFlightCount
        units.queued = dispatcher.ready.count
        let latency: Double? = if case .live(let latency) = configuration.pacing { Double(latency.wholeNanoseconds) / 1e6 } else { nil }
        return StreamReport(
            pacing: latency == nil ? "batch" : "live", latencyMilliseconds: latency,
            elapsedSeconds: ledger.start.map { (now - $0).realSeconds } ?? 0,
            units: units, frames: ledger.frames,
            streams: ledger.streams.keys.sorted().map { StreamCounts(stream: $0, kind: kinds[$0], frames: ledger.streams[$0]!) },
            deliveryChanges: ledger.deliveryChanges, lateSpells: ledger.lateSpells, lateSpellsNotKept: ledger.lateSpellsNotKept,
            members: accounts.keys.sorted().map { member in
                var account = accounts[member]!
                account.busySeconds = dispatcher.busyTime(of: member, at: now).realSeconds
                return account
            },
            lostUnits: lostUnits)
    }
}
