import Foundation
@testable import Coalition
import MembershipCore
import QoSModel
import ServiceCore

/// Many in-process members with real ledgers and the real evaluation, and requesters with real
/// supervisors, wired by a queue of messages delivered in order: the I/O shell replaced by a
/// deterministic loop with a virtual clock, so races and failures replay exactly.
struct ServiceHarness {
    struct Member {
        var profile: CapabilityProfile
        var spare: QoSModel.SpareCapacity
        var ledger = ReservationLedger()
        var alive = true
    }

    enum Message {
        case directive(requester: MemberID, service: ServiceID, ServiceDirective)
    }

    var members: [MemberID: Member] = [:]
    var supervisors: [ServiceID: ServiceSupervisor] = [:]
    var requesters: [ServiceID: MemberID] = [:]
    var events: [ServiceID: [ServiceEvent]] = [:]
    var queue: [Message] = []
    var now = MembershipInstant.zero
    var retries: [ServiceID] = []
    /// Services with a `.scheduleTrim` outstanding.
    var trims: [ServiceID] = []

    static func id(_ name: String) -> MemberID { MemberID.named(name) }

    mutating func addMember(_ name: String, cores: Double, profile: CapabilityProfile = standardBoard()) {
        members[Self.id(name)] = Member(
            profile: profile, spare: QoSModel.SpareCapacity(cores: cores, memoryAvailableBytes: 900 << 20))
    }

    /// A board whose HD stream costs 0.8 cores single-threaded (1.0 with the 25% headroom).
    static func standardBoard() -> CapabilityProfile {
        var profile = makeBoardProfile()
        profile.id = "board"
        return profile
    }

    mutating func request(_ service: String, by requester: String, _ request: ServiceRequest, reserveMargin: Double = 0, recoveryMargin: Double = 0) {
        let id = ServiceID(service)
        var supervisor = ServiceSupervisor(
            id: id, request: request,
            configuration: .init(formation: FormationConfiguration(coverageMargin: reserveMargin), recoveryMargin: recoveryMargin))
        requesters[id] = Self.id(requester)
        let directives = supervisor.start()
        supervisors[id] = supervisor
        enqueue(id, directives)
    }

    mutating func enqueue(_ service: ServiceID, _ directives: [ServiceDirective]) {
        for directive in directives {
            if case .emit(let event) = directive {
                events[service, default: []].append(event)
            } else if case .scheduleRetry = directive {
                retries.append(service)
            } else if case .scheduleTrim = directive {
                trims.append(service)
            } else {
                queue.append(.directive(requester: requesters[service]!, service: service, directive))
            }
        }
    }

    /// Delivers queued messages until none is left (or `limit` were delivered).
    mutating func run(limit: Int = 10_000) {
        var delivered = 0
        while !queue.isEmpty && delivered < limit {
            deliver(queue.removeFirst())
            delivered += 1
        }
    }

    mutating func deliver(_ message: Message) {
        guard case .directive(let requester, let service, let directive) = message else { return }
        switch directive {
        case .query(let round):
            let request = supervisors[service]!.request
            let offers = members.keys.sorted().compactMap { peer -> PeerOffer? in
                guard let member = members[peer], member.alive else { return nil }
                let evaluations = request.ladder.map {
                    member.profile.evaluate($0, spare: member.spare, reserved: member.ledger.heldDemands(excluding: service))
                }
                return PeerOffer(peer: peer, shares: evaluations.map(\.share), reasons: evaluations.map(\.reason))
            }
            let directives = supervisors[service]!.onOffers(round: round, offers)
            enqueue(service, directives)
        case .reserve(let round, let peer, let level, let share):
            var accepted = false
            var reason = "no answer"
            if var member = members[peer], member.alive {
                let spare = member.spare
                let profile = member.profile
                let decision = member.ledger.reserve(
                    service: service, requester: requester, level: level, share: share, now: now
                ) { held in profile.evaluate(level, spare: spare, reserved: held) }
                members[peer] = member
                if case .accepted = decision { accepted = true }
                if case .rejected(let why, _) = decision { reason = why }
            }
            let directives = supervisors[service]!.onReservation(round: round, peer: peer, accepted: accepted, reason: reason)
            enqueue(service, directives)
        case .release(let peer):
            members[peer]?.ledger.release(service, for: requester)
        case .emit, .scheduleRetry, .scheduleTrim:
            break
        }
    }

    /// A member fails: it stops answering, and every supervisor hears of it (membership's job).
    mutating func fail(_ name: String) {
        let peer = Self.id(name)
        members[peer]?.alive = false
        for service in supervisors.keys.sorted() {
            let directives = supervisors[service]!.onMemberLost(peer, reason: "declared dead")
            enqueue(service, directives)
        }
    }

    /// Fires every outstanding `.scheduleRetry` timer.
    mutating func retryAll() { fire(\.retries) { $0.onRetryTimer() } }

    /// Fires every outstanding `.scheduleTrim` timer.
    mutating func trimAll() { fire(\.trims) { $0.onTrimTimer() } }

    private mutating func fire(
        _ timers: WritableKeyPath<ServiceHarness, [ServiceID]>, _ handler: (inout ServiceSupervisor) -> [ServiceDirective]
    ) {
        let due = self[keyPath: timers]
        self[keyPath: timers] = []
        for service in due {
            let directives = handler(&supervisors[service]!)
            enqueue(service, directives)
        }
    }

    /// Streams promised to a service by the live members' ledgers.
    func reservedShare(of service: ServiceID) -> Double {
        members.values.filter(\.alive).compactMap { $0.ledger.reservations[service]?.share }.reduce(0, +)
    }
}

/// A 4-core 1 GiB board: SD 0.3, HD 0.8, FHD 1.9 cores per stream single-threaded.
func makeBoardProfile() -> CapabilityProfile {
    let cpu: [MediaPreset: Double] = [
        .video(.sd): 0.30, .video(.hd): 0.80, .video(.fhd): 1.90,
        .audio(.low): 0.02, .audio(.medium): 0.03, .audio(.high): 0.04,
    ]
    let presets = MediaPreset.allCases.map { preset in
        PresetMeasurement(
            preset: preset,
            singleThread: DecodeRun(
                threads: 1, cpuSecondsPerMediaSecond: cpu[preset]!, wallSecondsPerMediaSecond: cpu[preset]!,
                frameDecodeP50Milliseconds: 5, frameDecodeP99Milliseconds: 9),
            multiThread: DecodeRun(
                threads: 4, cpuSecondsPerMediaSecond: cpu[preset]!, wallSecondsPerMediaSecond: cpu[preset]! / 3,
                frameDecodeP50Milliseconds: 2, frameDecodeP99Milliseconds: 4),
            memoryHighWaterBytes: 40 << 20)
    }
    return CapabilityProfile(
        id: "board",
        device: DeviceInfo(
            model: "Test Board", cpu: "Cortex-A72", cores: 4, memoryBytes: 1 << 30, architecture: "aarch64",
            hostname: "board", isBuildMachine: false),
        measurement: MeasurementInfo(
            measuredAt: .init(timeIntervalSince1970: 0), tool: "test", libraries: [:], clipDurationSeconds: 10),
        presets: presets)
}
