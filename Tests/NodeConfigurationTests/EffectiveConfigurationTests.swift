import Testing

@testable import NodeConfiguration

/// Defaults, then the file, then the flags; each value with its source; `--print-config`'s text.
@Suite struct EffectiveConfigurationTests {
    let schema = ConfigurationFileTests.schema

    func resolve(file text: String?, flags: [String]) throws -> EffectiveConfiguration {
        let fileSettings = try text.map { try ConfigurationFile.settings(in: $0, file: "/etc/coalition/node.toml", schema: schema) } ?? []
        let flagSettings = try CommandLineSettings.settings(from: flags, schema: schema)
        return EffectiveConfiguration(
            schema: schema, file: text == nil ? nil : "/etc/coalition/node.toml", fileSettings: fileSettings, flagSettings: flagSettings)
    }

    func flagError(_ flags: [String]) -> ConfigurationError? {
        do {
            _ = try CommandLineSettings.settings(from: flags, schema: schema)
            return nil
        } catch {
            return error
        }
    }

    @Test func flagsOverrideTheFile_whichOverridesTheDefaults() throws {
        let configuration = try resolve(
            file: "name = \"kitchen\"\nheartbeat-port = 8000\nlog-level = \"debug\"",
            flags: ["--heartbeat-port", "9000", "--insecure"])
        #expect(configuration["heartbeat-port"] == .init(value: .integer(9000), source: .flag("--heartbeat-port")))
        #expect(configuration["name"] == .init(value: .string("kitchen"), source: .file(path: "/etc/coalition/node.toml", line: 1)))
        #expect(configuration["log-level"].source == .file(path: "/etc/coalition/node.toml", line: 3))
        #expect(configuration["insecure"] == .init(value: .boolean(true), source: .flag("--insecure")))
        #expect(configuration["lend-cores"] == .init(value: nil, source: .defaultValue))
        #expect(configuration.integer("heartbeat-port") == 9000 && configuration.string("name") == "kitchen")
        #expect(configuration.float("lend-cores") == nil && configuration.boolean("insecure"))
    }

    @Test func withoutAFile_theDefaultsHold() throws {
        let configuration = try resolve(file: nil, flags: [])
        #expect(configuration["heartbeat-port"] == .init(value: .integer(7946), source: .defaultValue))
        #expect(configuration.string("log-level") == "info" && !configuration.boolean("insecure"))
        #expect(configuration.strings("peers") == [])
    }

    @Test func flagsTakeSpacedOrAttachedValues_typedByTheSetting() throws {
        let configuration = try resolve(
            file: nil, flags: ["--name=42", "--lend-cores", "2", "--insecure=false", "--peers", "a,b", "--log-level=debug"])
        #expect(configuration.string("name") == "42")
        #expect(configuration.float("lend-cores") == 2)
        #expect(configuration["insecure"] == .init(value: .boolean(false), source: .flag("--insecure")))
        #expect(configuration.strings("peers") == ["a", "b"])
        #expect(configuration.string("log-level") == "debug")
    }

    @Test func badFlags_nameTheFlag() throws {
        #expect(flagError(["--heartbeat-prot", "1"])?.description == "command line: --heartbeat-prot: no such option (did you mean --heartbeat-port?)")
        #expect(flagError(["--heartbeat-port"])?.description == "command line: --heartbeat-port: needs a value")
        #expect(flagError(["--heartbeat-port", "x"])?.description == "command line: --heartbeat-port: must be an integer, not \"x\"")
        #expect(flagError(["--heartbeat-port", "70000"])?.description == "command line: --heartbeat-port: must be in 1...65535, not 70000")
        #expect(flagError(["--lend-cores", "nan"])?.code == .wrongType)
        #expect(flagError(["--insecure=yes"])?.code == .wrongType)
        #expect(flagError(["--log-level", "loud"])?.code == .invalidValue)
        #expect(flagError(["kitchen"])?.description == "command line: unexpected argument \"kitchen\": settings are given as --key value")
        #expect(flagError(["--metrics-address", "0.0.0.0:9100"])?.description
            == "command line: --metrics-address: has no flag yet: set it in the configuration file")
    }

    @Test func printedConfiguration_namesEachSource_andReadsBackToTheSameValues() throws {
        let configuration = try resolve(file: "name = \"kitchen \\\"pi\\\"\"\npeers = [\"a\"]", flags: ["--lend-cores", "1.5"])
        let text = configuration.rendered(title: "test")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "# test")
        #expect(lines[1] == "# configuration file: /etc/coalition/node.toml")
        #expect(lines.contains { $0.hasPrefix("name = \"kitchen \\\"pi\\\"\"") && $0.hasSuffix("# /etc/coalition/node.toml:1") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("heartbeat-port = 7946") && $0.hasSuffix("# default") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("lend-cores = 1.5") && $0.hasSuffix("# --lend-cores") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("# metrics-address =") && $0.hasSuffix("# unset: not used") }, "\(text)")

        let reread = try resolve(file: text, flags: [])
        for definition in schema.definitions {
            #expect(reread[definition.key].value == configuration[definition.key].value, "\(definition.key)")
        }
    }

    @Test func stringsWithControlCharactersRenderAsTOMLAndReadBack() throws {
        let value = SettingValue.string("a\u{01}\n\"\\")
        let reread = try ConfigurationFile.entries(in: "name = \(value)", file: "f")
        #expect(reread.first?.value == value)
    }
}
