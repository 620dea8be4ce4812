import Allocation
import MembershipCore
import QoSModel
import ServicePlanning

/// What a requester claims with a reservation: how much its service matters and the levels it
/// accepts, best first, so that the member holding it can step it down within them.
public struct ReservationClaim: Hashable, Sendable {
    /// How much one unit of the service's QoS is worth against other services'; > 0. Default 1.
    public var weight: Double
    /// The levels the requester accepts, best first (the user's ladder); at least one.
    public var ladder: [QoSLevel]

    public init(weight: Double = 1, ladder: [QoSLevel]) {
        precondition(weight.isFinite && weight > 0, "a weight is > 0")
        self.weight = weight
        self.ladder = ladder
    }

    /// The largest weight accepted (on the wire and from users).
    public static let maximumWeight = 1_000_000.0
}

/// A member took capacity back from a service it holds: the service's reservation now holds
/// `level` (same share), or nothing (`level` nil: the service is not served here any more).
public struct StepDown: Hashable, Sendable {
    public var service: ServiceID
    /// The level the reservation holds now; nil when it was taken back entirely.
    public var level: QoSLevel?
    /// Why, for the requester's event (`stepped-down`).
    public var reason: String

    public init(service: ServiceID, level: QoSLevel?, reason: String) {
        self.service = service
        self.level = level
        self.reason = reason
    }
}

