import Coalition
import Discovery
import NodeConfiguration

/// Every `node join` setting, once: the key is both the flag (`--heartbeat-port`) and the
/// configuration file's key (`heartbeat-port = 7946`), and ``definition`` holds its type,
/// default, help and checks. `node join --help`, the flag parser, the file parser and
/// `--print-config` all read this table.
enum JoinKey: String, CaseIterable, Sendable {
    case name
    case nodeID = "node-id"
    case stateDirectory = "state-dir"
    case bind
    case heartbeatPort = "heartbeat-port"
    case queryPort = "query-port"
    case controlSocket = "control-socket"
    case profile
    case profilesDirectory = "profiles-dir"
    case skipProfiling = "skip-profiling"
    case quickProfile = "quick-profile"
    case cores
    case memoryMiB = "memory-mib"
    case lendCores = "lend-cores"
    case lendMemoryMiB = "lend-memory-mib"
    case emulateIdleCores = "emulate-idle-cores"
    case keyFile = "key-file"
    case insecure
    case unenforcedWork = "unenforced-work"
    case heartbeatInterval = "heartbeat-interval"
    case logLevel = "log-level"
    case metricsAddress = "metrics-address"

    var definition: SettingDefinition {
        switch self {
        case .name:
            SettingDefinition(
                key: rawValue, type: .string, defaultDescription: "the host name",
                help: "The name peers see (a DNS-SD instance name, 1-63 bytes).", valueName: "name")
        case .nodeID:
            SettingDefinition(
                key: rawValue, type: .string, defaultDescription: "the one kept in state-dir (random the first time)",
                help: "This node's id, 16 hex digits.", valueName: "hex",
                check: { value in
                    guard case .string(let text) = value, NodeID(hex: text) == nil else { return nil }
                    return "must be exactly 16 hex digits, not \"\(text)\""
                })
        case .stateDirectory:
            SettingDefinition(
                key: rawValue, type: .string, defaultDescription: "/var/lib/coalition as root, else $XDG_STATE_HOME/coalition",
                help: "Where the node id is kept across restarts (locked while the daemon runs).", valueName: "directory")
        case .bind:
            SettingDefinition(
                key: rawValue, type: .string, defaultDescription: "every interface",
                help: "Bind and announce only on the interface that has this IPv4 address.", valueName: "address")
        case .heartbeatPort:
            SettingDefinition(
                key: rawValue, type: .integer, defaultValue: .integer(7946),
                help: "UDP port of the heartbeat socket (announced).", valueName: "port",
                check: SettingDefinition.integer(in: 1...65535))
        case .queryPort:
            SettingDefinition(
                key: rawValue, type: .integer, defaultValue: .integer(7947),
                help: "TCP port of the query listener (announced).", valueName: "port",
                check: SettingDefinition.integer(in: 1...65535))
        case .controlSocket:
            SettingDefinition(
                key: rawValue, type: .string, defaultDescription: "/run/coalition/node.sock as root, else under $XDG_RUNTIME_DIR",
                help: "The local control socket `node status` talks to.", valueName: "path")
        case .profile:
            SettingDefinition(
                key: rawValue, type: .string, defaultDescription: "this device's file in profiles-dir, measured first when missing",
                help: "The capability profile (written by `node profile`) to load and announce.", valueName: "path")
        case .profilesDirectory:
            SettingDefinition(
                key: rawValue, type: .string, defaultValue: .string("profiles"),
                help: "Where this device's profile is looked for, and written when it has to be measured (relative to the working directory).",
                valueName: "directory")
        case .skipProfiling:
            SettingDefinition(
                key: rawValue, type: .boolean, defaultValue: .boolean(false),
                help: "Do not measure a missing profile: announce none and answer every QoS query with share 0.")
        case .quickProfile:
            SettingDefinition(
                key: rawValue, type: .boolean, defaultValue: .boolean(false),
                help: "When a profile must be measured, use 2 s clips (`node profile --quick`): faster, rougher.")
        case .cores:
            SettingDefinition(
                key: rawValue, type: .integer, defaultDescription: "the cores this process may use",
                help: "CPU cores to announce.", valueName: "cores", check: SettingDefinition.integer(in: 1...1024))
        case .memoryMiB:
            SettingDefinition(
                key: rawValue, type: .integer, defaultDescription: "the machine's physical memory",
                help: "Memory to announce, MiB.", valueName: "MiB", check: SettingDefinition.integer(in: 1...(1 << 30)))
        case .lendCores:
            SettingDefinition(
                key: rawValue, type: .float, defaultDescription: "all idle CPU",
                help: "The most CPU cores this node lends to services, whatever is idle.", valueName: "cores",
                check: SettingDefinition.float(in: 0...1024))
        case .lendMemoryMiB:
            SettingDefinition(
                key: rawValue, type: .integer, defaultDescription: "all of MemAvailable",
                help: "The most memory this node lends, MiB.", valueName: "MiB",
                check: SettingDefinition.integer(in: 0...(1 << 30)))
        case .emulateIdleCores:
            SettingDefinition(
                key: rawValue, type: .float, defaultDescription: "measured",
                help: "Treat this many cores as idle instead of measuring them: for a lab of emulated boards sharing one machine.",
                valueName: "cores", check: SettingDefinition.float(in: 0...1024))
        case .keyFile:
            SettingDefinition(
                key: rawValue, type: .string, defaultDescription: "none: give one, or insecure",
                help: "The coalition key file (`node keygen FILE`): every message is tagged with HMAC-SHA256 and peers without the key are ignored. It may hold a second line, the previous key, still accepted during a rotation; SIGHUP re-reads it.",
                valueName: "path")
        case .insecure:
            SettingDefinition(
                key: rawValue, type: .boolean, defaultValue: .boolean(false),
                help: "Run without a coalition key: any device on the LAN can then join, and feed data into this board's decoders.")
        case .unenforcedWork:
            SettingDefinition(
                key: rawValue, type: .boolean, defaultValue: .boolean(false),
                help: "When service cgroups cannot be made (not root, no Delegate=yes), decode units for others without CPU or memory limits instead of refusing them.")
        case .heartbeatInterval:
            SettingDefinition(
                key: rawValue, type: .integer, defaultValue: .integer(100),
                help: "Milliseconds between heartbeats; every failure-detection timeout scales with it (detection takes about 6.5 intervals).",
                valueName: "ms", check: SettingDefinition.integer(in: 10...10_000))
        case .logLevel:
            SettingDefinition(
                key: rawValue, type: .string, defaultValue: .string("info"),
                help: "trace, debug, info, notice, warning, error or critical.", valueName: "level",
                check: SettingDefinition.oneOf(["trace", "debug", "info", "notice", "warning", "error", "critical"]))
        case .metricsAddress:
            SettingDefinition(
                key: rawValue, type: .string, defaultDescription: "off",
                help: "Serve Prometheus metrics (/metrics) and the live page (/) on this address, such as 0.0.0.0:9464 or [::1]:9464.",
                valueName: "address:port",
                check: { value in
                    guard case .string(let text) = value else { return nil }
                    do {
                        _ = try ListenAddress(parsing: text)
                        return nil
                    } catch {
                        return "\(error)"
                    }
                })
        }
    }

