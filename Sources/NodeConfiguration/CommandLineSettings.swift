/// Settings given as flags: `--key value`, `--key=value`, and `--key` alone for a boolean
/// (true). Every flag is `--` + a setting's key; the value is parsed as the setting's type
/// (`--lend-cores 2` is the number 2.0, `--name 42` the string "42").
public enum CommandLineSettings {
    /// The settings `arguments` set, in order, each checked like a file's value.
    /// - Throws: ``ConfigurationError`` with file `command line`, naming the flag: an unknown
    ///   flag, a missing value, a value of the wrong form, a refused value.
    public static func settings(
        from arguments: [String], schema: ConfigurationSchema
    ) throws(ConfigurationError) -> [(key: String, value: SettingValue, source: SettingSource)] {
        var settings: [(key: String, value: SettingValue, source: SettingSource)] = []
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw error(.syntax, flag: nil, "unexpected argument \"\(argument)\": settings are given as --key value")
            }
            let body = argument.dropFirst(2)
            let name: String
            var attached: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                attached = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            let flag = "--" + name
            guard let definition = schema.definition(for: name), definition.hasFlag else {
                let known = schema.definition(for: name) != nil
                throw error(
                    .unknownKey, flag: flag,
                    known ? "has no flag yet: set it in the configuration file"
                        : "no such option" + (ConfigurationFile.closestKey(to: name, in: schema).map { " (did you mean --\($0)?)" } ?? ""))
            }
            let text: String
            if definition.type == .boolean, attached == nil {
                text = "true"
            } else if let attached {
                text = attached
            } else {
                guard let next = remaining.popFirst() else { throw error(.syntax, flag: flag, "needs a value") }
                text = next
            }
            let parsed = try value(text, for: definition, flag: flag)
            switch definition.accept(parsed) {
            case .success(let value): settings.append((name, value, .flag(flag)))
            case .failure(let refusal): throw error(refusal.code, flag: flag, refusal.reason)
            }
        }
        return settings
    }

    /// `text` read as the setting's type. An array is given as one comma-separated argument.
    static func value(_ text: String, for definition: SettingDefinition, flag: String) throws(ConfigurationError) -> SettingValue {
        switch definition.type {
        case .string:
            return .string(text)
        case .strings:
            return .strings(text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        case .boolean:
            switch text {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: throw error(.wrongType, flag: flag, "must be true or false, not \"\(text)\"")
            }
        case .integer:
            guard let number = Int(text) else { throw error(.wrongType, flag: flag, "must be an integer, not \"\(text)\"") }
            return .integer(number)
        case .float:
            guard let number = Double(text), number.isFinite, !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) else {
                throw error(.wrongType, flag: flag, "must be a number, not \"\(text)\"")
            }
            return .float(number)
        }
    }

    private static func error(_ code: ConfigurationError.Code, flag: String?, _ reason: String) -> ConfigurationError {
        ConfigurationError(code, file: "command line", line: nil, key: flag, reason: reason)
    }
}
