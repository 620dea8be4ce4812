import ArgumentParser
import Coalition
import Discovery
import Foundation
import Logging
import NodeConfiguration
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
            """ + "\n\n" + JoinSettings.helpText()
    )

    @Option(name: .customLong("config"), help: ArgumentHelp(
        "The configuration file: `key = value` lines, one key per setting in SETTINGS; flags override it. Default: /etc/coalition/node.toml when it exists.",
        valueName: "path"))
    var configFile: String?

    @Flag(name: .customLong("no-config"), help: "Read no configuration file: only the flags and the defaults.")
    var noConfig = false

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration, with where each value came from, and exit.")
    var printConfig = false

    /// Every setting flag, parsed against `JoinKey`'s table (not by ArgumentParser, so that the
    /// flags and the configuration file's keys are one list).
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The settings, --key value each (see SETTINGS).", valueName: "setting"))
    var settingArguments: [String] = []

    /// What `node join` says when it is given neither a key nor --insecure.
    static let missingKeyAdvice = """
        node join needs a coalition key: make one with `node keygen /etc/coalition/key`, copy that file \
        to every board and pass `--key-file /etc/coalition/key` to each (or `key-file = "/etc/coalition/key"` \
        in /etc/coalition/node.toml), or run an unauthenticated coalition with --insecure
        """

    /// The configuration file choice the flags make.
    var configChoice: JoinSettings.ConfigChoice {
        if noConfig { return .none }
        return configFile.map { .file($0) } ?? .defaultIfPresent
    }

    /// The effective settings: defaults, the configuration file, the flags.
    func settings() throws -> JoinSettings {
        do {
            return try JoinSettings.resolve(arguments: settingArguments, config: configChoice, readFile: Self.readFile)
        } catch let error as ConfigurationError {
            throw ValidationError("\(error)")
        }
    }

    /// A file's text, nil when there is no such file.
    static func readFile(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    func validate() throws {
        if noConfig, let configFile {
            throw ValidationError("--config \(configFile) and --no-config contradict each other")
        }
        let settings = try settings()
        if printConfig { return }
        do {
            try settings.validateForJoining()
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let settings = try settings()
        if printConfig {
            print(settings.rendered(), terminator: "")
            return
        }
        var logger = Logger(label: "node")
        logger.logLevel = settings.string(.logLevel).flatMap(Logger.Level.init(rawValue:)) ?? .info
        let nodeID = settings.string(.nodeID), stateDirectory = settings.string(.stateDirectory)
        let name = settings.string(.name), bind = settings.string(.bind)
        let heartbeatPort = settings.integer(.heartbeatPort)!, queryPort = settings.integer(.queryPort)!
        let cores = settings.integer(.cores), memoryMiB = settings.integer(.memoryMiB)
        let keyFile = settings.string(.keyFile)

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
        let capabilities = try capabilityProfile(settings: settings, logger: logger)
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
        configuration.control.path = settings.string(.controlSocket) ?? ControlProtocol.defaultSocketPath()
        configuration.bindAddress = bind
        configuration.membership = .lan(heartbeatInterval: .milliseconds(settings.integer(.heartbeatInterval)!))
        configuration.profile = capabilities
        configuration.capacity.lendCores = settings.float(.lendCores)
        configuration.capacity.emulatedIdleCores = settings.float(.emulateIdleCores)
        configuration.capacity.lendMemoryBytes = settings.integer(.lendMemoryMiB).map { UInt64($0) << 20 }
        configuration.work.allowUnenforced = settings.boolean(.unenforcedWork)
        do {
            configuration.metricsAddress = try settings.string(.metricsAddress).map { try ListenAddress(parsing: $0) }
        } catch {
            throw ValidationError("metrics-address: \(error)")
        }
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

    /// The metrics server of `metrics-address`, as a part of the daemon's group; none without it.
    static func metricsServer(for daemon: NodeDaemon, logger: Logger) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let address = daemon.configuration.metricsAddress else { return [] }
        let server = ObservabilityServer(
            configuration: .init(address: address), observe: { try await daemon.observation() }, logger: logger)
        return [.init(service: server, serviceName: "metrics")]
    }

    /// Profiles or loads: the plan of `CapabilityPlan`, carried out. A profile named with
    /// `--profile` must load; a measurement that fails leaves the node without one (it still
    /// takes part, answering every QoS query with share 0), and says why.
    private func capabilityProfile(settings: JoinSettings, logger: Logger) throws -> CapabilityProfile? {
        let plan = try CapabilityPlan.decide(
            explicitPath: settings.string(.profile), directory: settings.string(.profilesDirectory)!,
            deviceID: {
                let device = try DeviceProbe.current(isBuildMachine: false)
                return ProfileNaming.id(model: device.model, hostname: device.hostname)
            },
            skipProfiling: settings.boolean(.skipProfiling), fileExists: { FileManager.default.isReadableFile(atPath: $0) })
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
                try ProfileMeasurement.run(directory: directory, quick: settings.boolean(.quickProfile))
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