    /// The table, in this order: help and `--print-config` list the settings so.
    static let schema = ConfigurationSchema(allCases.map(\.definition))
}

/// `node join`'s effective settings: defaults, then the configuration file, then the flags,
/// each value with where it came from.
struct JoinSettings: Sendable {
    /// The configuration file read when `--config` is not given, if it exists.
    static let defaultConfigPath = "/etc/coalition/node.toml"

    let configuration: EffectiveConfiguration

    /// Which configuration file to read.
    enum ConfigChoice: Equatable {
        /// `--config PATH`: it must be readable.
        case file(String)
        /// Neither `--config` nor `--no-config`: ``JoinSettings/defaultConfigPath`` if it exists.
        case defaultIfPresent
        /// `--no-config`.
        case none
    }

    /// Resolves the settings.
    /// - Parameters:
    ///   - arguments: the setting flags, as given (`--heartbeat-port 7000 --insecure`).
    ///   - config: which file to read.
    ///   - readFile: the file's text, or nil when it does not exist; throws when it cannot be read.
    /// - Throws: ``ConfigurationError`` naming the file, the line and the key (or the flag).
    static func resolve(
        arguments: [String], config: ConfigChoice, readFile: (String) throws -> String?
    ) throws -> JoinSettings {
        let flagSettings = try CommandLineSettings.settings(from: arguments, schema: JoinKey.schema)
        var path: String?
        var text: String?
        switch config {
        case .none: break
        case .defaultIfPresent:
            path = defaultConfigPath
            text = try read(defaultConfigPath, readFile: readFile)
            if text == nil { path = nil }
        case .file(let given):
            path = given
            text = try read(given, readFile: readFile)
            guard text != nil else {
                throw ConfigurationError(.unreadable, file: given, line: nil, key: nil, reason: "no such file (given with --config)")
            }
        }
        let fileSettings = try text.map { text throws(ConfigurationError) in
            try ConfigurationFile.settings(in: text, file: path!, schema: JoinKey.schema)
        } ?? []
        return JoinSettings(
            configuration: EffectiveConfiguration(
                schema: JoinKey.schema, file: path, fileSettings: fileSettings, flagSettings: flagSettings))
    }

