/// Every knob of membership and failure detection, with its default, its unit and its trade-off.
///
/// The defaults are the ``lan`` preset: a wired or good Wi-Fi household network, sub-millisecond
/// round trips, at most a few percent loss. They aim at all of these at once: a silent failure
/// known to every peer within 1 s (p99), no false death at 5% random loss, at most a few KB/s of
/// traffic per node whatever the coalition's size.
///
/// Detection time after a silent failure is roughly
/// `suspicionTimeout + confirmationTimeout + 2 × heartbeatInterval` (each stage is checked on
/// a tick), about 350 + 300 + 200 = 850 ms with the defaults; the ideal case is ~650 ms.
public struct MembershipConfiguration: Hashable, Sendable {
    /// How often a member sends a heartbeat to each of its monitors, and how often the instance
    /// ticks. Default 100 ms. Shorter detects faster and costs traffic and CPU in proportion.
    public var heartbeatInterval: Duration = .milliseconds(100)

    /// How many monitors watch each member (its successors on the ring of member ids).
    /// Default 3. Traffic per node is `monitorCount` heartbeats per interval, whatever the
    /// coalition's size; more monitors survive more simultaneous failures of monitors.
    public var monitorCount: Int = 3

    /// The least silence after which a monitor suspects a member, whatever the learned
    /// inter-arrival statistics say. Default 350 ms (three lost heartbeats in a row).
    /// At 5% loss, three in a row happen about once per 8 000 heartbeats: suspicion is then
    /// settled by probes, not turned into a false death.
    public var suspicionTimeoutFloor: Duration = .milliseconds(350)

    /// The most silence a monitor waits before suspecting, even on a very jittery link.
    /// Default 600 ms. Bounds detection time.
    public var suspicionTimeoutCeiling: Duration = .milliseconds(600)

    /// How many standard deviations above the mean heartbeat inter-arrival time a silence must
    /// last before suspicion (the learned bound, like a phi-accrual threshold). Default 8.
    public var suspicionDeviations: Double = 8

    /// How many recent inter-arrival gaps the learned bound uses. Default 64.
    public var interArrivalWindow: Int = 64

    /// How long a suspect has to prove it is alive (answer a direct or indirect probe, or send
    /// any heartbeat) before it is declared dead. Default 300 ms: three rounds of probes.
    public var confirmationTimeout: Duration = .milliseconds(300)

    /// How many other members relay an indirect probe to a suspect each round. Default 3.
    /// They prove a suspect alive when only the direct link between monitor and suspect fails.
    public var indirectProbeCount: Int = 3

    /// A tick later than scheduled by more than this means our own process is starved (CPU,
    /// swap, SIGSTOP): its lateness is credited to every deadline, and nobody is accused until
    /// two ticks in a row were punctual. Default 50 ms.
    public var lateTickTolerance: Duration = .milliseconds(50)

    /// The largest local-health score, a diagnostic of our own punctuality shown by `node
    /// status` (memberlist's "awareness", which there scales every timeout; here the late ticks'
    /// measured lateness is credited instead, see `LocalHealth`). A late tick adds 1 plus the
    /// whole intervals it was late by. Default 4.
    public var maximumHealthScore: Int = 4

    /// On-time ticks needed to lower the local-health score by one. Default 10 (1 s at 100 ms).
    public var healthRecoveryTicks: Int = 10

    /// How long a newly watched member has to send its first heartbeat before it may be
    /// suspected (views of the ring converge through Discovery within this). Default 1 s.
    public var watchGracePeriod: Duration = .seconds(1)

    /// How many times, one heartbeat interval apart, a death or a refutation is sent to every
    /// peer, so a few lost datagrams do not leave a peer unaware. Default 3.
    public var broadcastRepeats: Int = 3

    /// How often a member dead in our view is asked whether it is back (so a healed link or a
    /// resumed process rejoins without waiting for Discovery). Default 1 s.
    public var deadProbeInterval: Duration = .seconds(1)

    /// How long an extra monitor (a peer that probed us though our ring does not name it)
    /// keeps receiving our heartbeats after its last probe. Default 5 s.
    public var requestedMonitorLifetime: Duration = .seconds(5)

