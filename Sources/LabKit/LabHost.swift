import Foundation

/// One host of a running lab, as `lab info` describes it.
public struct LabHost: Sendable {
    /// 1-based.
    public let index: Int
    /// The host's network namespace (`cl<id>-h<I>`).
    public let namespace: String
    /// The host's only interface besides loopback (`cl<id>-v<I>`), what nodes must bind to.
    public let interface: String
    /// The host's IPv4 address on the lab's /24.
    public let address: String
    /// The host's private system bus, as a `DBUS_SYSTEM_BUS_ADDRESS` value.
    public let bus: String
    /// The host's directory in the lab (configs, daemon logs).
    public let directory: String
    /// The avahi-daemon's log, worth attaching to a failed test.
    public let avahiLog: String
    /// The host's port on the lab's bridge: its counters are the host's traffic seen from the
    /// switch (received = what the host sends, sent = what it receives).
    public let bridgePort: String
    /// The namespace the bridge lives in (the same for every host).
    public let bridgeNamespace: String
    /// The pid of the host's avahi-daemon when the lab came up, as the lab recorded it; nil when
    /// it did not say. (`lab avahi-stop`/`avahi-start` change it; this stays the first one.)
    public let avahiPID: pid_t?
    /// The pid of the host's dbus-daemon (its private system bus), as the lab recorded it; nil
    /// when it did not say.
    public let dbusPID: pid_t?

    /// Reads the `key=value` lines of `lab info I`; nil when one of the fields is missing.
    init?(index: Int, info: String) {
        var fields: [String: String] = [:]
        for line in info.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        let keys = ["namespace", "interface", "address", "bus", "dir", "avahi_log", "bridge_port", "bridge_namespace"]
        let values = keys.compactMap { key in fields[key].flatMap { $0.isEmpty ? nil : $0 } }
        guard values.count == keys.count else { return nil }
        self.index = index
        (namespace, interface, address, bus) = (values[0], values[1], values[2], values[3])
        (directory, avahiLog, bridgePort, bridgeNamespace) = (values[4], values[5], values[6], values[7])
        avahiPID = fields["avahi_pid"].flatMap { pid_t($0) }
        dbusPID = fields["dbus_pid"].flatMap { pid_t($0) }
    }
}
