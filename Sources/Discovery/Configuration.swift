extension DiscoveryAgent {
    /// How Discovery publishes and browses. Every default suits the lab and a home LAN.
    public struct Configuration: Sendable {
        /// The DNS-SD service type published and browsed. Default `_coalition._udp`.
        public var serviceType: String = "_coalition._udp"
        /// The DNS-SD domain; nil means the daemon's default (`local`). Default nil.
        public var domain: String? = nil
        /// Restricts publishing and browsing to one interface (kernel index, see
        /// `if_nametoindex`); nil means every interface the daemon uses. Default nil.
        public var interfaceIndex: Int32? = nil
        /// The first delay before reconnecting to an unreachable Avahi daemon. Default 250 ms.
        public var retryInitial: Duration = .milliseconds(250)
        /// The longest delay between reconnection attempts. Default 5 s.
        public var retryMaximum: Duration = .seconds(5)
        /// The factor the delay grows by after each failed attempt. Default 2.
        public var retryMultiplier: Double = 2
        /// How often "avahi-daemon is not running" is repeated while the client waits for the
        /// daemon to come back. Default 10 s.
        public var waitingReminder: Duration = .seconds(10)

        /// Retries of failed resolutions (5 s doubling to 80 s) and the shortest time between two
        /// resolutions `DiscoveryAgent.resolveAgain` starts for one service (10 s).
        public var resolveTiming = PeerTable.Timing()

        /// The protocol versions (`pv`) a peer may announce to be admitted; a record announcing
        /// another is refused (`unsupported-pv`), logged once per record and counted. Default
        /// ``Announcement/acceptedProtocolVersions`` (1...1).
        public var acceptedProtocolVersions: ClosedRange<Int> = Announcement.acceptedProtocolVersions

        public init() {}

        var backoff: Backoff { Backoff(initial: retryInitial, maximum: retryMaximum, multiplier: retryMultiplier) }
    }
}