    /// How long a member dead in our view, and no longer announced by Discovery, is remembered
    /// before it is forgotten. Default 10 minutes.
    public var deadRetention: Duration = .seconds(600)

    /// The most members the table holds, this one excluded. Default 1024, ten times the largest
    /// coalition measured (100 boards). Members enter only through Discovery or a known member's
    /// vouching, so the bound is a last line against a flood of announcements; a member beyond it
    /// is refused and counted as `memberTableFull`. Every other per-peer structure is bounded by
    /// this table (indexes, extra monitors) or by a constant of its own (256 relayed probes).
    public var maximumMembers: Int = 1024

    public init() {}

    /// The household LAN preset (the defaults above).
    public static let lan = MembershipConfiguration()

    /// The LAN preset with another heartbeat interval (`node join --heartbeat-interval`): every
    /// timeout tied to the interval (suspicion floor and ceiling, confirmation, late-tick
    /// tolerance) is scaled in proportion, so the trade-offs stay those of ``lan``; detection
    /// time scales too (about 6.5 intervals on average).
    public static func lan(heartbeatInterval: Duration) -> MembershipConfiguration {
        var configuration = MembershipConfiguration.lan
        let factor = Double(heartbeatInterval.nanoseconds) / Double(configuration.heartbeatInterval.nanoseconds)
        configuration.heartbeatInterval = heartbeatInterval
        configuration.suspicionTimeoutFloor = configuration.suspicionTimeoutFloor.scaled(by: factor)
        configuration.suspicionTimeoutCeiling = configuration.suspicionTimeoutCeiling.scaled(by: factor)
        configuration.confirmationTimeout = configuration.confirmationTimeout.scaled(by: factor)
        configuration.lateTickTolerance = configuration.lateTickTolerance.scaled(by: factor)
        configuration.watchGracePeriod = max(configuration.watchGracePeriod, heartbeatInterval * 10)
        return configuration
    }

    /// Problems with these values, as sentences naming the field; empty when usable.
    public var problems: [String] {
        var problems: [String] = []
        func positive(_ value: Duration, _ name: String) {
            if value <= .zero { problems.append("\(name) must be positive, not \(value)") }
        }
        positive(heartbeatInterval, "heartbeatInterval")
        positive(suspicionTimeoutFloor, "suspicionTimeoutFloor")
        positive(confirmationTimeout, "confirmationTimeout")
        positive(lateTickTolerance, "lateTickTolerance")
        positive(deadProbeInterval, "deadProbeInterval")
        if suspicionTimeoutCeiling < suspicionTimeoutFloor {
            problems.append("suspicionTimeoutCeiling (\(suspicionTimeoutCeiling)) must not be below suspicionTimeoutFloor (\(suspicionTimeoutFloor))")
        }
        if suspicionTimeoutFloor <= heartbeatInterval {
            problems.append("suspicionTimeoutFloor (\(suspicionTimeoutFloor)) must exceed heartbeatInterval (\(heartbeatInterval)), or every late heartbeat is a suspicion")
        }
        if !(1...16).contains(monitorCount) { problems.append("monitorCount must be 1...16, not \(monitorCount)") }
        if !(0...16).contains(indirectProbeCount) { problems.append("indirectProbeCount must be 0...16, not \(indirectProbeCount)") }
        if !(1...10).contains(broadcastRepeats) { problems.append("broadcastRepeats must be 1...10, not \(broadcastRepeats)") }
        if interArrivalWindow < 2 { problems.append("interArrivalWindow must be at least 2, not \(interArrivalWindow)") }
        if !(suspicionDeviations >= 0) { problems.append("suspicionDeviations must be >= 0, not \(suspicionDeviations)") }
        if maximumHealthScore < 0 { problems.append("maximumHealthScore must be >= 0, not \(maximumHealthScore)") }
        if maximumMembers < 1 { problems.append("maximumMembers must be at least 1, not \(maximumMembers)") }
        if healthRecoveryTicks < 1 { problems.append("healthRecoveryTicks must be at least 1, not \(healthRecoveryTicks)") }
        return problems
    }
}