/// Weighted reclaim on the member that holds the capacity (issue 17, "in the coalition").
///
/// **Who decides.** The member holding the capacity: it alone knows its ledger exactly (every
/// service it holds, at which level and share, for what weight), so its decision needs no
/// agreement and cannot race with another member's. A requester only says how much its service
/// matters (``ReservationClaim``) and learns at its next renewal that its service stepped down.
///
/// **The rule** is `Replanner.admit` (Sources/Allocation) on the member's own knapsack, solved
/// exactly: the resources are the member's spare CPU cores and usable memory (MiB), as the
/// local evaluation counts them; every held service is a knapsack service whose levels are its
/// ladder from the level it holds down (each at the same share, priced as the evaluation prices
/// it), plus "not served here"; the value of a level is `LevelValues` (the allocation's stated
/// mapping of presets to values); the weight is the claim's. The incoming claim may take only
/// the level and share it asks for. Only services of *strictly lower* weight that were not
/// stepped down within `protection` may move, and only down; the plan is taken only when it
/// raises the member's total weighted QoS. So a service never loses capacity to one of equal or
/// lower weight, capacity only flows up the weights, every reclaim raises the total, and a
/// service is stepped down at most once per `protection` (a failure in the coalition lifts it).
///
/// Pure: the caller passes `now`, the capacity and the prices.
public struct WeightedReclaim: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// A service stepped down is not stepped down again for this long, unless a failure
        /// happens. Default 60 s (the "not twice within a minute").
        public var protection: Duration
        /// The value of each level. Default `LevelValues.default`.
        public var values: LevelValues

        public init(protection: Duration = .seconds(60), values: LevelValues = .default) {
            precondition(protection >= .zero)
            self.protection = protection
            self.values = values
        }
    }

    /// A service the member holds, as the reclaim sees it.
    public struct Holding: Hashable, Sendable {
        public var service: ServiceID
        public var claim: ReservationClaim
        /// The level held now (normally one of `claim.ladder`).
        public var level: QoSLevel
        /// Streams of `level` held (1.0 = one whole stream).
        public var share: Double

        public init(service: ServiceID, claim: ReservationClaim, level: QoSLevel, share: Double) {
            self.service = service
            self.claim = claim
            self.level = level
            self.share = share
        }

        /// The levels it may step down to: its ladder from the level held down.
        var downward: [QoSLevel] {
            guard let index = claim.ladder.firstIndex(of: level) else { return [level] }
            return Array(claim.ladder[index...])
        }
    }

    /// An incoming reservation: `share` streams of `level` for `service`.
    public struct Request: Sendable {
        public var service: ServiceID
        public var claim: ReservationClaim
        public var level: QoSLevel
        public var share: Double
        /// What the member already holds for this service (a resize or an upgrade replaces
        /// it); nil when nothing. The plan must beat keeping it.
        public var current: (level: QoSLevel, share: Double)?

        public init(
            service: ServiceID, claim: ReservationClaim, level: QoSLevel, share: Double, current: (level: QoSLevel, share: Double)? = nil
        ) {
            self.service = service
            self.claim = claim
            self.level = level
            self.share = share
            self.current = current
        }
    }

    /// The decision on a request.
    public enum Decision: Hashable, Sendable {
        /// It fits beside everything held, as it is.
        case fits
        /// It fits once these services step down; taking it raises the weighted QoS.
        case reclaim([StepDown])
        /// It does not fit, and no allowed reclaim makes it fit with more weighted QoS.
        case refused
    }

    public let configuration: Configuration
    /// When each service was last stepped down.
    public private(set) var steppedDownAt: [ServiceID: MembershipInstant] = [:]

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Decides on `request` beside `holdings` (which MUST NOT include the request's own
    /// service), within `capacity` (`[cores, MiB]`), where `price(level, share)` is what `share`
    /// streams of `level` hold (`[cores, MiB]`, nil when the level cannot be priced here).
    /// Pure: does not record the step-downs (``record(_:now:)`` does, once they are applied).
    public func decide(
        _ request: Request, holdings: [Holding], capacity: [Double], now: MembershipInstant,
        price: (QoSLevel, Double) -> [Double]?
    ) -> Decision {
        guard let asked = price(request.level, request.share) else { return .refused }
        var services: [Service] = []
        var levels: [[QoSLevel]] = []
        var current: [Int?] = []
        var lastStepDown: [Double?] = []
        for (index, holding) in holdings.enumerated() {
            let ladder = holding.downward
            var priced: [Level] = []
            for level in ladder {
                guard let demand = price(level, holding.share) else { break }
                priced.append(Level(name: level.description, value: configuration.values.value(of: level), demand: demand))
            }
            guard !priced.isEmpty else { return .refused }
            services.append(Service(id: "held-\(index)", weight: holding.claim.weight, levels: priced))
            levels.append(Array(ladder.prefix(priced.count)))
            current.append(0)
            lastStepDown.append(steppedDownAt[holding.service].map(minutes))
        }
        let newcomer = services.count
        var claimLevels = [Level(name: request.level.description, value: configuration.values.value(of: request.level), demand: asked)]
        // What it holds now is its other choice: the plan must beat keeping it.
        if let held = request.current, let demand = price(held.level, held.share) {
            claimLevels.append(Level(name: held.level.description, value: configuration.values.value(of: held.level), demand: demand))
        }
        services.append(Service(id: "claim", weight: request.claim.weight, levels: claimLevels))
        levels.append([request.level])
        current.append(claimLevels.count > 1 ? 1 : nil)
        lastStepDown.append(nil)

        if Self.fits(services, current.enumerated().map { $0.offset == newcomer ? 0 : $0.element }, capacity) { return .fits }
        // A level of value 0 is never chosen: such a claim gains nothing by taking from others.
        guard configuration.values.value(of: request.level) > 0 else { return .refused }

        let protection = configuration.protection.components
        let replanner = Replanner(cooldownMinutes: (Double(protection.seconds) + Double(protection.attoseconds) * 1e-18) / 60)
        let state = Replanner.State(levels: current, lastStepDown: lastStepDown)
        let planned = replanner.admit(
            newcomer, services: services, state: state, capacity: capacity, now: minutes(now),
            solve: { $0.solve(with: .exact) })
        guard planned.levels[newcomer] == 0 else { return .refused }
        var stepDowns: [StepDown] = []
        for (index, holding) in holdings.enumerated() where planned.levels[index] != 0 {
            let level = planned.levels[index].map { levels[index][$0] }
            stepDowns.append(
                StepDown(
                    service: holding.service, level: level,
                    reason: "stepped down for a service of weight \(request.claim.weight.shortText) (this one weighs \(holding.claim.weight.shortText))"))
        }
        return stepDowns.isEmpty ? .fits : .reclaim(stepDowns)
    }

    /// The largest share of `level` the member could take for `service` with `claim`, allowing
    /// the reclaims ``decide(_:holdings:capacity:now:price:)`` would make: what a query answers.
    /// `plain` is the share that fits without any reclaim, `ceiling` the share that would fit
    /// with every held service gone; the answer lies between (found by bisection, to 1/1024 of
    /// a stream: a decision is monotone in the share, since a larger share only costs more).
    public func offeredShare(
        service: ServiceID, claim: ReservationClaim, level: QoSLevel, plain: Double, ceiling: Double,
        holdings: [Holding], capacity: [Double], now: MembershipInstant, price: (QoSLevel, Double) -> [Double]?,
        current: (level: QoSLevel, share: Double)? = nil
    ) -> Double {
        guard ceiling > plain, holdings.contains(where: { $0.claim.weight < claim.weight }) else { return plain }
        func admitted(_ share: Double) -> Bool {
            decide(
                Request(service: service, claim: claim, level: level, share: share, current: current), holdings: holdings,
                capacity: capacity, now: now, price: price) != .refused
        }
        if admitted(ceiling) { return ceiling }
        var low = plain
        var high = ceiling
        while high - low > 1.0 / 1024 {
            let middle = (low + high) / 2
            if admitted(middle) { low = middle } else { high = middle }
        }
        return low
    }

    /// MUST be called with the step-downs applied at `now`: they are protected from then on.
    public mutating func record(_ stepDowns: [StepDown], now: MembershipInstant) {
        for stepDown in stepDowns { steppedDownAt[stepDown.service] = now }
    }

    /// MUST be called when a failure happens in the coalition (a member declared dead): every
    /// protection is lifted, so capacity can be re-planned at once.
    public mutating func failureHappened() { steppedDownAt = [:] }

    /// The service left the member's ledger: its protection is forgotten.
    public mutating func forget(_ service: ServiceID) { steppedDownAt.removeValue(forKey: service) }

    private func minutes(_ instant: MembershipInstant) -> Double { Double(instant.nanoseconds) / 60e9 }

    static func fits(_ services: [Service], _ levels: [Int?], _ capacity: [Double]) -> Bool {
        var usage = [Double](repeating: 0, count: capacity.count)
        for (service, level) in zip(services, levels) {
            if let level { for r in usage.indices { usage[r] += service.levels[level].demand[r] } }
        }
        return usage.indices.allSatisfy { usage[$0] <= capacity[$0] * (1 + 1e-9) + 1e-12 }
    }
}

extension Double {
    /// `5` for 5.0, `2.5` for 2.5: weights in messages.
    var shortText: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : "\(self)" }
}
