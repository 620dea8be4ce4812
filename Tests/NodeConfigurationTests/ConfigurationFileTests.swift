import Testing

@testable import NodeConfiguration

/// The configuration file's TOML subset and its checks against a schema: every mistake names
/// the file, the line and the key.
@Suite struct ConfigurationFileTests {
    static let schema = ConfigurationSchema([
        SettingDefinition(key: "name", type: .string, defaultDescription: "the host name", help: "The name."),
        SettingDefinition(
            key: "heartbeat-port", type: .integer, defaultValue: .integer(7946), help: "A port.",
            check: SettingDefinition.integer(in: 1...65535)),
        SettingDefinition(key: "lend-cores", type: .float, help: "Cores.", check: SettingDefinition.float(in: 0...1024)),
        SettingDefinition(key: "insecure", type: .boolean, defaultValue: .boolean(false), help: "No key."),
        SettingDefinition(key: "peers", type: .strings, help: "Addresses."),
        SettingDefinition(
            key: "log-level", type: .string, defaultValue: .string("info"), help: "Level.",
            check: SettingDefinition.oneOf(["debug", "info"])),
        SettingDefinition(key: "metrics-address", type: .string, help: "File only.", hasFlag: false),
    ])

    func settings(_ text: String) throws(ConfigurationError) -> [String: SettingValue] {
        var values: [String: SettingValue] = [:]
        for setting in try ConfigurationFile.settings(in: text, file: "/etc/coalition/node.toml", schema: Self.schema) {
            values[setting.key] = setting.value
        }
        return values
    }

    func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try settings(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func everyValueTypeReads_withCommentsAndBlankLines() throws {
        let values = try settings(
            """
            # a board in the kitchen

            name = "kitchen \\"pi\\"\\t\\u00e9"   # with escapes
            heartbeat-port = 7_946
            lend-cores = 1.5
            insecure = true
            peers = ["10.0.0.1", 'C:\\literal', ]
            log-level='debug'
            metrics-address = ""\r
            """)
        #expect(values["name"] == .string("kitchen \"pi\"\té"))
        #expect(values["heartbeat-port"] == .integer(7946))
        #expect(values["lend-cores"] == .float(1.5))
        #expect(values["insecure"] == .boolean(true))
        #expect(values["peers"] == .strings(["10.0.0.1", "C:\\literal"]))
        #expect(values["log-level"] == .string("debug"))
        #expect(values["metrics-address"] == .string(""))
    }

    @Test func anIntegerIsAcceptedWhereANumberIsExpected_andExponentsRead() throws {
        #expect(try settings("lend-cores = 2")["lend-cores"] == .float(2))
        #expect(try settings("lend-cores = 25e-1")["lend-cores"] == .float(2.5))
        #expect(try settings("lend-cores = -0.0")["lend-cores"] == .float(-0.0))
    }

    @Test func anUnknownKey_namesFileLineAndKey_andSuggestsTheClosest() throws {
        let found = try #require(error("name = \"a\"\n\nheartbeat_port = 7000\n"))
        #expect(found.code == .unknownKey)
        #expect(found.line == 3 && found.key == "heartbeat_port")
        #expect(found.description == "/etc/coalition/node.toml:3: heartbeat_port: no such setting (did you mean heartbeat-port?)")
        #expect(error("colour = \"blue\"")?.description == "/etc/coalition/node.toml:1: colour: no such setting")
    }

    @Test func aValueOfTheWrongType_namesFileLineAndKey() throws {
        let found = try #require(error("# ports\nheartbeat-port = \"7946\""))
        #expect(found.code == .wrongType)
        #expect(found.description == "/etc/coalition/node.toml:2: heartbeat-port: must be an integer, not a string (\"7946\")")
        #expect(error("insecure = 1")?.code == .wrongType)
        #expect(error("heartbeat-port = 1.5")?.code == .wrongType)
        #expect(error("peers = \"10.0.0.1\"")?.code == .wrongType)
    }

    @Test func aValueTheSettingRefuses_namesFileLineAndKey() throws {
        let port = try #require(error("heartbeat-port = 0"))
        #expect(port.code == .invalidValue)
        #expect(port.description == "/etc/coalition/node.toml:1: heartbeat-port: must be in 1...65535, not 0")
        let level = try #require(error("\n\nlog-level = \"loud\""))
        #expect(level.description == "/etc/coalition/node.toml:3: log-level: must be one of debug, info, not \"loud\"")
    }

    @Test func aKeySetTwice_namesBothLines() throws {
        let found = try #require(error("name = \"a\"\nname = \"b\""))
        #expect(found.code == .duplicateKey)
        #expect(found.description == "/etc/coalition/node.toml:2: name: set twice (first on line 1): keep one")
    }

    /// Each line TOML would read but this file does not use, or that is not TOML at all: a
    /// syntax error naming the line, and the key when the line got that far.
    @Test(arguments: [
        ("[node]", nil, "tables ([section]) are not used"),
        ("\"name\" = \"a\"", nil, "quoted keys are not used"),
        ("node.name = \"a\"", "node", "dotted keys are not used"),
        ("name \"a\"", "name", "expected `=` after the key"),
        ("name =", "name", "the value is missing"),
        ("name = # nothing", "name", "the value is missing"),
        ("name = \"a", "name", "the string is not closed"),
        ("name = \"\"\"a\"\"\"", "name", "multi-line strings are not used"),
        ("name = \"a\\qb\"", "name", "unknown escape \\q"),
        ("name = \"\\u12\"", "name", "\\u must be followed by 4 hex digits"),
        ("name = \"a\" \"b\"", "name", "unexpected text after the value"),
        ("name = kitchen", "name", "kitchen is not a value"),
        ("heartbeat-port = 0x1f", "heartbeat-port", "only decimal integers"),
        ("heartbeat-port = 07946", "heartbeat-port", "07946 is not a value"),
        ("heartbeat-port = 1__000", "heartbeat-port", "1__000 is not a value"),
        ("heartbeat-port = 99999999999999999999", "heartbeat-port", "too large for an integer"),
        ("lend-cores = inf", "lend-cores", "only finite numbers"),
        ("lend-cores = 1.", "lend-cores", "1. is not a value"),
        ("name = 2026-12-03", "name", "dates and times are not used"),
        ("peers = [\"a\", 1]", "peers", "arrays hold strings only"),
        ("peers = [\"a\"", "peers", "the array is not closed"),
        ("peers = [\"a\" \"b\"]", "peers", "expected , or ]"),
        ("name = { x = 1 }", "name", "inline tables are not used"),
        ("= 3", nil, "expected `key = value`"),
    ] as [(String, String?, String)])
    func aLineOutsideTheSubset_isASyntaxErrorNamingTheLine(line: String, key: String?, reason: String) throws {
        let found = try #require(error("# first\n" + line))
        #expect(found.code == .syntax)
        #expect(found.file == "/etc/coalition/node.toml" && found.line == 2 && found.key == key)
        #expect(found.reason.contains(reason), "\(found)")
    }

    @Test func controlCharactersInAStringMustBeEscaped() {
        #expect(error("name = \"a\u{01}b\"")?.code == .syntax)
    }
}
