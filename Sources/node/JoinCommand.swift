import ArgumentParser
import Coalition
import Discovery
import Foundation
import Logging
import NIOCore
import Observability
import Profiler
import QoSModel
import ServiceLifecycle

struct JoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Take part in the coalition: announce this node, keep heartbeat links, answer QoS queries.",
        discussion: """
            Runs in the foreground until SIGTERM or SIGINT, then withdraws its mDNS record (peers \
            see the goodbye at once) and exits 0. Needs a running avahi-daemon; without one it \
            says so and keeps retrying.
            """
    )

    @Option(help: "The name peers see (a DNS-SD instance name, 1-63 bytes). Default: the host name.")
    var name: String?

    @Option(name: .customLong("node-id"), help: "This node's id, 16 hex digits. Default: the one kept in --state-dir (random the first time).")
    var nodeID: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "Where the node id is kept across restarts (locked while the daemon runs). Default: /var/lib/coalition as root, else $XDG_STATE_HOME/coalition.",
        valueName: "directory"))
    var stateDirectory: String?

    @Option(help: ArgumentHelp("Bind and announce only on the interface that has this IPv4 address.", valueName: "address"))
    var bind: String?

    @Option(name: .customLong("heartbeat-port"), help: "UDP port of the heartbeat socket (announced).")
    var heartbeatPort: Int = 7946

    @Option(name: .customLong("query-port"), help: "TCP port of the query listener (announced).")
    var queryPort: Int = 7947

    @Option(name: .customLong("control-socket"), help: ArgumentHelp(
        "The local control socket `node status` talks to. Default: /run/coalition/node.sock as root, else under $XDG_RUNTIME_DIR.",
        valueName: "path"))
    var controlSocket: String?

    @Option(help: ArgumentHelp(
        "The capability profile (written by `node profile`) to load and announce. Default: this device's file in --profiles-dir, measured first when missing.",
        valueName: "path"))
    var profile: String?

    @Option(name: .customLong("profiles-dir"), help: ArgumentHelp(
        "Where this device's profile is looked for, and written when it has to be measured.", valueName: "directory"))
    var profilesDirectory: String = "profiles"

    @Flag(name: .customLong("skip-profiling"), help: "Do not measure a missing profile: announce none and answer every QoS query with share 0.")
    var skipProfiling = false

    @Flag(name: .customLong("quick-profile"), help: "When a profile must be measured, use 2 s clips (`node profile --quick`): faster, rougher.")
    var quickProfile = false

    @Option(help: "CPU cores to announce. Default: the cores this process may use.")
    var cores: Int?

    @Option(name: .customLong("memory-mib"), help: "Memory to announce, MiB. Default: the machine's physical memory.")
    var memoryMiB: Int?

    @Option(name: .customLong("lend-cores"), help: "The most CPU cores this node lends to services, whatever is idle. Default: all idle CPU.")
    var lendCores: Double?

    @Option(name: .customLong("lend-memory-mib"), help: "The most memory this node lends, MiB. Default: all of MemAvailable.")
    var lendMemoryMiB: Int?

    @Option(name: .customLong("emulate-idle-cores"), help: ArgumentHelp(
        "Treat this many cores as idle instead of measuring them: for a lab of emulated boards sharing one machine.",
        valueName: "cores"))
    var emulateIdleCores: Double?

    @Option(name: .customLong("key-file"), help: ArgumentHelp(
        "The coalition key file (`node keygen FILE`): every message is tagged with HMAC-SHA256 and peers without the key are ignored. It may hold a second line, the previous key, still accepted during a rotation; SIGHUP re-reads it.",
        valueName: "path"))
    var keyFile: String?

    @Flag(help: "Run without a coalition key: any device on the LAN can then join, and feed data into this board's decoders.")
    var insecure = false

    /// What `node join` says when it is given neither a key nor --insecure.
    static let missingKeyAdvice = """
        node join needs a coalition key: make one with `node keygen /etc/coalition/key`, copy that file \
        to every board and pass `--key-file /etc/coalition/key` to each, or run an unauthenticated \
        coalition with --insecure
        """

    @Flag(name: .customLong("unenforced-work"), help: "When service cgroups cannot be made (not root, no Delegate=yes), decode units for others without CPU or memory limits instead of refusing them.")
    var unenforcedWork = false

    @Option(name: .customLong("heartbeat-interval"), help: ArgumentHelp(
        "Milliseconds between heartbeats; every failure-detection timeout scales with it (detection takes about 6.5 intervals).",
        valueName: "ms"))
    var heartbeatIntervalMs: Int = 100

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("metrics-address"), help: ArgumentHelp(
        "Serve Prometheus metrics (/metrics) and the live page (/) on this address, such as 0.0.0.0:9464 or [::1]:9464. Default: off.",
        valueName: "address:port"))
    var metricsAddress: String?

    func validate() throws {
        switch (keyFile, insecure) {
        case (nil, false):
            throw ValidationError(Self.missingKeyAdvice)
        case (_?, true):
            throw ValidationError("--key-file and --insecure contradict each other: give the key file, or --insecure to run without authentication, not both")
        case (nil, true), (_?, false):
            break
        }
        if let nodeID, NodeID(hex: nodeID) == nil {
            throw ValidationError("--node-id must be exactly 16 hex digits, not \"\(nodeID)\"")
        }
        if !(10...10_000).contains(heartbeatIntervalMs) {
            throw ValidationError("--heartbeat-interval must be 10...10000 ms, not \(heartbeatIntervalMs)")
        }
        if let metricsAddress {
            do {
                _ = try ListenAddress(parsing: metricsAddress)
            } catch {
                throw ValidationError("--metrics-address: \(error)")
            }
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        for (option, port) in [("--heartbeat-port", heartbeatPort), ("--query-port", queryPort)] where !(1...65535).contains(port) {
            throw ValidationError("\(option) must be in 1...65535, not \(port)")
        }
        if let lendCores, !(lendCores >= 0 && lendCores <= 1024) {
            throw ValidationError("--lend-cores must be in 0...1024, not \(lendCores)")
        }
        if let emulateIdleCores, !(emulateIdleCores >= 0 && emulateIdleCores <= 1024) {
            throw ValidationError("--emulate-idle-cores must be in 0...1024, not \(emulateIdleCores)")
        }
        if let lendMemoryMiB, lendMemoryMiB < 0 {
            throw ValidationError("--lend-memory-mib must not be negative")
        }
    }

    func run() async throws {
        var logger = Logger(label: "node")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        // Held (and locked) until the daemon stops.
        var state: StateDirectory?
        let identity: NodeID
        if let given = nodeID.flatMap({ NodeID(hex: $0) }) {
            identity = given
        } else {
            do {
                let opened = try StateDirectory(path: stateDirectory ?? StateDirectory.defaultPath())
                identity = try opened.nodeID()
                state = opened
            } catch {
                throw ValidationError("\(error)")
            }
        }
        let capabilities = try capabilityProfile(logger: logger)
        let announcement = Announcement(
            nodeID: identity,
            incarnation: UInt64(Date().timeIntervalSince1970 * 1000),
            name: name ?? Self.defaultName(),
            cores: cores ?? ProcessInfo.processInfo.activeProcessorCount,
            memoryMiB: memoryMiB ?? Int(ProcessInfo.processInfo.physicalMemory / (1024 * 1024)),
            profileID: capabilities?.id ?? Announcement.noProfile,
            heartbeatPort: heartbeatPort, queryPort: queryPort)
        do {
            try TXTRecord.validate(announcement)
        } catch {
            throw ValidationError("cannot announce this node: \(error.reason)")
        }

        var configuration = NodeDaemon.Configuration(announcement: announcement)
        configuration.control.path = controlSocket ?? ControlProtocol.defaultSocketPath()
        configuration.bindAddress = bind
        configuration.membership = .lan(heartbeatInterval: .milliseconds(heartbeatIntervalMs))
        configuration.profile = capabilities
        configuration.capacity.lendCores = lendCores
        configuration.capacity.emulatedIdleCores = emulateIdleCores
        configuration.capacity.lendMemoryBytes = lendMemoryMiB.map { UInt64($0) << 20 }
        configuration.work.allowUnenforced = unenforcedWork
        configuration.metricsAddress = try metricsAddress.map { try ListenAddress(parsing: $0) }
        if let keyFile {
            do {
                configuration.keyring = try WireKeyring(keyFile: keyFile)
            } catch {
                throw ValidationError("\(error)")
            }
            if let mode = (try? FileManager.default.attributesOfItem(atPath: keyFile))?[.posixPermissions] as? Int,
                mode & 0o077 != 0
            {
                logger.warning(
                    "the coalition key file can be read by other users: chmod 600 it",
                    metadata: ["key_file": "\(keyFile)", "mode": "\(String(mode, radix: 8))"])
            }
        } else {
            logger.warning("authentication OFF (--insecure): any device on the LAN can join this coalition and feed data into this board's decoders")
        }
        if let bind {
            configuration.discovery.interfaceIndex = try Self.interfaceIndex(of: bind)
        }
        logger.info(
            "joining",
            metadata: [
                "name": "\(announcement.name)", "id": "\(announcement.nodeID)", "incarnation": "\(announcement.incarnation)",
                "bind": "\(bind ?? "*")", "control": "\(configuration.control.path)",
                "authentication": "\(configuration.keyring.map { AuthenticationStatus(keyring: $0) }?.summary ?? AuthenticationStatus.insecure.summary)",
            ])
        let daemon = NodeDaemon(configuration: configuration, logger: logger)
        try await daemon.run(adding: Self.metricsServer(for: daemon, logger: logger))
        withExtendedLifetime(state) {}
        logger.info("stopped")
    }

    /// The metrics server of `--metrics-address`, as a part of the daemon's group; none without it.
    static func metricsServer(for daemon: NodeDaemon, logger: Logger) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let address = daemon.configuration.metricsAddress else { return [] }
        let server = ObservabilityServer(
            configuration: .init(address: address), observe: { try await daemon.observation() }, logger: logger)
        return [.init(service: server, serviceName: "metrics")]
    }

    /// Profiles or loads: the plan of `CapabilityPlan`, carried out. A profile named with
    /// `--profile` must load; a measurement that fails leaves the node without one (it still
    /// takes part, answering every QoS query with share 0), and says why.
    private func capabilityProfile(logger: Logger) throws -> CapabilityProfile? {
        let plan = try CapabilityPlan.decide(
            explicitPath: profile, directory: profilesDirectory,
            deviceID: {
                let device = try DeviceProbe.current(isBuildMachine: false)
                return ProfileNaming.id(model: device.model, hostname: device.hostname)
            },
            skipProfiling: skipProfiling, fileExists: { FileManager.default.isReadableFile(atPath: $0) })
        switch plan {
        case .load(let path):
            do {
                return try CapabilityProfile.load(from: URL(fileURLWithPath: path))
            } catch {
                throw ValidationError("cannot load the capability profile: \(error)")
            }
        case .measure(let directory, let path):
            logger.notice(
                "no capability profile for this device: measuring one with `node profile` (a few minutes on a small board)",
                metadata: ["profile": "\(path)"])
            do {
                try ProfileMeasurement.run(directory: directory, quick: quickProfile)
                let measured = try CapabilityProfile.load(from: URL(fileURLWithPath: path))
                logger.notice("measured and loaded the capability profile", metadata: ["profile": "\(path)"])
                return measured
            } catch {
                logger.error(
                    "no capability profile: this node answers every QoS query with share 0",
                    metadata: ["reason": "\(error)"])
                return nil
            }
        case .none(let reason):
            logger.warning("no capability profile: this node answers every QoS query with share 0", metadata: ["reason": "\(reason)"])
            return nil
        }
    }

    /// The host name up to its first dot, cut to a DNS label.
    static func defaultName() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "node"
        let trimmed = String(decoding: host.utf8.prefix(TXTRecord.maximumNameBytes), as: UTF8.self)
        return trimmed.isEmpty ? "node" : trimmed
    }

    /// The kernel index of the interface that holds `address`.
    static func interfaceIndex(of address: String) throws -> Int32 {
        let wanted: SocketAddress
        do {
            wanted = try SocketAddress(ipAddress: address, port: 0)
        } catch {
            throw ValidationError("--bind \(address) is not an IP address")
        }
        let devices = (try? System.enumerateDevices()) ?? []
        guard let device = devices.first(where: { $0.address?.ipAddress == wanted.ipAddress }) else {
            let known = devices.compactMap { d in d.address?.ipAddress.map { "\(d.name) \($0)" } }
            throw ValidationError("--bind \(address): no interface here has that address (have: \(known.joined(separator: ", ")))")
        }
        return Int32(device.interfaceIndex)
    }
}
