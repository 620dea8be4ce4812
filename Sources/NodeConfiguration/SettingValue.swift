/// A value a setting holds, as the configuration file writes it.
public enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    /// A string: `"board-1"` (basic, with escapes) or `'C:\path'` (literal).
    case string(String)
    /// A decimal integer: `7946`, `-3`, `1_000`.
    case integer(Int)
    /// A finite decimal number: `1.5`, `2e3`. An integer is accepted where a float is expected.
    case float(Double)
    /// `true` or `false`.
    case boolean(Bool)
    /// An array of strings on one line: `["a", "b"]`.
    case strings([String])

    /// The type of this value.
    public var type: SettingType {
        switch self {
        case .string: .string
        case .integer: .integer
        case .float: .float
        case .boolean: .boolean
        case .strings: .strings
        }
    }

    /// The value written as the configuration file writes it (reads back to the same value).
    public var description: String {
        switch self {
        case .string(let text): Self.quoted(text)
        case .integer(let number): String(number)
        case .float(let number): number.description
        case .boolean(let flag): flag ? "true" : "false"
        case .strings(let texts): "[" + texts.map(Self.quoted).joined(separator: ", ") + "]"
        }
    }

    /// `text` as a TOML basic string, with the escapes it needs.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// The type a setting expects.
public enum SettingType: Sendable, Equatable, CustomStringConvertible {
    case string, integer, float, boolean, strings

    /// How an error message names the type: "a string", "an integer", ...
    public var description: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .boolean: "true or false"
        case .strings: "an array of strings"
        }
    }
}

/// Where a setting's value came from, lowest precedence first.
public enum SettingSource: Sendable, Equatable, CustomStringConvertible {
    /// The setting's documented default (or unset, when it has none).
    case defaultValue
    /// A line of a configuration file.
    case file(path: String, line: Int)
    /// A command-line flag, e.g. `--heartbeat-port`.
    case flag(String)

    /// `default`, `/etc/coalition/node.toml:3` or `--heartbeat-port`.
    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let path, let line): "\(path):\(line)"
        case .flag(let flag): flag
        }
    }
}
