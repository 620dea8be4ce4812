/// Every setting of a schema with its value and where that came from: the default, overridden
/// by the configuration file, overridden by the flags.
public struct EffectiveConfiguration: Sendable {
    /// One setting's effective value.
    public struct Setting: Sendable, Equatable {
        /// nil when unset: no default, and neither the file nor a flag gave one.
        public let value: SettingValue?
        public let source: SettingSource
    }

    public let schema: ConfigurationSchema
    /// The configuration file read, or nil when none was (`--no-config`, or no default file).
    public let file: String?
    private var settings: [String: Setting]

    /// Defaults, then `file` settings, then `flags`, later ones winning.
    public init(
        schema: ConfigurationSchema, file: String? = nil,
        fileSettings: [(key: String, value: SettingValue, source: SettingSource)] = [],
        flagSettings: [(key: String, value: SettingValue, source: SettingSource)] = []
    ) {
        self.schema = schema
        self.file = file
        var settings: [String: Setting] = [:]
        for definition in schema.definitions {
            settings[definition.key] = Setting(value: definition.defaultValue, source: .defaultValue)
        }
        for (key, value, source) in fileSettings + flagSettings {
            precondition(schema.definition(for: key) != nil, "\(key) is not a setting of this schema")
            settings[key] = Setting(value: value, source: source)
        }
        self.settings = settings
    }

    /// The effective setting for `key`, which must be in the schema.
    public subscript(key: String) -> Setting {
        guard let setting = settings[key] else { preconditionFailure("\(key) is not a setting of this schema") }
        return setting
    }

    /// The string value of `key`, nil when unset. `key` must be a string setting.
    public func string(_ key: String) -> String? {
        switch self[key].value {
        case nil: return nil
        case .string(let text): return text
        case let other?: preconditionFailure("\(key) holds \(other.type), not a string")
        }
    }

    /// The integer value of `key`, nil when unset.
    public func integer(_ key: String) -> Int? {
        switch self[key].value {
        case nil: return nil
        case .integer(let number): return number
        case let other?: preconditionFailure("\(key) holds \(other.type), not an integer")
        }
    }

    /// The number value of `key`, nil when unset.
    public func float(_ key: String) -> Double? {
        switch self[key].value {
        case nil: return nil
        case .float(let number): return number
        case let other?: preconditionFailure("\(key) holds \(other.type), not a number")
        }
    }

    /// The boolean value of `key`; unset is false.
    public func boolean(_ key: String) -> Bool {
        switch self[key].value {
        case nil: return false
        case .boolean(let flag): return flag
        case let other?: preconditionFailure("\(key) holds \(other.type), not a boolean")
        }
    }

    /// The string array of `key`; unset is empty.
    public func strings(_ key: String) -> [String] {
        switch self[key].value {
        case nil: return []
        case .strings(let texts): return texts
        case let other?: preconditionFailure("\(key) holds \(other.type), not an array of strings")
        }
    }

    /// The configuration as a file would write it, each line with its source as a comment;
    /// unset settings are commented out with what their absence means. Reads back (as a
    /// configuration file) to the same values.
    public func rendered(title: String) -> String {
        var lines = ["# \(title)", "# configuration file: \(file ?? "none")"]
        let assignments = schema.definitions.map { definition -> (String, String) in
            let setting = self[definition.key]
            guard let value = setting.value else {
                return ("# \(definition.key) =", "unset: \(definition.defaultDescription ?? "not used")")
            }
            return ("\(definition.key) = \(value)", setting.source.description)
        }
        let width = min(assignments.map(\.0.count).max() ?? 0, 48)
        for (assignment, comment) in assignments {
            let padding = String(repeating: " ", count: max(width - assignment.count, 0))
            lines.append("\(assignment)\(padding)  # \(comment)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
