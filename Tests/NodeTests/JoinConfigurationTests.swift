import ArgumentParser
import Foundation
import NodeConfiguration
import Testing

@testable import node

/// `node join`'s settings: one table for the flags and the configuration file, flags over the
/// file over the defaults, `--config`, `--no-config` and `--print-config`.
@Suite struct JoinConfigurationTests {
    /// A configuration file in a temporary directory, removed by the caller.
    func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("node-\(UUID().uuidString).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func join(_ arguments: [String]) throws -> JoinCommand {
        try #require(try NodeCommand.parseAsRoot(["join"] + arguments) as? JoinCommand)
    }

    func message(_ arguments: [String]) -> String? {
        do {
            _ = try NodeCommand.parseAsRoot(["join"] + arguments)
            return nil
        } catch {
            return NodeCommand.message(for: error)
        }
    }

    @Test func everyKeyOfTheTableIsAFlag_andKebabCase() {
        let keys = JoinKey.allCases.map(\.rawValue)
        #expect(Set(keys).count == keys.count)
        #expect(JoinKey.schema.definitions.filter { !$0.hasFlag }.map(\.key) == [])
        let help = NodeCommand.helpMessage(for: JoinCommand.self)
        for definition in JoinKey.schema.definitions where definition.hasFlag {
            #expect(help.contains("  \(definition.flag)"), "help lacks \(definition.flag)")
        }
        #expect(help.contains("--print-config") && help.contains("--no-config") && help.contains("--config <path>"))
    }

    @Test func flagsOverrideTheFile_andEachValueKeepsItsSource() throws {
        let path = try temporaryFile(
            """
            # the kitchen board
            name = "kitchen"
            key-file = "/etc/coalition/key"
            heartbeat-port = 8000
            lend-cores = 2
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try join(["--config", path, "--heartbeat-port", "9000", "--name=hall"]).settings()
        #expect(settings.string(.name) == "hall" && settings.source(.name) == .flag("--name"))
        #expect(settings.integer(.heartbeatPort) == 9000 && settings.source(.heartbeatPort) == .flag("--heartbeat-port"))
        #expect(settings.string(.keyFile) == "/etc/coalition/key" && settings.source(.keyFile) == .file(path: path, line: 3))
        #expect(settings.float(.lendCores) == 2 && settings.source(.lendCores) == .file(path: path, line: 5))
        #expect(settings.integer(.queryPort) == 7947 && settings.source(.queryPort) == .defaultValue)
        #expect(settings.string(.logLevel) == "info" && settings.string(.profilesDirectory) == "profiles")
    }

    @Test func theKeyMayComeFromTheFile_andAContradictionNamesBothSources() throws {
        let path = try temporaryFile("key-file = \"/etc/coalition/key\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: Never.self) { try join(["--config", path]) }
        let contradiction = try #require(message(["--config", path, "--insecure"]))
        #expect(contradiction.contains("--key-file and --insecure contradict each other (key-file from \(path):1, insecure from --insecure)"), "\(contradiction)")
    }

    @Test func aBadFileOrFlag_isAnErrorNamingTheFileTheLineAndTheKey() throws {
        let path = try temporaryFile("insecure = true\n\nheartbeat-port = \"fast\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let wrong = try #require(message(["--config", path]))
        #expect(wrong.contains("\(path):3: heartbeat-port: must be an integer, not a string (\"fast\")"), "\(wrong)")

        let unknown = try temporaryFile("insecure = true\nheartbeat = 100\n")
        defer { try? FileManager.default.removeItem(atPath: unknown) }
        #expect(message(["--config", unknown])?.contains("\(unknown):2: heartbeat: no such setting") == true)

        #expect(message(["--no-config", "--insecure", "--heartbeat-interval", "5"])?
            .contains("command line: --heartbeat-interval: must be in 10...10000, not 5") == true)
        #expect(message(["--no-config", "--insecure", "--node-id", "xyz"])?
            .contains("--node-id: must be exactly 16 hex digits, not \"xyz\"") == true)
        #expect(message(["--no-config", "--insecure", "--bogus"])?.contains("command line: --bogus: no such option") == true)
    }

    @Test func aMissingConfigFile_isAnError_butAMissingDefaultFileIsNot() throws {
        let missing = "/nonexistent/coalition-\(UUID().uuidString).toml"
        #expect(message(["--config", missing, "--insecure"])?.contains("\(missing): no such file (given with --config)") == true)
        let none = try JoinSettings.resolve(arguments: ["--insecure"], config: .defaultIfPresent, readFile: { _ in nil })
        #expect(none.configuration.file == nil)
        #expect(message(["--config", missing, "--no-config", "--insecure"])?.contains("contradict") == true)
    }

    @Test func theDefaultFileIsReadWhenPresent_andNoConfigSkipsIt() throws {
        var asked: [String] = []
        let read: (String) throws -> String? = { path in
            asked.append(path)
            return "name = \"from-the-default-file\"\ninsecure = true\n"
        }
        let present = try JoinSettings.resolve(arguments: [], config: .defaultIfPresent, readFile: read)
        #expect(asked == ["/etc/coalition/node.toml"])
        #expect(present.string(.name) == "from-the-default-file" && present.source(.name) == .file(path: "/etc/coalition/node.toml", line: 1))
        let skipped = try JoinSettings.resolve(arguments: [], config: .none, readFile: read)
        #expect(asked.count == 1 && skipped.string(.name) == nil && skipped.configuration.file == nil)
    }

    @Test func printConfig_showsEveryValueWithItsSource_evenWithoutAKey() throws {
        let path = try temporaryFile("lend-memory-mib = 256\nmetrics-address = \"127.0.0.1:9100\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try join(["--config", path, "--print-config", "--query-port", "8001"])
        let settings = try command.settings()
        let text = settings.rendered()
        #expect(text.contains("# configuration file: \(path)"), "\(text)")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("lend-memory-mib = 256") && $0.hasSuffix("# \(path):1") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("metrics-address = \"127.0.0.1:9100\"") && $0.hasSuffix("# \(path):2") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("query-port = 8001") && $0.hasSuffix("# --query-port") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("heartbeat-port = 7946") && $0.hasSuffix("# default") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("# key-file =") && $0.contains("unset: none: give one, or insecure") }, "\(text)")
        // What it prints is itself a configuration file with the same values.
        let reread = try JoinSettings.resolve(arguments: [], config: .file("printed"), readFile: { _ in text })
        for key in JoinKey.allCases {
            #expect(reread.configuration[key.rawValue].value == settings.configuration[key.rawValue].value, "\(key)")
        }
    }

    @Test func theShippedDefaultFile_isAValidConfiguration() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("dist/node.toml").path
        let settings = try JoinSettings.resolve(arguments: [], config: .file(shipped), readFile: JoinCommand.readFile)
        #expect(settings.string(.keyFile) == "/etc/coalition/key")
        #expect(settings.string(.profilesDirectory) == "/var/lib/coalition/profiles")
        #expect(throws: Never.self) { try settings.validateForJoining() }
        // Every setting is there, set or commented out, so a board owner sees what can be set.
        let text = try String(contentsOfFile: shipped, encoding: .utf8)
        for key in JoinKey.allCases {
            #expect(text.contains("\n\(key.rawValue) = ") || text.contains("\n# \(key.rawValue) = "), "dist/node.toml lacks \(key.rawValue)")
        }
    }
}