    private static func read(_ path: String, readFile: (String) throws -> String?) throws(ConfigurationError) -> String? {
        do {
            return try readFile(path)
        } catch {
            throw ConfigurationError(.unreadable, file: path, line: nil, key: nil, reason: "cannot be read: \(error)")
        }
    }

    /// The checks that span settings, for a daemon about to start (not for `--print-config`).
    func validateForJoining() throws(JoinSettingsError) {
        let key = configuration[JoinKey.keyFile.rawValue], insecure = configuration[JoinKey.insecure.rawValue]
        switch (string(.keyFile), boolean(.insecure)) {
        case (nil, false):
            throw JoinSettingsError(JoinCommand.missingKeyAdvice)
        case (_?, true):
            let sources = "key-file from \(key.source), insecure from \(insecure.source)"
            throw JoinSettingsError(
                "--key-file and --insecure contradict each other (\(sources)): give the key file, or --insecure to run without authentication, not both")
        case (nil, true), (_?, false):
            break
        }
    }

    func string(_ key: JoinKey) -> String? { configuration.string(key.rawValue) }
    func integer(_ key: JoinKey) -> Int? { configuration.integer(key.rawValue) }
    func float(_ key: JoinKey) -> Double? { configuration.float(key.rawValue) }
    func boolean(_ key: JoinKey) -> Bool { configuration.boolean(key.rawValue) }
    func source(_ key: JoinKey) -> SettingSource { configuration[key.rawValue].source }

    /// What `--print-config` prints.
    func rendered() -> String {
        configuration.rendered(title: "node join: the effective configuration (flags over the file over the defaults)")
    }

    /// The settings for `node join --help`: each flag with its value, default and help.
    static func helpText() -> String {
        var lines = [
            "SETTINGS (each a flag, and a key of the configuration file; a boolean",
            "flag alone means true, and --flag=false overrides a file's true):",
        ]
        for definition in JoinKey.schema.definitions {
            var usage = "  " + definition.flag + (definition.valueName.map { " <\($0)>" } ?? "")
            if !definition.hasFlag { usage = "  \(definition.key) (configuration file only)" }
            var text = definition.help
            if let value = definition.defaultValue, definition.type != .boolean {
                text += " (default: \(value))"
            } else if let meaning = definition.defaultDescription {
                text += " (default: \(meaning))"
            }
            lines.append(usage)
            lines += wrapped(text, width: 76, indent: "        ")
        }
        return lines.joined(separator: "\n")
    }

    /// `text` in lines of at most `width` characters (a longer word stands alone), each after
    /// `indent`: short enough that ArgumentParser's own wrapping leaves them, and the indent, alone.
    static func wrapped(_ text: String, width: Int, indent: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, indent.count + line.count + 1 + word.count > width {
                lines.append(indent + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(indent + line) }
        return lines
    }
}

/// A contradiction between settings, as a sentence.
struct JoinSettingsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
