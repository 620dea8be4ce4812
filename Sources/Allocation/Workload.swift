/// One service's life in a churn simulation: when it arrives and leaves, and what it asks.
public struct Arrival: Hashable, Sendable {
    /// Arrival time, in minutes from the start.
    public var minute: Double
    /// Departure time, in minutes from the start; > `minute`.
    public var departure: Double
    public var service: Service

    public init(minute: Double, departure: Double, service: Service) {
        precondition(departure > minute, "a service leaves after it arrives")
        self.minute = minute
        self.departure = departure
        self.service = service
    }
}

/// The gateway experiment's workload: Poisson arrivals (exponential gaps) and lifetimes
/// uniform in a range, over a run of fixed length. Its script's settings are 1 to 5 requests
/// per minute, lifetimes of 1 to 10 minutes and 30-minute runs.
public struct Workload: Hashable, Sendable {
    /// Mean arrivals per minute; > 0. Default 3.
    public var requestsPerMinute: Double
    /// Lifetimes are uniform in this range, in minutes; lower bound > 0. Default 1...10.
    public var lifetimeMinutes: ClosedRange<Double>
    /// Arrivals happen in [0, durationMinutes); services still alive then are cut off at the
    /// end of the run. Default 30.
    public var durationMinutes: Double
    /// As the seed's request generator: arrivals on whole minutes (a Poisson number of them
    /// per minute, which is the Poisson process's arrival times rounded down) and lifetimes of
    /// whole minutes, uniform over the integers of `lifetimeMinutes`. Default false: arrival
    /// times and lifetimes are real numbers.
    public var wholeMinutes: Bool

    public init(
        requestsPerMinute: Double = 3, lifetimeMinutes: ClosedRange<Double> = 1...10, durationMinutes: Double = 30,
        wholeMinutes: Bool = false
    ) {
        precondition(requestsPerMinute > 0 && requestsPerMinute.isFinite, "requestsPerMinute must be > 0")
        precondition(lifetimeMinutes.lowerBound > 0, "lifetimes must be > 0")
        precondition(durationMinutes > 0 && durationMinutes.isFinite, "durationMinutes must be > 0")
        self.requestsPerMinute = requestsPerMinute
        self.lifetimeMinutes = lifetimeMinutes
        self.durationMinutes = durationMinutes
        self.wholeMinutes = wholeMinutes
        precondition(!wholeMinutes || lifetimeMinutes.lowerBound.rounded(.up) <= lifetimeMinutes.upperBound, "no whole lifetime in range")
    }

    /// The arrivals of one run, in time order; `service(i, &random)` makes the i-th service
    /// (its id must be unique). Same generator state, same run.
    public func arrivals<R: RandomNumberGenerator>(
        using random: inout R, service: (Int, inout R) -> Service
    ) -> [Arrival] {
        var arrivals: [Arrival] = []
        var now = 0.0
        while true {
            // Exponential gap by inversion; 1 - u is in (0, 1].
            now += -Self.log(1 - Double.random(in: 0..<1, using: &random)) / requestsPerMinute
            guard now < durationMinutes else { return arrivals }
            let minute = wholeMinutes ? now.rounded(.down) : now
            let lifetime =
                wholeMinutes
                ? Double(Int.random(in: Int(lifetimeMinutes.lowerBound.rounded(.up))...Int(lifetimeMinutes.upperBound), using: &random))
                : Double.random(in: lifetimeMinutes, using: &random)
            arrivals.append(Arrival(minute: minute, departure: minute + lifetime, service: service(arrivals.count, &random)))
        }
    }

    /// The natural logarithm, without Foundation (the target has no dependencies): ln x =
    /// k ln 2 + 2 atanh((m - 1) / (m + 1)) with x = m 2^k, m in [1, 2); 1e-15 relative.
    static func log(_ x: Double) -> Double {
        precondition(x > 0)
        let k = Double(x.exponent)
        let m = x.significand
        let y = (m - 1) / (m + 1)
        let y2 = y * y
        var term = y
        var sum = 0.0
        var n = 1.0
        while abs(term / n) > 1e-17 {
            sum += term / n
            term *= y2
            n += 2
        }
        return k * 0.693_147_180_559_945_3 + 2 * sum
    }
}
