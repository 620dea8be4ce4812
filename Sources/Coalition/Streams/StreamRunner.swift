import Logging
import MediaCore
import MembershipCore
import ServiceCore

/// The requester's side of one running stream, in the daemon: the I/O shell of `StreamSession`.
///
/// It takes the units its input cuts (`cut`, which waits while the session holds the input
/// back), keeps their bytes until the session forgets them, sends them to members over the
/// service link, feeds the answers back, tells the session what the sub-cluster became
/// (`membersChanged`), ticks it, and hands every output (frames in order, problems, the final
/// report) to `outputs`. It never decodes: units are opaque bytes here, read only for their
/// metadata.
///
/// A copy the session cancels (moved from a member behind, beaten by another copy, taken back
/// from a member that left the sub-cluster, or given up with the stream) is cancelled at its
/// member (`UnitTransport.cancel`), so the member stops spending lent CPU on it; the member
/// answers that copy `.cancelled`, which is dropped here. A member declared dead is told nothing.
public actor StreamRunner {
    public struct Configuration: Sendable {
        /// The session's knobs (pacing, window, dispatch). Default: `StreamConfiguration()`.
        public var session: StreamConfiguration
        /// How often the session is ticked to find members that fell behind. Default 100 ms.
        public var tickInterval: Duration
        /// How long one unit's exchange with a member may take before it counts as failed by the
        /// member. Default 30 s: the session finds a slow member long before (its stall bound)
        /// and duplicates the unit elsewhere; this bound only frees the request.
        public var unitTimeout: Duration
        /// How long a cancel's exchange may take (it is sent and forgotten: the copy's own answer
        /// is dropped whatever comes). Default 2 s.
        public var cancelTimeout: Duration

        public init(
            session: StreamConfiguration = .init(), tickInterval: Duration = .milliseconds(100), unitTimeout: Duration = .seconds(30),
            cancelTimeout: Duration = .seconds(2)
        ) {
            self.session = session
            self.tickInterval = tickInterval
            self.unitTimeout = unitTimeout
            self.cancelTimeout = cancelTimeout
        }
    }

    /// What the stream produced, in order.
    public enum Output: Sendable, Hashable {
        case emitted(EmittedUnit)
        /// Thumbnails a member made for a unit (its answer may later be dropped as a
        /// duplicate's: the same thumbnails can come twice).
        case thumbnails([Thumbnail])
        case problem(StreamProblem)
        case finished(StreamReport)
        /// The input could not be read on; the units cut before are still delivered.
        case inputFailed(String)
        /// The members should reserve again at these calibrations (what the stream measured
        /// against what they priced): for the service's coordinator.
        case recalibrate(DemandCalibration.Decision)
        /// A member's service is gone (its host refused or closed the connection under a unit:
        /// its daemon died, and its lease with it): for the service's coordinator, which
        /// rebuilds without it at once rather than when membership declares it dead. Said once
        /// per member while it is in the sub-cluster.
        case memberServiceGone(MemberID, reason: String)
    }

    /// A member of the sub-cluster as the supervisor last formed it.
    public struct Member: Sendable, Hashable {
        public var endpoint: ServiceEndpoint
        /// Streams of the service's level it reserved.
        public var share: Double
        /// What its profile predicts the stream costs it in CPU (and of what), when known.
        public var estimate: CPUEstimate?

        public init(endpoint: ServiceEndpoint, share: Double, estimate: CPUEstimate? = nil) {
            self.endpoint = endpoint
            self.share = share
            self.estimate = estimate
        }
    }

    /// A unit the input gave that is not one.
    public struct MalformedUnit: Error, CustomStringConvertible {
        public var reason: MediaDecodingError
        public var description: String { "the demuxer gave a malformed unit: \(reason)" }
    }

    public let service: ServiceID
    public let configuration: Configuration
    /// Every output, in order; finishes after `.finished`.
    public nonisolated let outputs: AsyncStream<Output>
    private let sink: AsyncStream<Output>.Continuation
    private let transport: any UnitTransport
    private let logger: Logger
    private var session: StreamSession
    private var units: [UnitKey: [UInt8]] = [:]
    private var members: [MemberID: Member] = [:]
    /// Members that just left the sub-cluster (alive, as far as known), while the session's
    /// answer to their leaving is performed: their copies are cancelled there.
    private var leaving: [MemberID: Member] = [:]
    /// Members whose service was reported gone (`memberServiceGone`), until they leave the
    /// sub-cluster.
    private var reportedGone: Set<MemberID> = []
    private var inputPaused = false
    private var resumeWaiters: [CheckedContinuation<Void, Never>] = []
    private var finished = false
    /// Live pacing: when the first unit came, and each stream's first presentation time.
    private var inputStart: ContinuousClock.Instant?
    private var firstPresentation: [UInt8: Int64] = [:]
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    public init(service: ServiceID, transport: any UnitTransport, configuration: Configuration = .init(), logger: Logger) {
        self.service = service
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        self.session = StreamSession(configuration: configuration.session)
        (outputs, sink) = AsyncStream.makeStream()
        origin = clock.now
    }

    private var now: MediaInstant { MediaInstant(elapsed: clock.now - origin) }

    /// Ticks the session until the stream finishes.
    public func run() async {
        while !finished && !Task.isCancelled {
            try? await Task.sleep(for: configuration.tickInterval)
            handle(.tick)
        }
    }

    /// The stream's input started (its deadlines count from now).
    public func inputStarted() { handle(.inputStarted) }

    /// Takes the next unit the input cut; returns once the session can take another (the input
    /// is held back while the window is full).
    public func cut(_ bytes: [UInt8]) async throws(MalformedUnit) {
        let unit: MediaUnit
        do {
            unit = try MediaUnitEncoding.decodeUnit(bytes)
        } catch {
            throw MalformedUnit(reason: error)
        }
        let metadata = UnitMetadata(describing: unit)
        if case .live = configuration.session.pacing { await waitForRelease(of: unit) }
        // A stream given up (or over) takes no more units: their bytes would never be forgotten.
        guard !finished else { return }
        units[metadata.key] = bytes
        handle(.unitCut(metadata))
        while inputPaused && !finished {
            await withCheckedContinuation { resumeWaiters.append($0) }
        }
    }

    /// Live: a unit enters when the last of its media has "arrived", as from a camera: at the
    /// stream's start plus its end's presentation time from the stream's first frame. A source
    /// that is live itself (a pipe) delivers units about then anyway; a file is held to that pace.
    private func waitForRelease(of unit: MediaUnit) async {
        let start: ContinuousClock.Instant
        if let known = inputStart {
            start = known
        } else {
            start = clock.now
            inputStart = start
            handle(.inputStarted)
        }
        let first = firstPresentation[unit.stream] ?? unit.emit.start
        firstPresentation[unit.stream] = first
        let end = unit.emit.end ?? unit.packets.compactMap { packet in packet.pts.map { $0 + packet.duration } }.max() ?? unit.emit.start
        let offset = unit.parameters.timeBase.nanoseconds(end - first)
        let release = start + .nanoseconds(max(0, offset))
        if release > clock.now { try? await Task.sleep(until: release, clock: clock) }
    }

    /// The input has no more units.
    public func inputEnded() { handle(.inputEnded) }

    /// The input could not be read on (`reason` names it and where): said, then ended.
    public func inputFailed(_ reason: String) {
        logger.warning("the input failed", metadata: ["service": "\(service)", "reason": "\(reason)"])
        sink.yield(.inputFailed(reason))
        handle(.inputEnded)
    }

    /// Gives the stream up (the service cannot be served, the user stopped it).
    public func abandon(reason: String) { handle(.abandon(reason: reason)) }

    /// Serve at `level` from the next units on (a degrade the session can name).
    public func deliver(at level: DeliveryLevel) { handle(.deliveryChanged(level)) }

    /// The sub-cluster now: members new to it are added, members gone from it lost (their units
    /// go to the others at once), changed shares applied.
    public func membersChanged(_ current: [Member]) {
        let now = now
        var directives: [StreamDirective] = []
        let byID = Dictionary(current.map { ($0.endpoint.id, $0) }, uniquingKeysWith: { $1 })
        for id in members.keys.sorted() where byID[id] == nil {
            directives += session.handle(.memberLost(id), at: now)
        }
        var changed: [MemberID: Double] = [:]
        for (id, member) in byID.sorted(by: { $0.key < $1.key }) {
            if let known = members[id] {
                if known.estimate != member.estimate, member.estimate != nil {
                    // Re-reserved at a new calibration: the session prices it anew.
                    directives += session.handle(.memberAdded(id, share: member.share, estimate: member.estimate), at: now)
                } else if known.share != member.share {
                    changed[id] = member.share
                }
            } else {
                directives += session.handle(.memberAdded(id, share: member.share, estimate: member.estimate), at: now)
            }
        }
        leaving = members.filter { byID[$0.key] == nil }
        members = byID
        reportedGone = reportedGone.filter { byID[$0] != nil }
        if !changed.isEmpty { directives += session.handle(.sharesChanged(changed), at: now) }
        perform(directives)
        leaving = [:]
    }

    /// Membership declared `member` dead: its units go to the others now, before the
    /// supervisor's rebuild is known.
    public func memberLost(_ member: MemberID) {
        guard members.removeValue(forKey: member) != nil else { return }
        handle(.memberLost(member))
    }

    /// The counters so far, for `node status`.
    public func report() -> StreamReport { session.report(at: now) }

    private func handle(_ event: StreamEvent) {
        perform(session.handle(event, at: now))
    }

    private func perform(_ directives: [StreamDirective]) {
        for directive in directives {
            switch directive {
            case .send(let key, let member, let plan):
                send(key, to: member, plan: plan)
            case .cancel(let key, let member):
                cancel(key, at: member)
            case .forget(let key):
                units.removeValue(forKey: key)
            case .emit(let unit):
                sink.yield(.emitted(unit))
            case .pauseInput:
                inputPaused = true
            case .resumeInput:
                resume()
            case .report(let problem):
                logger.notice("\(problem)", metadata: ["service": "\(service)"])
                sink.yield(.problem(problem))
            case .recalibrate(let decision):
                logger.info(
                    "the stream's measured cost calls for new reservations",
                    metadata: ["service": "\(service)", "calibrations": "\(decision.calibrations)", "fallback": "\(decision.fallback)"])
                sink.yield(.recalibrate(decision))
            case .finished(let report):
                finished = true
                units = [:]
                sink.yield(.finished(report))
                sink.finish()
                resume()
            }
        }
    }

    private func resume() {
        inputPaused = false
        let waiters = resumeWaiters
        resumeWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Tells the member to give its copy up. Sent and forgotten: whatever the member found, the
    /// session already let that copy go.
    private func cancel(_ key: UnitKey, at member: MemberID) {
        guard let endpoint = (members[member] ?? leaving[member])?.endpoint else { return }
        let service = self.service
        let timeout = configuration.cancelTimeout
        let transport = self.transport
        let logger = self.logger
        Task {
            do {
                let outcome = try await transport.cancel(unit: key, of: service, on: endpoint, timeout: timeout)
                logger.debug("cancelled a unit at a member", metadata: ["service": "\(service)", "member": "\(member)", "unit": "\(key)", "outcome": "\(outcome)"])
            } catch {
                logger.debug("a unit's cancel failed", metadata: ["service": "\(service)", "member": "\(member)", "unit": "\(key)", "error": "\(error)"])
            }
        }
    }

    private func send(_ key: UnitKey, to member: MemberID, plan: DeliveryPlan) {
        guard let bytes = units[key], let endpoint = members[member]?.endpoint else {
            // The member left between the decision and now: the session learns it from
            // membersChanged; answer for it so the unit is not held.
            handle(.result(UnitResult(sequence: key.sequence, stream: key.stream, frames: [], failure: .workerDied, cpuNanoseconds: 0), from: member))
            return
        }
        let service = self.service
        let timeout = configuration.unitTimeout
        let transport = self.transport
        Task {
            let result: UnitResult?
            do {
                switch try await transport.execute(unit: bytes, plan: plan, of: service, on: endpoint, timeout: timeout) {
                case .result(let answer):
                    result = (try? MediaUnitEncoding.decodeResult(answer))
                        ?? UnitResult(sequence: key.sequence, stream: key.stream, frames: [], failure: .malformedUnit, cpuNanoseconds: 0)
                case .refused(let refusal):
                    logger.warning("a member refused a unit", metadata: ["service": "\(service)", "member": "\(member)", "unit": "\(key)", "reason": "\(refusal)"])
                    result = UnitResult(sequence: key.sequence, stream: key.stream, frames: [], failure: .workerDied, cpuNanoseconds: 0)
                case .cancelled:
                    result = nil
                }
            } catch {
                logger.warning("a unit's exchange failed", metadata: ["service": "\(service)", "member": "\(member)", "unit": "\(key)", "error": "\(error)"])
                if let failure = error as? ServiceClientError, failure.peerServiceIsGone {
                    serviceGone(at: member, reason: failure.reason)
                }
                result = UnitResult(sequence: key.sequence, stream: key.stream, frames: [], failure: .workerDied, cpuNanoseconds: 0)
            }
            if let result {
                answered(result, key: key, from: member)
            } else {
                answeredCancelled(key, from: member)
            }
        }
    }

    /// A unit's exchange found `member`'s service gone: said once, for the coordinator.
    private func serviceGone(at member: MemberID, reason: String) {
        guard !finished, members[member] != nil, reportedGone.insert(member).inserted else { return }
        sink.yield(.memberServiceGone(member, reason: reason))
    }

    /// The member dropped or stopped its copy at our cancel: the session let it go already. A
    /// copy the session still holds there (a cancel that crossed a later send of the same unit)
    /// is failed, so it is sent again rather than waited for.
    private func answeredCancelled(_ key: UnitKey, from member: MemberID) {
        guard session.inFlight(at: member).contains(key) else { return }
        handle(.result(UnitResult(sequence: key.sequence, stream: key.stream, frames: [], failure: .workerDied, cpuNanoseconds: 0), from: member))
    }

    private func answered(_ result: UnitResult, key: UnitKey, from member: MemberID) {
        if !finished, result.failure == nil, !result.thumbnails.isEmpty, result.sequence == key.sequence, result.stream == key.stream {
            sink.yield(.thumbnails(result.thumbnails))
        }
        // A result naming another unit than the one asked is the member's fault.
        let checked = result.sequence == key.sequence && result.stream == key.stream
            ? result : UnitResult(sequence: key.sequence, stream: key.stream, frames: [], failure: .malformedUnit, cpuNanoseconds: result.cpuNanoseconds)
        handle(.result(checked, from: member))
    }
}
